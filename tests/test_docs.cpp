// The committed references are generated from the registry, the output table and the data dictionary,
// docs/validation.md by running the shipped trials, and docs/lessons.md (with the README's lesson
// blocks) by running the lessons' comparisons; regenerate them with the commands in the messages
// below.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "output/dictionary.hpp"
#include "sim/registry/outputs.hpp"
#include "sim/study/leave_out.hpp"
#include "sim/registry/registry.hpp"
#include "sim/study/lessons.hpp"
#include "tests/cli_test_helpers.hpp"

namespace {
// The first line where two texts differ, for a short failure message.
std::string first_difference(const std::string& a, const std::string& b) {
  std::size_t i = 0, line = 1;
  while (i < a.size() && i < b.size() && a[i] == b[i]) line += a[i++] == '\n';
  const auto cut = [&](const std::string& s) { return s.substr(s.rfind('\n', i) + 1, 160); };
  return "line " + std::to_string(line) + ":\n  committed: " + cut(a) + "\n  generated: " + cut(b);
}

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}
}  // namespace

TEST(Docs, ParameterReferenceIsCurrent) {
  const std::string committed = slurp(std::string(PERCORSI_SOURCE_DIR) + "/docs/parameters.md");
  const std::string generated = percorsi::registry_markdown();
  EXPECT_TRUE(committed == generated) << "docs/parameters.md is stale: run `build/sim/percorsi params > docs/parameters.md`; "
                                      << first_difference(committed, generated);
}

TEST(Docs, DataDictionaryIsCurrent) {
  const std::string committed = slurp(std::string(PERCORSI_SOURCE_DIR) + "/docs/data-dictionary.md");
  const std::string generated = percorsi::out::dictionary_markdown();
  EXPECT_TRUE(committed == generated)
      << "docs/data-dictionary.md is stale: run `build/sim/percorsi params --dictionary > docs/data-dictionary.md`; "
      << first_difference(committed, generated);
}

TEST(Docs, OutputReferenceIsCurrent) {
  const std::string committed = slurp(std::string(PERCORSI_SOURCE_DIR) + "/docs/outputs.md");
  const std::string generated = percorsi::out::outputs_markdown();
  EXPECT_TRUE(committed == generated) << "docs/outputs.md is stale: run `build/sim/percorsi params --outputs > docs/outputs.md`; "
                                      << first_difference(committed, generated);
}

TEST(Docs, RegistryEntriesAreComplete) {
  for (const auto& p : percorsi::registry()) {
    EXPECT_FALSE(p.description.empty()) << p.path;
    EXPECT_FALSE(p.source.empty()) << p.path;
    if (p.kind == percorsi::Kind::Real || p.kind == percorsi::Kind::Int || p.kind == percorsi::Kind::Duration) {
      EXPECT_LE(p.min, p.max) << p.path;
    }
  }
}

// docs/validation.md is `percorsi validation`'s output: every shipped trial run with the default
// parameters (a few seconds), compared with the committed page.
TEST(Docs, ValidationPageIsCurrent) {
  const std::string src = PERCORSI_SOURCE_DIR;
  const std::string page = testing::TempDir() + "validation-" + std::to_string(::getpid()) + ".md";
  const std::string cmd = "cd '" + src + "' && " + PERCORSI_BIN + " validation --quiet --out '" + page + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string committed = slurp(src + "/docs/validation.md"), generated = slurp(page);
  std::remove(page.c_str());
  EXPECT_TRUE(committed == generated)
      << "docs/validation.md is stale: run `build/sim/percorsi validation` from the repository root (it rewrites "
         "docs/validation.md from docs/validation.in.md and the shipped trials); "
      << first_difference(committed, generated);
}

// Every calibration file has its leave-one-trial-out file (docs/validation.md, "Leave one trial
// out"), written from the calibration file and the trial files as they are now.
TEST(Docs, LeaveOneOutFilesAreCurrent) {
  using namespace percorsi;
  const std::string dir = std::string(PERCORSI_SOURCE_DIR) + "/scenarios/calibration";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml" || !is_calibration_file(e.path().string())) continue;
    ++n;
    const Calibration cal = load_calibration(e.path().string());
    const auto lo = e.path().parent_path() / (e.path().stem().string() + ".leave_out.yaml");
    ASSERT_TRUE(std::filesystem::exists(lo)) << lo << " is missing: run `build/sim/percorsi calibrate " << e.path().filename()
                                             << " --leave-one-out " << lo.filename() << "` (from scenarios/calibration)";
    const LeaveOutFile f = load_leave_out(lo.string());
    EXPECT_EQ(f.inputs, inputs_fingerprint(cal))
        << lo << " is stale (the calibration file or one of its trials changed): run `build/sim/percorsi calibrate "
        << e.path().string() << " --leave-one-out " << lo.string() << " --force`, then `build/sim/percorsi validation`";
    EXPECT_EQ(f.runs.size(), cal.trials.size()) << lo;
    for (const auto& r : f.runs) EXPECT_EQ(r.medians.size(), cal.parameters.size()) << lo << ": " << r.left_out;
  }
  EXPECT_GE(n, 2) << "the shipped calibration files (defaults.yaml, trials.yaml)";
}

// The robustness of the shipped lessons (scenarios/lessons.robustness.yaml, shown on
// docs/lessons.md) was computed for the current inputs: the lessons, their scenarios, the
// plausible ranges and the model's pinned results.
TEST(Docs, LessonsRobustnessIsCurrent) {
  using namespace percorsi;
  const std::string src = PERCORSI_SOURCE_DIR, lessons = src + "/scenarios/lessons.yaml";
  const std::string kept = lessons_robustness_path(lessons);
  ASSERT_TRUE(std::filesystem::exists(kept)) << kept << " is missing: run `build/sim/percorsi lessons --robustness` from the repository root";
  const LessonsSpec spec = load_lessons(lessons);
  const LessonsRobustness r = load_lessons_robustness(kept);
  EXPECT_EQ(r.inputs, lessons_inputs_fingerprint(spec))
      << kept << " is stale (a lesson, one of its scenarios, a plausible range or the model's results changed): run "
      << "`build/sim/percorsi lessons --robustness` from the repository root (about half an hour on 2 cores)";
  for (const Lesson& l : spec.lessons) EXPECT_NE(r.of(l.id), nullptr) << kept << " has no robustness for lesson " << l.id;
}

// README.md says how many published targets the defaults meet, as docs/validation.md counts them.
TEST(Docs, ReadmeGivesTheValidationCount) {
  const std::string src = PERCORSI_SOURCE_DIR;
  const std::regex count("meet ([0-9]+) of ([0-9]+) published targets");
  std::smatch readme, page;
  const std::string r = slurp(src + "/README.md"), v = slurp(src + "/docs/validation.md");
  ASSERT_TRUE(std::regex_search(r, readme, count)) << "README.md has no sentence 'meet N of M published targets'";
  ASSERT_TRUE(std::regex_search(v, page, count)) << "docs/validation.md has no count";
  EXPECT_EQ(readme.str(0), page.str(0)) << "README.md says '" << readme.str(0) << "', docs/validation.md '" << page.str(0)
                                        << "': copy the count into README.md";
}

// The command's text report, and a template without its markers (exit 2, naming the marker).
TEST(Docs, ValidationCommandTextAndTemplateErrors) {
  percorsi::cli_test::TempDir d;
  const std::string trials = PERCORSI_SOURCE_DIR + std::string("/scenarios/trials");
  auto r = percorsi::cli_test::sh("validation --format text --replicates 2 --quiet --trials " + trials);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("trial italy_unemployed: cohort of 1000"), std::string::npos) << r.out;
  // A calibrations folder given and absent is an error naming it.
  auto missing = percorsi::cli_test::sh("validation --format text --replicates 2 --quiet --trials " + trials + " --calibrations " +
                                        (d.path / "none").string());
  EXPECT_EQ(missing.code, 2) << missing.out;
  EXPECT_NE(missing.out.find("cannot list the calibration files"), std::string::npos) << missing.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("The default parameters meet [0-9]+ of [0-9]+ published targets"))) << r.out;
  const std::string templ = d.write("t.md", "{{count}}\n{{summary}}\n");
  r = percorsi::cli_test::sh("validation --replicates 2 --quiet --trials " + trials + " --template " + templ + " --out " +
                         (d.path / "v.md").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("the validation template has no marker {{replicates}}"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(d.path / "v.md"));
}

// The page says, per target, which calibration files fit it, and per trial whether a calibration
// left it out: a calibration file without its leave-one-out file leaves "(not run)" and says why.
TEST(Docs, ValidationPageNamesWhatFitsEachTarget) {
  percorsi::cli_test::TempDir d;
  const std::string src = PERCORSI_SOURCE_DIR, trials = src + "/scenarios/trials";
  std::filesystem::create_directory(d.path / "cal");
  d.write("cal/jobs.yaml", "seed: 4\nparticles: 12\ngenerations: 1\nparameters:\n  labour.job_finding_rate: {range: [0.2, 1.5]}\n"
                           "targets:\n  - {trial: " + trials + "/italy_unemployed.yaml}\n");
  const std::string templ = d.write("t.md", "{{count}} {{replicates}}\n{{summary}}\n{{held_out}}\n{{targets}}\n{{calibrated}}\n{{assumptions}}\n");
  const std::string page = (d.path / "v.md").string();
  auto r = percorsi::cli_test::sh("validation --replicates 2 --quiet --trials " + trials + " --template " + templ +
                                  " --calibrations " + (d.path / "cal").string() + " --out " + page);
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string v = slurp(page);
  const std::string cal = "`" + (d.path / "cal" / "jobs.yaml").generic_string() + "`";
  EXPECT_NE(v.find("| employed_share, at: 12 months | yes | " + cal + " | (not run) |"), std::string::npos) << v;
  EXPECT_NE(v.find("its calibration file has no leave-one-out file"), std::string::npos) << v;
  EXPECT_NE(v.find("no (held out of every calibration)"), std::string::npos) << v;  // the other trials' targets
  EXPECT_NE(v.find("no calibration fits this trial's targets"), std::string::npos) << v;
}

// docs/lessons.md and the README's marked example are `percorsi lessons`'s output: every lesson of
// scenarios/lessons.yaml run at the file's replicates (50: 35 s of CPU, 20-70 s on 2 cores),
// written into a temporary page and a copy of the README, compared with the committed ones.
TEST(Docs, LessonsPageIsCurrent) {
  const std::string src = PERCORSI_SOURCE_DIR;
  percorsi::cli_test::TempDir d;
  const std::string page = (d.path / "lessons.md").string();
  const std::string readme = d.write("README.md", slurp(src + "/README.md"));
  const std::string cmd =
      "cd '" + src + "' && " + PERCORSI_BIN + " lessons --quiet --out '" + page + "' --readme '" + readme + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string how =
      "run `build/sim/percorsi lessons` from the repository root (it rewrites docs/lessons.md from "
      "docs/lessons.in.md and scenarios/lessons.yaml, and the README's '<!-- lessons: ID -->' blocks); ";
  const std::string committed = slurp(src + "/docs/lessons.md"), generated = slurp(page);
  EXPECT_TRUE(committed == generated) << "docs/lessons.md is stale: " << how << first_difference(committed, generated);
  const std::string committed_readme = slurp(src + "/README.md"), generated_readme = slurp(readme);
  EXPECT_TRUE(committed_readme == generated_readme)
      << "README.md's lesson blocks are stale: " << how << first_difference(committed_readme, generated_readme);
  EXPECT_NE(committed_readme.find("<!-- lessons: "), std::string::npos) << "README.md has no lesson block";
}

namespace {
// A lessons file beside two small Piedmont scenarios (a fifth of the people, one year).
std::string small_lessons(const percorsi::cli_test::TempDir& d, const std::string& text) {
  for (const char* s : {"step_model", "housing_first"})
    d.write(std::string(s) + ".yaml", "extends: " + std::string(PERCORSI_SOURCE_DIR) + "/scenarios/piemonte/" + s +
                                          ".yaml\nscale: 0.2\nhorizon: 1 year\n");
  return d.write("lessons.yaml", text);
}
const std::string kLesson =
    "replicates: 6\n"
    "lessons:\n"
    "  - id: hf\n"
    "    lesson: Housing First houses more people.\n"
    "    scenarios: [step_model.yaml, housing_first.yaml]\n"
    "    indicators:\n"
    "      - stably_housed_12m: higher\n"
    "      - cost_per_person\n";
}  // namespace

// The command's text and CSV reports: the paired difference of each indicator, whether the lesson
// holds (higher on stably_housed_12m; a lesson stating the opposite does not), the command that
// reproduces it; the page from a template, and the README's block filled.
TEST(Docs, LessonsCommandReportsAndPage) {
  using percorsi::cli_test::sh;
  percorsi::cli_test::TempDir d;
  const std::string f = small_lessons(d, kLesson);
  auto r = sh("lessons " + f + " --format text --quiet");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("hf: holds"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("build/sim/percorsi compare " + (d.path / "step_model.yaml").string() + " " +
                       (d.path / "housing_first.yaml").string() + " --replicates 6"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1 of 1 lessons hold (6 replicates"), std::string::npos) << r.out;
  // A lesson's own replicates stand in for the file's, unless the command line gives a count.
  const std::string own = small_lessons(d, kLesson + "    replicates: 4\n");
  r = sh("lessons " + own + " --format text --quiet");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find(" --replicates 4"), std::string::npos) << r.out;
  r = sh("lessons " + own + " --format text --quiet --replicates 2");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find(" --replicates 2"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(" --replicates 4"), std::string::npos) << r.out;

  // CSV: the same difference as `percorsi compare` gives (paired, common random numbers).
  r = sh("lessons " + f + " --format csv --quiet --replicates 2", false);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("lesson,reference,scenario,indicator,expected,diff,diff_ci_low,diff_ci_high,n,paired,", 0), 0u)
      << r.out;
  const auto cmp = sh("compare " + (d.path / "step_model.yaml").string() + " " +
                          (d.path / "housing_first.yaml").string() + " --replicates 2 --quiet --format csv",
                      false);
  ASSERT_EQ(cmp.code, 0) << cmp.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("\nhf,step_model,housing_first,stably_housed_12m,higher,([^,]+),([^,]+),([^,]+),2,true,")))
      << r.out;
  EXPECT_NE(cmp.out.find("\nhousing_first,stably_housed_12m,"), std::string::npos) << cmp.out;
  EXPECT_NE(cmp.out.find("," + m.str(1) + "," + m.str(2) + "," + m.str(3) + ","), std::string::npos)
      << "lessons: " << m.str(0) << "\ncompare:\n" << cmp.out;
  EXPECT_NE(r.out.find("\nhf,step_model,housing_first,cost_per_person,,"), std::string::npos) << r.out;

  // Stated the other way round, the lesson does not hold, and the page says why; it gives the
  // evidence of the parameter named in rests_on.
  std::string wrong = kLesson + "    rests_on: [housing_first.acceptance]\n";
  wrong.replace(wrong.find("higher"), 6, "lower");
  const std::string g = small_lessons(d, wrong);
  const std::string templ = d.write("t.md", "{{count}} ({{replicates}})\n{{summary}}\n{{not_holding}}\n{{lessons}}\n");
  const std::string readme = d.write("R.md", "a\n<!-- lessons: hf -->\nold\n<!-- end lessons -->\nb\n");
  r = sh("lessons " + g + " --quiet --template " + templ + " --out " + (d.path / "p.md").string() + " --readme " + readme);
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string page = slurp((d.path / "p.md").string());
  EXPECT_NE(page.find("0 of 1 lessons hold (6)"), std::string::npos) << page;
  EXPECT_NE(page.find("- **[hf](#hf)**: housing_first - step_model on `stably_housed_12m`, expected lower, is +"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("it goes the other way"), std::string::npos) << page;
  std::string flat = page;  // the page wraps its lines
  std::replace(flat.begin(), flat.end(), '\n', ' ');
  EXPECT_NE(flat.find("Evidence: its size rests on the probability that an eligible person accepts a Housing First "
                      "offer (`housing_first.acceptance`), calibrated (scenarios/calibration/trials.yaml, "),
            std::string::npos)
      << page;
  const std::string filled = slurp(readme);
  EXPECT_EQ(filled.find("old"), std::string::npos) << filled;
  EXPECT_NE(filled.find("<!-- lessons: hf -->\n<!-- written by `build/sim/percorsi lessons " + g + "`"),
            std::string::npos)
      << filled;
  EXPECT_NE(filled.find("Stably housed 12 months after entry"), std::string::npos) << filled;
  EXPECT_NE(filled.find("\n<!-- end lessons -->\nb\n"), std::string::npos) << filled;

  // A block naming no lesson of the file: exit 2, nothing written.
  d.write("R.md", "<!-- lessons: nope -->\n<!-- end lessons -->\n");
  std::filesystem::remove(d.path / "p.md");
  r = sh("lessons " + g + " --quiet --template " + templ + " --out " + (d.path / "p.md").string() + " --readme " + readme);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("no lesson 'nope'"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(d.path / "p.md"));
}

// The robustness of the lessons is kept beside the lessons file by `lessons --robustness`, and a
// plain `lessons` shows it from there while the file's fingerprint is current: the same page as
// the run that computed it. When an input changes (here a scenario's horizon) the column goes and
// the page says why; a damaged file is refused with its line. The page's command is the plain
// one either way (it is what regenerates the page); the file records the robustness run's.
TEST(Docs, LessonsRobustnessIsKeptBesideTheLessonsAndUsedWhileCurrent) {
  using percorsi::cli_test::sh;
  percorsi::cli_test::TempDir d;
  const std::string f = small_lessons(d, kLesson);
  const std::string kept = (d.path / "lessons.robustness.yaml").string();
  const std::string templ = d.write("t.md", "{{count}} ({{replicates}})\n{{robustness}}\n{{summary}}\n{{not_holding}}\n{{lessons}}\n");
  auto page = [&](const std::string& extra) {
    const std::string out = (d.path / "p.md").string();
    std::filesystem::remove(out);
    const auto r = sh("lessons " + f + " --quiet --replicates 2 --template " + templ + " --out " + out + " " + extra);
    EXPECT_EQ(r.code, 0) << r.out;
    return slurp(out);
  };
  const std::string computed = page("--robustness --robustness-points 10 --robustness-replicates 1");
  ASSERT_TRUE(std::filesystem::exists(kept));
  EXPECT_NE(computed.find("| robustness |"), std::string::npos) << computed;
  EXPECT_NE(computed.find("share of 10 points of a Latin hypercube"), std::string::npos) << computed;
  const std::string file = slurp(kept);
  EXPECT_NE(file.find("  hf:\n    - {scenario: housing_first, indicator: stably_housed_12m, side: ["), std::string::npos) << file;
  EXPECT_NE(file.find("Written by: build/sim/percorsi lessons " + f + " --replicates 2 --robustness"), std::string::npos) << file;
  EXPECT_EQ(page(""), computed) << "the kept robustness should give the page the run that computed it gave";
  // A changed input: the Housing First scenario's support intensity. The column goes, and the page says why.
  d.write("housing_first.yaml", "extends: " + std::string(PERCORSI_SOURCE_DIR) +
                                    "/scenarios/piemonte/housing_first.yaml\nscale: 0.2\nhorizon: 1 year\nhousing_first: {acceptance: 0.5}\n");
  const std::string stale = page("");
  EXPECT_EQ(stale.find("| robustness |"), std::string::npos) << stale;
  EXPECT_NE(stale.find("was computed for other inputs"), std::string::npos) << stale;
  // A damaged file: refused with its place, nothing written.
  d.write("lessons.robustness.yaml", file.substr(0, file.find("side: [")) + "side: [1, 2]}\n");
  const auto r = sh("lessons " + f + " --quiet --replicates 2 --template " + templ + " --out " + (d.path / "q.md").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("lessons.robustness.yaml:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("three counts of points"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(d.path / "q.md"));
}

// The evidence line of a lesson, from the evidence classes of the parameters it rests on: a lesson
// resting on assumptions only is labelled an assumption of the model, with their plausible ranges.
TEST(Docs, LessonsEvidenceLine) {
  using percorsi::G;
  percorsi::Lesson l;
  EXPECT_EQ(percorsi::lesson_evidence(l), "");
  l.rests_on = {&percorsi::spec(G::employment_follow_up_effect)};
  EXPECT_EQ(percorsi::lesson_evidence(l),
            "Evidence: **This lesson is an assumption of the model, not a finding**: its size rests on the effect of "
            "each weekly follow-up hour on the job-loss hazard while follow-up lasts (`employment.follow_up.effect`), "
            "an assumption (plausible range -0.5 to -0.15: follow-up protects a job; size judged).");
  // Two assumptions, one of them a duration (its range in weeks), the first opening with a condition.
  l.rests_on = {&percorsi::spec(G::cpi_incentive_openness), &percorsi::spec(G::cpi_codesign_duration)};
  EXPECT_EQ(percorsi::lesson_evidence(l),
            "Evidence: **This lesson is an assumption of the model, not a finding**: its size rests on the rise of "
            "the openness of obliged firms from incentive information (`cpi.incentive_openness`), an assumption "
            "(plausible range 0.05 to 0.25: from a third to almost twice the default); and the co-design of the "
            "plan with the job centre, from the assessment to the signed plan (`cpi.codesign_duration`), an assumption "
            "(plausible range 2 to 8 weeks: co-design meetings with the job centre).");
  // With a calibrated parameter among them, no longer an assumption of the model alone.
  l.rests_on = {&percorsi::spec(G::labour_job_finding_rate), &percorsi::spec(G::employment_icf_fit_gain)};
  const std::string mixed = percorsi::lesson_evidence(l);
  EXPECT_EQ(mixed.rfind("Evidence: its size rests on ", 0), 0u) << mixed;
  EXPECT_NE(mixed.find("(`labour.job_finding_rate`), calibrated (scenarios/calibration/defaults.yaml"),
            std::string::npos)
      << mixed;
  EXPECT_NE(mixed.find("; and the share of the functioning level's effect on acceptance and job loss removed by the "
                       "better fit of tasks (`employment.icf_fit_gain`), an assumption (plausible range 0.2 to 0.7"),
            std::string::npos)
      << mixed;
  // The shipped lessons name only registry parameters, each with its evidence class.
  const auto shipped = percorsi::load_lessons(std::string(PERCORSI_SOURCE_DIR) + "/scenarios/lessons.yaml");
  int labelled = 0;
  for (const auto& x : shipped.lessons) {
    labelled += !x.rests_on.empty();
    for (const auto* p : x.rests_on) EXPECT_NE(p->evidence, percorsi::Evidence::missing) << x.id << ": " << p->path;
  }
  EXPECT_GE(labelled, 6);
}

// Bad lessons files: exit code 2, each problem at its file:line:column (`lessons` and `validate`).
TEST(Docs, LessonsFileErrorsNameTheLineAndColumn) {
  using percorsi::cli_test::sh;
  percorsi::cli_test::TempDir d;
  small_lessons(d, "");
  const std::string head = "lessons:\n  - id: hf\n    lesson: Housing First houses more people.\n";
  const std::string two = "    scenarios: [step_model.yaml, housing_first.yaml]\n";
  const struct {
    std::string text;
    const char* expect;
  } cases[] = {
      {"replicate: 3\n" + head + two + "    indicators: [stably_housed_12m]\n",
       ":1:1: unknown key 'replicate' (did you mean 'replicates'?)"},
      {head + two + "    indicator: [stably_housed_12m]\n",
       ":5:5: unknown key 'indicator' (did you mean 'indicators'?)"},
      {head + "    scenarios: [step_model.yaml, nowhere.yaml]\n    indicators: [stably_housed_12m]\n",
       ":4:34: scenario file 'nowhere.yaml' not found"},
      {head + two + "    indicators:\n      - stably_housed_12m: up\n",
       ":6:28: 'stably_housed_12m': unknown direction 'up' (one of: higher, lower)"},
      {head + two + "    indicators:\n      - stably_housed_12m: hgher\n",
       ":6:28: 'stably_housed_12m': unknown direction 'hgher' (did you mean 'higher'?)"},
      {head + two + "    indicators: [stably_housd_12m]\n",
       ":5:18: unknown headline indicator 'stably_housd_12m' (did you mean 'stably_housed_12m'?)"},
      {head + two + "    indicators: [stably_housed_24m]\n",
       ":5:18: 'stably_housed_24m' needs a horizon of at least 104 weeks; the runs have 52"},
      {head + "    scenarios: [step_model.yaml]\n    indicators: [stably_housed_12m]\n",
       ":4:16: 'scenarios' expects a list of two or more scenario files"},
      {"replicates: 1\n" + head + two + "    indicators: [stably_housed_12m]\n",
       ":1:13: 'replicates' expects a whole number from 2 to 100000, got '1'"},
      {head + two + "    indicators: [stably_housed_12m]\n" + head.substr(9) + two +
           "    indicators: [stably_housed_12m]\n",
       ":6:9: lesson 'hf' is given twice"},
      {"efficacy_over_time: [hf, fh]\n" + head + two + "    indicators: [stably_housed_12m]\n",
       ":1:26: 'efficacy_over_time' names no lesson of this file: 'fh'"},
      {"efficacy_over_time: hf\n" + head + two + "    indicators: [stably_housed_12m]\n",
       ":1:21: 'efficacy_over_time' expects a list of lesson ids, got a single value"},
      {head + two + "    indicators: [stably_housed_12m]\n    rests_on: [employment.follow_up.efect]\n",
       ":6:16: 'rests_on': unknown parameter 'employment.follow_up.efect' (did you mean "
       "'employment.follow_up.effect'?)"},
      {head + two + "    indicators: [stably_housed_12m]\n    rests_on: employment.follow_up.effect\n",
       ":6:15: 'rests_on' expects a list of registry parameters (paths or ids), got a single value"},
      {head + two +
           "    indicators: [stably_housed_12m]\n    rests_on: [employment.follow_up.effect, "
           "employment_follow_up_effect]\n",
       ":6:45: 'rests_on' names 'employment.follow_up.effect' twice"},
      {head + two + "    indicators: [stably_housed_12m]\n    rests_on: [shelter_beds]\n",
       ":6:16: 'rests_on': unknown parameter 'shelter_beds'"},
  };
  for (const auto& c : cases) {
    const std::string f = d.write("bad.yaml", c.text), out = (d.path / "never.md").string();
    const auto r = sh("lessons " + f + " --quiet --out " + out + " --readme ''");
    EXPECT_EQ(r.code, 2) << c.text << r.out;
    EXPECT_NE(r.out.find(f + c.expect), std::string::npos) << "expected " << c.expect << "\n got: " << r.out;
    EXPECT_FALSE(std::filesystem::exists(out));
    EXPECT_EQ(sh("validate " + f).code, 2) << c.text;
  }
  // Scenarios of other horizons: refused before anything runs, at the lesson.
  d.write("long.yaml", "extends: housing_first.yaml\nname: long\nhorizon: 2 years\n");
  const std::string f = d.write("bad.yaml", head + "    scenarios: [step_model.yaml, long.yaml]\n" +
                                                "    indicators: [stably_housed_12m]\n");
  const auto h = sh("lessons " + f + " --quiet --format text");
  EXPECT_EQ(h.code, 2) << h.out;
  EXPECT_NE(h.out.find(f + ":2:5: these scenarios cannot be compared: "), std::string::npos) << h.out;
  // A lessons file that is not there.
  const auto r = sh("lessons " + (d.path / "missing.yaml").string() + " --quiet");
  EXPECT_EQ(r.code, 2) << r.out;
  // The shipped file is valid.
  const auto v = sh("validate " + std::string(PERCORSI_SOURCE_DIR) + "/scenarios/lessons.yaml");
  EXPECT_EQ(v.code, 0) << v.out;
  EXPECT_NE(v.out.find("ok (lessons: "), std::string::npos) << v.out;
}
