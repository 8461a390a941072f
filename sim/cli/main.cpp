// percorsi: the command-line program. Subcommands: run, compare, trial, calibrate, validation,
// lessons, sensitivity, merge, validate, info, export, bench, params. Exit codes: 0 success; 2 bad
// input (scenario, arguments, unreadable results file, parts that do not join); 3 runtime failure;
// 130 interrupted.
//
// Under an MPI launcher (`mpirun -np N percorsi run ...`) every rank runs a share of the tasks
// and rank 0 writes the results file and prints; see sim/run/mpi.hpp and sim/run/ensemble.hpp.
#include <CLI/CLI.hpp>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>

#include "output/dictionary.hpp"
#include "sim/registry/outputs.hpp"
#include "output/reader.hpp"
#include "output/validate.hpp"
#include "sim/run/ensemble.hpp"
#include "sim/study/lessons.hpp"
#include "sim/run/export.hpp"
#include "sim/run/mpi.hpp"
#include "sim/registry/registry.hpp"
#include "sim/registry/yaml_input.hpp"
#include "sim/run/runner.hpp"
#include "sim/run/tables.hpp"
#include "sim/study/robustness.hpp"
#include "sim/study/sensitivity.hpp"
#include "sim/study/trial.hpp"
#include "sim/study/validation.hpp"
#include "sim/study/calibration.hpp"
#include "sim/study/leave_out.hpp"
#include "sim/engine/world.hpp"

namespace {

using namespace percorsi;
namespace fs = std::filesystem;

enum Exit { kOk = 0, kBadInput = 2, kFailure = 3, kInterrupted = 130 };

void on_signal(int) { g_interrupt = true; }

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

struct Common {
  int threads = 0;
  int replicates = 0;
  std::int64_t seed = -1;
  std::string out;
  bool quiet = false;
  std::string format = "text";
  std::string shard;
  bool resume = false;
  bool list_tasks = false;
  bool force = false;             // replace an existing output (run, compare, trial, ..., merge, export)
  std::vector<std::string> pick;  // compare --scenarios
  std::string baseline;           // compare --baseline
  bool align = false;             // compare --align: restrict runs to their common horizon
  std::string engine = "fast";     // run/compare --engine fast|reference
  bool robustness = false;         // compare --robustness
  RobustnessOptions robust;        // its design (--robustness-points, --robustness-replicates)
};

RunOptions run_options(const Common& c, const std::string& cmdline) {
  RunOptions o;
  o.threads = c.threads;
  if (c.replicates > 0) o.replicates = c.replicates;
  if (c.seed >= 0) o.seed = static_cast<std::uint64_t>(c.seed);
  o.progress = !c.quiet;
  o.command_line = cmdline;
  if (!c.shard.empty()) o.shard = parse_shard(c.shard);
  o.resume = c.resume;
  o.force = c.force;
  o.engine = c.engine == "reference" ? Engine::Reference : Engine::Fast;
  return o;
}

// The command line's --seed stands in for a scenario file's missing `seed:`.
LoadOptions load_options(const Common& c) {
  LoadOptions lo;
  if (c.seed >= 0) lo.seed = static_cast<std::uint64_t>(c.seed);
  return lo;
}

TableFormat table_format(const std::string& f) {
  if (f == "csv") return TableFormat::Csv;
  if (f == "markdown") return TableFormat::Markdown;
  return TableFormat::Text;
}

// results/<name>.h5 (a sweep: the name before the swept values), with the shard in the name.
std::string default_out(const std::vector<Scenario>& scenarios, const RunOptions& o) {
  std::string name = scenarios.front().name();
  if (!scenarios.front().sweep.empty()) name = name.substr(0, name.find(':'));
  if (!o.shard.all()) name += "-shard-" + std::to_string(o.shard.index) + "-of-" + std::to_string(o.shard.count);
  return "results/" + name + ".h5";
}

// compare --robustness: the comparison rerun over the plausible ranges of the assumptions, its
// scenarios in the table's order (--scenarios, --baseline); every rank runs (the ranks share the
// points), rank 0 gets the result.
std::optional<Robustness> compare_robustness(const std::vector<Scenario>& scenarios, const Common& c, bool root) {
  std::vector<ScenarioSummary> shapes;
  for (const auto& sc : scenarios) shapes.push_back(shape_of(sc));
  std::vector<Scenario> ordered;
  for (const auto& t : select_scenarios(shapes, c.pick, c.baseline))
    for (const auto& sc : scenarios)
      if (sc.name() == t.name) ordered.push_back(sc);
  RobustnessOptions ro = c.robust;
  ro.threads = c.threads;
  ro.progress = !c.quiet;
  const auto start = std::chrono::steady_clock::now();
  if (root && !c.quiet)
    std::fprintf(stderr, "percorsi: robustness: %d points of a Latin hypercube x %zu scenarios x %d replicates...\n",
                 ro.points, ordered.size(), ro.replicates);
  auto r = run_robustness(ordered, ro);
  if (r && !c.quiet) {
    for (const auto& n : r->notes) std::fprintf(stderr, "percorsi: robustness: note: %s\n", n.c_str());
    std::fprintf(stderr, "percorsi: robustness: %zu assumptions varied, done in %.0f s\n", r->parameters.size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return r;
}

// compare --robustness --out F.h5: the robustness of the table's differences added to F.h5 as
// /robustness (docs/files.md: the file is copied, the group added to the copy, the copy renamed
// over F.h5, under F.h5's lock; F.h5 keeps its comparison if this fails).
void write_robustness(const std::string& path, const out::RobustnessTable& t, const std::string& cmdline, bool quiet) {
  const out::OutputLock lock(path, cmdline);  // rank 0 alone: the other ranks returned
  write_staged(path, "robustness", [&](const std::string& staged) {
    std::filesystem::copy_file(path, staged, std::filesystem::copy_options::overwrite_existing);
    out::write_robustness_table(staged, t);
  });
  if (!quiet)
    std::fprintf(stderr, "percorsi: robustness of %zu differences written to %s (/robustness)\n", t.rows.size(),
                 path.c_str());
}

// Scenario::warnings() of the scenarios, each line once (a sweep repeats its base's), on stderr.
void print_warnings(const std::vector<Scenario>& scenarios) {
  std::set<std::string> seen;
  for (const auto& sc : scenarios)
    for (const auto& w : sc.warnings())
      if (seen.insert(w).second) std::fprintf(stderr, "%s\n", w.c_str());
}

int run_or_compare(bool is_run, const std::vector<std::string>& files, Common& c, const std::string& cmdline) {
  const RunOptions opt = run_options(c, cmdline);
  const bool root = mpi::rank() == 0;
  std::vector<Scenario> scenarios;
  std::vector<ScenarioSummary> summaries;
  std::vector<std::string> parts;  // inputs that hold a share of a run
  for (const auto& f : files) {
    if (ends_with(f, ".h5")) {
      if (is_run) throw ScenarioError(f + ": 'run' takes scenario files (.yaml); use 'compare' or 'info' for results");
      out::validate_results(f);  // nothing is compared from damaged data
      const std::string shard = out::Reader(f).provenance().shard;
      if (shard != "all") parts.push_back(f + " (" + (shard == "task" ? "one task" : "shard " + shard) + ")");
      for (auto& s : read_summaries(f)) summaries.push_back(std::move(s));
    } else {
      std::vector<Scenario> loaded = load_scenarios(f, load_options(c));
      if (root) print_warnings(loaded);  // before the run (also with --quiet); it goes on
      for (auto& s : loaded) scenarios.push_back(std::move(s));
    }
  }
  // compare: like with like. Runs of other horizons, start dates or territories are refused
  // (exit 2) unless --align reruns the scenario files over their common calendar window.
  if (!is_run && !c.list_tasks) {
    std::vector<ScenarioSummary> shape = summaries;
    for (const auto& sc : scenarios) shape.push_back(shape_of(sc));
    const std::string problem = comparability_problem(shape);
    if (!problem.empty() && !c.align)
      throw ScenarioError("not comparable: " + problem +
                          ". Compare like with like (e.g. scenarios/piemonte/lockdown_2020.yaml with "
                          "scenarios/piemonte/baseline_3y.yaml), or add --align to rerun them all over their common "
                          "window (the latest start, the earliest end, the territories all of them cover)");
    if (!problem.empty()) {
      const CommonWindow w = common_window(shape);  // throws when there is none
      for (const auto& x : summaries)
        if (x.weeks != w.weeks || x.start_date != w.start_date || x.territories != w.territories)
          throw ScenarioError("cannot align: '" + x.name + "' comes from a results file (" + x.source + ") run for " +
                              std::to_string(x.weeks) + " weeks from " + x.start_date +
                              ", and its headline indicators cannot be recomputed over the common window (" +
                              std::to_string(w.weeks) + " weeks from " + w.start_date + ") from the file; compare "
                              "the scenario files with --align instead, which reruns them over the common window");
      for (auto& sc : scenarios)
        for (const auto& note : sc.restrict_to(w.start_date, w.weeks, w.territories))
          if (root && !c.quiet) std::fprintf(stderr, "percorsi: --align: %s\n", note.c_str());
    }
  }
  if (c.robustness) {  // before anything runs
    check_robustness_options(c.robust);
    if (!summaries.empty())
      throw ScenarioError("--robustness reruns the comparison over the plausible ranges of the assumptions: give the "
                          "scenario files (.yaml), not results files (.h5)");
    if (!opt.shard.all()) throw ScenarioError("--robustness runs the whole comparison: it takes no --shard");
  }
  std::optional<Robustness> robust;
  std::vector<std::string> result_files;  // compare F.h5: the robustness a file keeps is shown
  for (const auto& f : files)
    if (ends_with(f, ".h5")) result_files.push_back(f);
  const bool files_only = scenarios.empty();
  if (!scenarios.empty()) {
    if (c.out.empty() && is_run) c.out = default_out(scenarios, opt);
    // A finished results file is never replaced silently (run_scenarios claims it: one writer at a
    // time, an existing file only with --force; --resume checks it is this run's).
    if (c.list_tasks) {
      apply_overrides(scenarios, opt);
      if (root)
        std::cout << task_listing(scenarios, plan_tasks(scenarios, opt.shard), opt.shard,
                                  c.out.empty() ? "" : work_dir_of(c.out));
      return kOk;
    }
    std::vector<Scenario> as_run;  // compare --robustness reruns them as run: --align and the overrides applied
    if (c.robustness) as_run = scenarios, apply_overrides(as_run, opt);
    for (auto& s : run_scenarios(std::move(scenarios), opt, c.out)) summaries.push_back(std::move(s));
    if (c.robustness) robust = compare_robustness(as_run, c, root);
    if (!root) return kOk;
    if (!c.out.empty()) std::fprintf(stderr, "results written to %s\n", c.out.c_str());  // even with --quiet
    if (!opt.shard.all()) {
      if (!c.quiet)
        std::fprintf(stderr,
                     "this is shard %s of the run: join all the shards' files with `percorsi merge PARTS... --out "
                     "FILE.h5`, or compare them directly with `percorsi compare PARTS...`\n",
                     opt.shard.text().c_str());
      return kOk;
    }
  } else if (c.list_tasks) {
    throw ScenarioError("--list-tasks takes scenario files (.yaml)");
  }
  if (!root) return kOk;
  if (!c.quiet)
    for (const auto& p : parts)
      std::fprintf(stderr, "note: %s is a part of a run; its scenarios are compared on the replicates the inputs hold\n",
                   p.c_str());
  const auto table = select_scenarios(combine_summaries(summaries), c.pick, c.baseline);
  if (is_run && table.size() > 12 && c.pick.empty()) {
    if (!c.quiet)
      std::fprintf(stderr,
                   "%zu scenarios: too many for one table; pick some with `percorsi compare %s --scenarios A,B,...`\n",
                   table.size(), c.out.c_str());
    return kOk;
  }
  // run prints its scenarios' values; differences only between runs that can be compared.
  TableOptions topt;
  const std::string problem = comparability_problem(table);
  if (!problem.empty()) {
    topt.differences = false;
    if (!c.quiet) std::fprintf(stderr, "percorsi: no differences shown: %s\n", problem.c_str());
  }
  if (robust && problem.empty()) {
    topt.robustness = &*robust;
    if (!c.out.empty()) write_robustness(c.out, robustness_table(table, *robust), cmdline, c.quiet);
  } else if (files_only && problem.empty() && !c.robustness) {
    // compare F.h5: the robustness `compare --robustness --out F.h5` kept in the file, beside the
    // differences it was computed for (the same first scenario and verdicts).
    for (const auto& f : result_files)
      if (const auto kept = out::read_robustness_table(f))
        if ((robust = stored_robustness(table, *kept))) {
          topt.robustness = &*robust;
          if (!c.quiet) std::fprintf(stderr, "percorsi: robustness read from %s (/robustness)\n", f.c_str());
          break;
        }
  }
  std::cout << comparison_table(table, table_format(c.format), topt) << std::flush;
  if (!c.quiet)  // after the table, on stderr (a CSV on stdout stays a CSV)
    for (const auto& w : balance_warnings(table)) std::fprintf(stderr, "%s\n", w.c_str());
  return kOk;
}

// The --out file of trial, calibrate and sensitivity, claimed until the command ends: one writer
// at a time, an existing file replaced only with --force.
std::optional<out::OutputLock> claim_out(const Common& c, const std::string& cmdline) {
  if (c.out.empty()) return std::nullopt;
  return claim_output(c.out, c.force, "a results file", cmdline);
}

// percorsi trial FILE: every arm, one row per arm and measure; --check: exit 1 when a target
// (of --target, or any) is missed.
struct TrialArgs {
  std::string file;
  std::vector<std::string> targets;
  bool check = false;
};
int cmd_trial(const TrialArgs& ta, const Common& c, const std::string& cmdline) {
  const Trial trial = load_trial(ta.file, load_options(c));
  for (const auto& id : ta.targets)
    if (!trial.spec.target(id)) {
      std::string list;
      for (const auto& t : trial.spec.targets) list += (list.empty() ? "" : ", ") + t.id;
      throw ScenarioError(ta.file + ": --target '" + id + "': the trial has no such target (it has: " +
                          (list.empty() ? "none" : list) + ")");
    }
  const auto lock = claim_out(c, cmdline);
  TrialOptions opt;
  opt.threads = c.threads;
  if (c.replicates > 0) opt.replicates = c.replicates;
  opt.progress = !c.quiet;
  opt.command_line = cmdline;
  const TrialResult r = run_trial(trial, opt, c.out);
  std::cout << format_trial(r, table_format(c.format));
  if (!c.out.empty()) std::fprintf(stderr, "results written to %s\n", c.out.c_str());
  if (!ta.check) return kOk;
  std::fprintf(stderr, "%s", check_report(r, ta.targets).c_str());
  for (const auto& id : r.target_ids())
    if ((ta.targets.empty() || std::find(ta.targets.begin(), ta.targets.end(), id) != ta.targets.end()) &&
        !r.target_met(id))
      return 1;
  return kOk;
}

void write_page(const std::string& path, const std::string& text);

// percorsi calibrate FILE: ABC-SMC of the file's parameters on its trial targets; the fit table on
// stdout, the posterior with --out (docs/calibration.md). Under MPI every rank evaluates a share
// of each batch and rank 0 prints and writes.
int cmd_calibrate(const std::string& file, const Common& c, const std::string& cmdline, const std::string& leave_out,
                  int particles) {
  Calibration cal = load_calibration(file);
  if (particles > 0) cal.abc.particles = particles;
  if (c.replicates > 0) cal.replicates = c.replicates;
  const auto lock = claim_out(c, cmdline);
  CalibrationOptions opt;
  opt.threads = c.threads;
  opt.progress = !c.quiet;
  if (!leave_out.empty()) {  // one calibration per trial left out: the medians, for `percorsi validation`
    const auto lo_lock = claim_output(leave_out, c.force, "a leave-one-out file", cmdline);
    const LeaveOutFile f = run_leave_one_out(cal, opt);
    if (mpi::rank() != 0) return kOk;
    write_page(leave_out, leave_out_yaml(f, leave_out, cmdline));
    std::fprintf(stderr, "leave-one-trial-out medians written to %s (docs/validation.md: rerun percorsi validation)\n",
                 leave_out.c_str());
    return kOk;
  }
  const CalibrationResult r = run_calibration(cal, opt);
  if (mpi::rank() != 0) return kOk;
  std::cout << fit_table(cal, r);
  if (!c.out.empty()) {
    write_calibration_results(c.out, cal, r, cmdline, c.threads > 0 ? c.threads : tbb::info::default_concurrency());
    std::fprintf(stderr, "posterior written to %s\n", c.out.c_str());
  }
  return kOk;
}

// The text of a page's input (template, README): ScenarioError naming the option that gives it.
std::string read_page_input(const std::string& path, const std::string& what, const std::string& option) {
  return file_text(path, what + " (run from the repository root, or give " + option + ")");
}

// A generated page, written under a temporary name and renamed when complete.
void write_page(const std::string& path, const std::string& text) {
  write_staged(path, "page", [&](const std::string& staged) {
    std::ofstream o(staged);
    o << text;
    o.close();  // flushes: a write that fails shows here
    if (o.fail()) throw std::runtime_error(path + ": cannot write the page");
  });
}

// percorsi validation: every shipped trial with the default parameters; the page
// docs/validation.md from its template (or a text report).
struct ValidationArgs {
  std::string trials = "scenarios/trials", templ = "docs/validation.in.md", out = "docs/validation.md",
              calibrations = "scenarios/calibration";
  bool calibrations_given = false;  // --calibrations on the command line
};
// What the calibration files of `dir` fit (target -> files), and each trial's prediction by a
// calibration that left it out (`<calibration>.leave_out.yaml` beside the calibration file,
// written by percorsi calibrate --leave-one-out).
void add_calibrations(ValidationRun& v, const std::string& dir, const TrialOptions& opt) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".yaml" && is_calibration_file(e.path().string())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  auto same_file = [](const std::string& a, const std::string& b) { return fs::weakly_canonical(a) == fs::weakly_canonical(b); };
  for (const auto& file : files) {
    const std::string shown = (fs::path(dir) / file.filename()).generic_string();
    const Calibration cal = load_calibration(file.string());
    for (const auto& t : cal.trials)
      for (const auto& id : t.targets) v.fitted_by[id].push_back(shown);
    const fs::path lo = file.parent_path() / (file.stem().string() + ".leave_out.yaml");
    if (!fs::exists(lo)) continue;
    const LeaveOutFile f = load_leave_out(lo.string());
    const bool current = f.inputs == inputs_fingerprint(cal);
    for (const auto& run : f.runs) {
      const fs::path trial_file = file.parent_path() / run.left_out;
      for (std::size_t i = 0; i < v.files.size(); ++i) {
        if (!same_file(v.files[i], trial_file.string())) continue;
        Trial t = v.trials[i];
        for (const auto& [path, value] : run.medians)
          for (const auto& p : cal.parameters)
            if (p.path == path)
              for (auto& arm : t.arms) set_on_arm(arm, t.base, p, value);
        std::string medians;
        for (const auto& [path, value] : run.medians) {
          char b[32];
          std::snprintf(b, sizeof b, "%.3g", value);
          medians += (medians.empty() ? "" : ", ") + path + " " + b;
        }
        add_held_out(v, i, t, opt,
                     "`" + shown + "` without this trial (" + std::to_string(run.targets_fitted) + " published values of the other trials " +
                         "fitted; medians " + medians + "; `" + lo.generic_string() + "`" +
                         (current ? ")" : "). **Stale**: the calibration or a trial file changed since; rerun `percorsi calibrate " +
                                              shown + " --leave-one-out " + lo.generic_string() + " --force`"));
      }
    }
  }
  if (ec) throw ScenarioError(dir + ": cannot list the calibration files: " + ec.message());
}
int cmd_validation(const ValidationArgs& va, const Common& c) {
  const std::string templ = c.format == "markdown" ? read_page_input(va.templ, "validation template", "--template") : "";
  TrialOptions opt;
  opt.threads = c.threads;
  opt.replicates = c.replicates > 0 ? c.replicates : kValidationReplicates;
  opt.progress = !c.quiet;
  ValidationRun v = run_validation(trial_files_in(va.trials), opt);
  // The default folder may be absent (run elsewhere than the repository root): then no target is
  // marked as fitted and no trial is left out; a folder given with --calibrations must exist.
  if (va.calibrations_given || fs::exists(va.calibrations)) add_calibrations(v, va.calibrations, opt);
  else if (!c.quiet)
    std::fprintf(stderr, "note: %s not found: no calibration files, no leave-one-trial-out column\n", va.calibrations.c_str());
  if (c.format != "markdown") {
    std::cout << validation_text(v);
    return kOk;
  }
  std::string command = "build/sim/percorsi validation";
  if (*opt.replicates != kValidationReplicates) command += " --replicates " + std::to_string(*opt.replicates);
  const std::string page = validation_page(v, templ, command);
  if (va.out == "-") {
    std::cout << page;
    return kOk;
  }
  write_page(va.out, page);
  if (!c.quiet) std::fprintf(stderr, "%s; written to %s\n", met_sentence(v).c_str(), va.out.c_str());
  return kOk;
}

// percorsi lessons [FILE]: every lesson's comparison with common random numbers; the page
// docs/lessons.md from its template and the README's marked blocks (or a table on stdout).
struct LessonsArgs {
  std::string file = "scenarios/lessons.yaml", templ = "docs/lessons.in.md", out = "docs/lessons.md",
              readme = "README.md";
};
int cmd_lessons(const LessonsArgs& la, const Common& c) {
  const LessonsSpec spec = load_lessons(la.file);
  const bool page = c.format == "markdown" && la.out != "-";
  const std::string templ = c.format == "markdown" ? read_page_input(la.templ, "lessons template", "--template") : "";
  const std::string readme = page && !la.readme.empty() ? read_page_input(la.readme, "README", "--readme") : "";
  LessonsOptions opt;
  opt.threads = c.threads;
  opt.replicates = c.replicates;
  opt.progress = !c.quiet;
  if (c.robustness) check_robustness_options(c.robust), opt.robustness = c.robust;
  // The robustness of the lessons is kept beside the lessons file: written with --robustness (when
  // the page is written), read otherwise.
  opt.stored_path = lessons_robustness_path(la.file);
  if (!c.robustness && std::filesystem::exists(opt.stored_path)) opt.stored = load_lessons_robustness(opt.stored_path);
  const LessonsRun r = run_lessons(spec, opt);
  if (!r.computed && !r.robustness && opt.stored && !c.quiet)
    std::fprintf(stderr, "warning: %s is stale (its inputs changed): the robustness column is left out; rerun with --robustness\n",
                 opt.stored_path.c_str());
  if (c.format != "markdown") {
    std::cout << lessons_table(r, table_format(c.format));
    return kOk;
  }
  std::string command = "build/sim/percorsi lessons";
  if (la.file != LessonsArgs{}.file) command += " " + la.file;
  if (r.replicates != spec.replicates) command += " --replicates " + std::to_string(r.replicates);
  // The page's command regenerates it as it is (a plain run reads the robustness kept with
  // --robustness); the kept file records the run that computed it.
  const std::string text = lessons_page(r, templ, command);
  if (!page) {
    std::cout << text;
    return kOk;
  }
  const std::string filled = readme.empty() ? "" : fill_lesson_blocks(r, readme, command);
  write_page(la.out, text);
  if (!filled.empty() && filled != readme) write_page(la.readme, filled);
  if (r.computed) write_page(opt.stored_path, lessons_robustness_yaml(*r.computed, command + " --robustness"));
  if (!c.quiet)
    std::fprintf(stderr, "%s (%d replicates); written to %s%s\n", held_sentence(r).c_str(), r.replicates,
                 la.out.c_str(), readme.empty() ? "" : (" and " + la.readme).c_str());
  return kOk;
}

// percorsi sensitivity FILE: the conclusions of a comparison over the plausible ranges of its
// parameters (docs/sensitivity.md); rank 0 prints and writes --out.
int cmd_sensitivity(const std::string& file, const Common& c, const std::string& cmdline) {
  const SensitivitySpec spec = load_sensitivity(file);
  const auto lock = claim_out(c, cmdline);
  if (!c.quiet && mpi::rank() == 0)
    for (const auto& n : spec.notes) std::fprintf(stderr, "percorsi: note: %s\n", n.c_str());
  SensitivityOptions opt;
  opt.threads = c.threads;
  opt.progress = !c.quiet;
  opt.command_line = cmdline;
  const auto r = run_sensitivity(spec, opt, c.out);
  if (!r) return kOk;  // another rank than 0
  std::cout << format_sensitivity(*r, table_format(c.format));
  if (!c.out.empty()) std::fprintf(stderr, "results written to %s\n", c.out.c_str());
  return kOk;
}

int cmd_bench(const std::string& file, long persons, int weeks, int threads, bool quiet, bool phases, int repeat) {
  Scenario base = load_scenario(file);
  double pop0 = 0;
  for (const auto& t : base.territories) pop0 += t[T::initial_population];
  if (pop0 <= 0) throw ScenarioError(file + ": the bench scenario has no initial population");
  base.set("scale", std::to_string(static_cast<double>(persons) / pop0));
  base.set("horizon", std::to_string(weeks) + " weeks");
  base.set("output.timeline", "false");  // the viewer's timelines are not part of the benchmark
  const int all = tbb::info::default_concurrency();
  std::vector<int> counts = {1};
  if (threads > 0 && threads != 1)
    counts.push_back(threads);
  else if (threads <= 0 && all > 1)
    counts.push_back(all);
  std::printf("percorsi bench: %s scaled to %ld people at week 0, %d weeks\n", file.c_str(), persons, weeks);
  std::printf("%8s %10s %14s %16s %16s %16s %12s %14s %16s\n", "threads", "set-up (s)", "wall (s)", "person-weeks/s",
              "weeks only pw/s", "with warm-up pw/s", "rows", "bytes/person", "peak RSS (MiB)");
  using Clock = std::chrono::steady_clock;
  const auto& phase_list = World::phases();
  std::vector<std::vector<double>> phase_secs;  // [thread count][phase], summed over repeats; the last entry is set-up
  // Person-weeks per second [thread count][repeat]: with set-up, weeks only.
  std::vector<std::vector<std::array<double, 2>>> rates(counts.size());
  for (std::size_t ci = 0; ci < counts.size(); ++ci) {
    const int n = counts[ci];
    for (int rep = 0; rep < repeat; ++rep) {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(n));
      const auto t0 = Clock::now();
      World w(base, 0);
      std::vector<double> ps(phase_list.size() + 1, 0.0);
      ps.back() = std::chrono::duration<double>(Clock::now() - t0).count();
      double person_weeks = 0;
      for (int k = 0; k < weeks; ++k) {
        if (g_interrupt) throw Interrupted();
        for (const auto& t : w.territories())
          for (auto o : t.occ) person_weeks += static_cast<double>(o);
        // The same as w.step(), timed phase by phase.
        w.begin_week();
        for (std::size_t i = 0; i < phase_list.size(); ++i) {
          const auto a = Clock::now();
          (w.*phase_list[i].fn)();
          ps[i] += std::chrono::duration<double>(Clock::now() - a).count();
        }
        w.end_week();
        if (!quiet && isatty(2)) std::fprintf(stderr, "\r  %d threads: week %d/%d", n, k + 1, weeks);
      }
      if (!quiet && isatty(2)) std::fprintf(stderr, "\r%40s\r", "");
      const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
      const auto rows = w.persons().size();
      std::printf("%8d %10.2f %14.2f %16.3e %16.3e %16.3e %12zu %14.1f %16.1f\n", n, ps.back(), secs, person_weeks / secs,
                  person_weeks / (secs - ps.back()), (person_weeks + w.warmup_person_weeks()) / secs, rows,
                  static_cast<double>(w.persons().bytes()) / static_cast<double>(rows), peak_rss_mib());
      std::fflush(stdout);
      rates[ci].push_back({person_weeks / secs, person_weeks / (secs - ps.back())});
      if (rep == 0)
        phase_secs.push_back(std::move(ps));
      else
        for (std::size_t i = 0; i < ps.size(); ++i) phase_secs.back()[i] += ps[i];
    }
  }
  if (repeat > 1) {  // medians: runs on a shared machine vary by 10% and more
    std::printf("median of %d runs:", repeat);
    for (std::size_t ci = 0; ci < counts.size(); ++ci) {
      double med[2];
      for (int j = 0; j < 2; ++j) {
        std::vector<double> v;
        for (const auto& r : rates[ci]) v.push_back(r[static_cast<std::size_t>(j)]);
        std::sort(v.begin(), v.end());
        med[j] = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
      }
      std::printf("%s %d thread%s %.3e person-weeks/s (weeks only %.3e)", ci ? ";" : "", counts[ci],
                  counts[ci] > 1 ? "s" : "", med[0], med[1]);
    }
    std::printf("\n");
    for (auto& ps : phase_secs)
      for (double& s : ps) s /= repeat;
  }
  std::printf(
      "person-weeks count active people each week; rows are all people ever created (exited rows are kept);\n"
      "bytes/person = person columns' heap bytes / rows; peak RSS is the process's maximum so far;\n"
      "wall and person-weeks/s include setting up the world (initial population and firms, and the\n"
      "scenario's warm-up before week 0), which 'weeks only' leaves out; 'with warm-up' counts the\n"
      "warm-up's person-weeks too (every phase but recording, simulated in the set-up).\n");
  if (phases) {
    std::printf("\nseconds per phase (summed over weeks%s)\n%-24s", repeat > 1 ? ", mean of the runs" : "", "phase");
    for (int n : counts) std::printf(" %9d thr", n);
    std::printf("\n");
    for (std::size_t i = 0; i <= phase_list.size(); ++i) {
      std::printf("%-24s", i < phase_list.size() ? phase_list[i].name : "(set-up)");
      for (const auto& ps : phase_secs) std::printf(" %13.2f", ps[i]);
      std::printf("\n");
    }
  }
  return kOk;
}

}  // namespace

// percorsi validate FILE...: checks scenario, trial, calibration, sensitivity and lessons files (and sweeps)
// without running.
int cmd_validate(const std::vector<std::string>& files, const Common& c) {
  int bad = 0;
  for (const auto& f : files) {
    try {
      // A file too large (or no file) is refused before any reader reads it.
      if (const std::string why = input_file_problem(f, "scenario file"); !why.empty())
        throw ScenarioError(f + ": " + why);
      if (is_calibration_file(f)) {
        const Calibration cal = load_calibration(f);
        std::size_t targets = 0;
        for (const auto& t : cal.trials) targets += t.targets.size();
        std::printf("%s: ok (calibration %s: parameters %zu, trials %zu, targets %zu)\n", f.c_str(), cal.name.c_str(),
                    cal.parameters.size(), cal.trials.size(), targets);
        continue;
      }
      if (is_lessons_file(f)) {
        const LessonsSpec l = load_lessons(f);
        std::size_t scenarios = 0;
        for (const auto& x : l.lessons) scenarios += x.scenarios.size();
        std::printf("%s: ok (lessons: %zu lessons, %zu scenarios, %d replicates)\n", f.c_str(), l.lessons.size(),
                    scenarios, l.replicates);
        continue;
      }
      if (is_sensitivity_file(f)) {
        const SensitivitySpec s = load_sensitivity(f);
        std::printf("%s: ok (sensitivity %s: %zu scenarios, %zu parameters, %s, %zu design points, %d replicates)\n",
                    f.c_str(), s.name.c_str(), s.scenarios.size(), s.parameters.size(), method_name(s.method),
                    s.points(), s.replicates);
        continue;
      }
      if (is_trial_file(f)) {
        const Trial t = load_trial(f, load_options(c));
        std::printf("%s: ok (trial %s: cohort %d, arms %zu, measures %zu, targets %zu, %d weeks, %d replicates)\n",
                    f.c_str(), t.name().c_str(), t.spec.cohort, t.arms.size(), t.spec.measures.size(),
                    t.spec.targets.size(), t.base.weeks(), t.base.replicates());
        continue;
      }
      const std::vector<Scenario> all = load_scenarios(f, load_options(c));
      const Scenario& s = all.front();
      print_warnings(all);
      if (all.size() == 1 && s.sweep.empty()) {
        std::printf("%s: ok (%s, %zu territories, %d weeks, %d replicates)\n", f.c_str(), s.name().c_str(),
                    s.territories.size(), s.weeks(), s.replicates());
      } else {
        long tasks = 0;
        for (const auto& x : all) tasks += x.replicates();
        std::printf("%s: ok (a sweep of %zu scenarios, %ld tasks: %s", f.c_str(), all.size(), tasks,
                    s.name().c_str());
        if (all.size() > 1) std::printf(" ... %s", all.back().name().c_str());
        std::printf(")\n");
      }
    } catch (const ScenarioError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      ++bad;
    }
  }
  return bad ? kBadInput : kOk;
}

// percorsi merge PART.h5... --out FILE.h5: joins the shards' files (rank 0 only under MPI).
int cmd_merge(const std::vector<std::string>& merge_files, const std::string& merge_out, bool merge_quiet, bool force,
              const std::string& cmdline) {
  const auto lock = claim_output(merge_out, force, "a results file", cmdline);  // every rank: a collective
  if (mpi::rank() != 0) return kOk;  // joining is serial: rank 0 does it
  out::Provenance p;
  p.program_version = PERCORSI_VERSION;
  p.git_commit = PERCORSI_GIT_COMMIT;
  p.command_line = cmdline;
  p.threads = 1;
  p.start_time = utc_now();
  const auto t0 = std::chrono::steady_clock::now();
  const std::string report = merge_results(merge_files, merge_out, p);
  if (!merge_quiet)
    std::fprintf(stderr, "%s (%.1f s)\n", report.c_str(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return kOk;
}

// percorsi info FILE.h5...: what results files hold (--all: every dataset); a damaged file is
// said to be damaged, with the reason, and nothing of it is shown (exit code 2).
int cmd_info(const std::vector<std::string>& info_files, bool info_all) {
  int rc = kOk;
  for (std::size_t i = 0; i < info_files.size(); ++i) {
    const std::string& f = info_files[i];
    std::cout << (i ? "\n" : "");
    const std::string why = out::results_damage(f);
    if (!why.empty()) {
      std::cout << f << ": damaged: " << why << "\n";
      rc = kBadInput;
      continue;
    }
    std::cout << describe_results(f, info_all);
  }
  return rc;
}

// percorsi export FILE.h5 --out DIR: tidy CSV tables (the folder claimed while they are written).
int cmd_export(const std::string& export_file, const std::string& export_dir, bool force, const std::string& cmdline) {
  const out::OutputLock lock(export_dir, cmdline);
  for (const auto& f : export_csv(export_file, export_dir, force)) std::printf("%s\n", f.c_str());
  return kOk;
}

// percorsi params [--outputs|--dictionary]: the parameter, output or data-dictionary reference.
int cmd_params(bool outs, bool dict) {
  std::cout << (outs ? out::outputs_markdown() : dict ? out::dictionary_markdown() : registry_markdown());
  return kOk;
}

// ---- The subcommands' options: one struct each, filled by CLI11 from its add_* function below
// (the options they share, Common, are a member of each: no option is shared between two
// subcommands' structs).

struct RunArgs {  // run and compare (one instance each)
  std::vector<std::string> files;
  Common c;
};
struct TrialCmd {
  TrialArgs a;
  Common c;
};
struct CalibrateArgs {
  std::string file, leave_out;
  int particles = 0;
  Common c;
};
struct ValidationCmd {
  ValidationArgs a;
  Common c;
};
struct LessonsCmd {
  LessonsArgs a;
  Common c;
};
struct SensitivityArgs {
  std::string file;
  Common c;
};
struct MergeArgs {
  std::vector<std::string> files;
  std::string out;
  bool quiet = false, force = false;
};
struct ValidateArgs {
  std::vector<std::string> files;
  Common c;
};
struct InfoArgs {
  std::vector<std::string> files;
  bool all = false;
};
struct ExportArgs {
  std::string file, dir;
  bool force = false;
};
struct BenchArgs {
  std::string file = "scenarios/piemonte/baseline.yaml";
  long persons = 1000000;
  int weeks = 520, repeat = 1, threads = 0;
  bool phases = false, quiet = false;
};
struct ParamsArgs {
  bool markdown = false, dictionary = false, outputs = false;
};

void add_threads_quiet(CLI::App* sub, int& threads, bool& quiet, const std::string& threads_doc = "Worker threads (default: all cores)",
                       const std::string& quiet_doc = "No progress bar") {
  sub->add_option("--threads", threads, threads_doc)->check(CLI::NonNegativeNumber);
  sub->add_flag("--quiet,-q", quiet, quiet_doc);
}
void add_format(CLI::App* sub, std::string& format, const std::string& doc, const std::vector<std::string>& allowed) {
  sub->add_option("--format", format, doc)->check(CLI::IsMember(allowed));
}
void add_running(CLI::App* sub, Common& c) {
  add_threads_quiet(sub, c.threads, c.quiet);
  sub->add_option("--replicates", c.replicates, "Replicates per scenario (overrides the files)")->check(CLI::Range(1, 100000));
  sub->add_option("--seed", c.seed, "Seed (overrides the files, and stands in for a file that gives none)")->check(CLI::NonNegativeNumber);
  sub->add_option("--out,-o", c.out, "Results file (HDF5), written under a temporary name and renamed on success");
  add_format(sub, c.format, "Table format: text, csv or markdown", {"text", "csv", "markdown"});
  sub->add_option("--engine", c.engine,
                  "fast (default) or reference: the plain serial reference engine, which gives the same results "
                  "bit for bit, slowly (docs/architecture.md)")
      ->check(CLI::IsMember({"fast", "reference"}));
}
void add_robustness(CLI::App* sub, Common& c, const std::string& flag_doc, const std::string& points_doc,
                    const std::string& replicates_doc) {
  auto* flag = sub->add_flag("--robustness", c.robustness, flag_doc);
  sub->add_option("--robustness-points", c.robust.points, points_doc)->needs(flag);
  sub->add_option("--robustness-replicates", c.robust.replicates, replicates_doc)->needs(flag);
}

CLI::App* add_run(CLI::App& app, RunArgs& r) {
  auto* sub = app.add_subcommand(
      "run", "Run scenarios (all replicates; sweeps expanded) and write one HDF5 results file. Under mpirun the "
             "ranks share the tasks.");
  sub->add_option("scenarios", r.files, "Scenario files (YAML)")->required()->check(CLI::ExistingFile);
  add_running(sub, r.c);
  sub->add_option("--shard", r.c.shard,
                  "Run only shard K of N of the tasks (K/N, 1 <= K <= N; for job arrays), then join the shards' "
                  "files with `percorsi merge`");
  sub->add_flag("--resume", r.c.resume,
                "Reuse the finished tasks of an interrupted run writing the same --out (its work directory "
                "<out>.parts/) and run only the others");
  sub->add_flag("--list-tasks", r.c.list_tasks, "List the scenario x replicate tasks (of --shard) and exit");
  sub->add_flag("--force", r.c.force, "Replace the results file if it exists (without it, an existing file is an error)");
  return sub;
}

CLI::App* add_compare(CLI::App& app, RunArgs& r) {
  auto* sub = app.add_subcommand(
      "compare", "Compare scenarios: run YAML files (or read .h5 results) and print headline indicators with 95% "
                 "intervals and paired differences from the first scenario");
  sub->add_option("inputs", r.files, "Scenario files (.yaml) or results files (.h5)")->required()->check(CLI::ExistingFile);
  add_running(sub, r.c);
  sub->add_option("--scenarios", r.c.pick, "Scenarios to compare, in this order (comma-separated names)")->delimiter(',');
  sub->add_option("--baseline", r.c.baseline, "Scenario the differences are taken from (default: the first)");
  sub->add_flag("--align", r.c.align,
                "Rerun scenario files of different horizons, start dates or territories over their common "
                "window (latest start, earliest end, shared territories) instead of refusing them");
  sub->add_flag("--resume", r.c.resume, "With --out: reuse the finished tasks of an interrupted run");
  sub->add_flag("--force", r.c.force, "Replace the --out file if it exists (without it, an existing file is an error)");
  add_robustness(sub, r.c,
                 "Also give, for each difference, the share of the plausible space of the assumptions where its "
                 "verdict holds and the assumptions that move it most (docs/robustness.md; CSV: the last columns "
                 "robust_share,rests_on)",
                 "With --robustness: points of the Latin hypercube (default " + std::to_string(kRobustnessPoints) + ", from 10)",
                 "With --robustness: replicates per point and scenario (default " + std::to_string(kRobustnessReplicates) + ")");
  return sub;
}

CLI::App* add_trial(CLI::App& app, TrialCmd& t) {
  auto* sub = app.add_subcommand(
      "trial", "Run a virtual trial (a scenario file with a trial: block; docs/trials.md): every arm with the same "
               "people and life events, one row per arm and measure; --check exits 1 when a published target is missed");
  sub->add_option("file", t.a.file, "Trial file (YAML)")->required()->check(CLI::ExistingFile);
  add_threads_quiet(sub, t.c.threads, t.c.quiet);
  sub->add_option("--replicates", t.c.replicates, "Replicates of every arm (overrides the file)")->check(CLI::Range(2, 100000));
  add_format(sub, t.c.format, "Table format: text, csv or markdown", {"text", "csv", "markdown"});
  sub->add_flag("--check", t.a.check, "Exit 1 when a target is missed (0 when all are met)");
  sub->add_option("--target", t.a.targets, "With --check: only these targets (comma-separated ids)")->delimiter(',');
  sub->add_option("--out,-o", t.c.out, "Also write the arms' results and the trial table to this HDF5 file");
  sub->add_flag("--force", t.c.force, "Replace the --out file if it exists");
  return sub;
}

CLI::App* add_calibrate(CLI::App& app, CalibrateArgs& k) {
  auto* sub = app.add_subcommand(
      "calibrate", "Fit model parameters to published trial targets by ABC-SMC (a calibration file; "
                   "docs/calibration.md): the fit table on stdout, the posterior sample with --out");
  sub->add_option("file", k.file, "Calibration file (YAML)")->required()->check(CLI::ExistingFile);
  add_threads_quiet(sub, k.c.threads, k.c.quiet, "Worker threads (default: all cores; the result does not depend on it)",
                    "No progress lines");
  sub->add_option("--particles", k.particles, "Particles per generation (overrides the file's; a smaller run for a quick look)")
      ->check(CLI::Range(10, 100000));
  sub->add_option("--replicates", k.c.replicates, "Replicates per evaluation of every arm (overrides the file's)")
      ->check(CLI::Range(1, 100000));
  sub->add_option("--out,-o", k.c.out, "Write the posterior sample, epsilon schedule and fitted values to this HDF5 file");
  sub->add_flag("--force", k.c.force, "Replace the --out (or --leave-one-out) file if it exists");
  sub->add_option("--leave-one-out", k.leave_out,
                  "Instead of one fit: one per trial left out, their posterior medians written to this YAML file "
                  "(<calibration>.leave_out.yaml beside the calibration file; docs/validation.md)");
  return sub;
}

CLI::App* add_validation(CLI::App& app, ValidationCmd& v) {
  auto* sub = app.add_subcommand(
      "validation", "Run every shipped trial with the default parameters and write docs/validation.md (from its "
                    "template docs/validation.in.md; run from the repository root)");
  v.c.format = "markdown";
  sub->add_option("--replicates", v.c.replicates, "Replicates of every arm (default " + std::to_string(kValidationReplicates) + ")")
      ->check(CLI::Range(2, 100000));
  add_format(sub, v.c.format, "markdown (the page, default) or text (tables on stdout, no page)", {"markdown", "text"});
  sub->add_option("--out,-o", v.a.out, "Where to write the page (default docs/validation.md; - for stdout)");
  sub->add_option("--trials", v.a.trials, "Folder of the trials (default scenarios/trials)");
  sub->add_option("--template", v.a.templ, "The page's template (default docs/validation.in.md)");
  sub->add_option("--calibrations", v.a.calibrations,
                  "Folder of the calibration files and their leave-one-out files (default scenarios/calibration)");
  add_threads_quiet(sub, v.c.threads, v.c.quiet);
  return sub;
}

CLI::App* add_lessons(CLI::App& app, LessonsCmd& l) {
  auto* sub = app.add_subcommand(
      "lessons", "Measure the lessons of the evaluations (scenarios/lessons.yaml): each lesson's comparison run "
                 "with common random numbers, the paired differences of its indicators with 95% intervals, and "
                 "whether it holds; writes docs/lessons.md (from docs/lessons.in.md) and the README's marked blocks "
                 "(run from the repository root)");
  l.c.format = "markdown";
  sub->add_option("file", l.a.file, "Lessons file (default scenarios/lessons.yaml)")->check(CLI::ExistingFile);
  sub->add_option("--replicates", l.c.replicates, "Replicates of every scenario (default: the file's)")->check(CLI::Range(2, 100000));
  add_format(sub, l.c.format, "markdown (the page, default), text or csv (a table on stdout, no page)", {"markdown", "text", "csv"});
  sub->add_option("--out,-o", l.a.out, "Where to write the page (default docs/lessons.md; - for stdout)");
  sub->add_option("--template", l.a.templ, "The page's template (default docs/lessons.in.md)");
  sub->add_option("--readme", l.a.readme,
                  "File whose '<!-- lessons: ID -->' blocks are filled with the lessons' tables (default "
                  "README.md when --out is not given; '' for none)");
  add_threads_quiet(sub, l.c.threads, l.c.quiet, "Worker threads (default: all cores)", "No progress");
  add_robustness(sub, l.c,
                 "Also give each difference its robustness over the plausible space of the assumptions, as compare "
                 "--robustness (docs/robustness.md; about a minute per lesson), and keep it beside the lessons file "
                 "(scenarios/lessons.robustness.yaml), from which a plain `lessons` shows it while its inputs are unchanged",
                 "With --robustness: points of the Latin hypercube", "With --robustness: replicates per point and scenario");
  return sub;
}

CLI::App* add_sensitivity(CLI::App& app, SensitivityArgs& s) {
  auto* sub = app.add_subcommand(
      "sensitivity", "How much a comparison's conclusion depends on the assumptions: a global sensitivity analysis "
                     "(Morris, or Sobol) of the paired differences over the plausible ranges of the parameters named "
                     "in a sensitivity file (docs/sensitivity.md). Under mpirun the ranks share the design points.");
  sub->add_option("file", s.file, "Sensitivity file (YAML)")->required()->check(CLI::ExistingFile);
  add_threads_quiet(sub, s.c.threads, s.c.quiet, "Worker threads (default: all cores)", "No progress bar and no notes");
  add_format(sub, s.c.format, "Table format: text, csv (every parameter) or markdown", {"text", "csv", "markdown"});
  sub->add_option("--out,-o", s.c.out, "Also write the design, the differences and the indices (/sensitivity) "
                                       "and the comparison at the scenarios' values to this HDF5 file");
  sub->add_flag("--force", s.c.force, "Replace the --out file if it exists");
  return sub;
}

CLI::App* add_merge(CLI::App& app, MergeArgs& m) {
  auto* sub = app.add_subcommand(
      "merge", "Join results files into one: the shards of a run (run --shard K/N), the task files of a work "
               "directory, or runs of different scenarios. Refuses parts of different runs, duplicated or missing "
               "tasks (exit code 2).");
  sub->add_option("parts", m.files, "Results files (.h5)")->required()->check(CLI::ExistingFile);
  sub->add_option("--out,-o", m.out, "Joined results file (written under a temporary name, renamed when complete)")->required();
  sub->add_flag("--quiet,-q", m.quiet, "No report");
  sub->add_flag("--force", m.force, "Replace the --out file if it exists");
  return sub;
}

CLI::App* add_validate(CLI::App& app, ValidateArgs& v) {
  auto* sub = app.add_subcommand(
      "validate", "Check scenario, trial, calibration, sensitivity and lessons files (and their sweeps) without running them");
  sub->add_option("scenarios", v.files, "Scenario files (YAML)")->required();
  sub->add_option("--seed", v.c.seed, "Seed for files that give none (as run and compare --seed)")->check(CLI::NonNegativeNumber);
  return sub;
}

CLI::App* add_info(CLI::App& app, InfoArgs& i) {
  auto* sub = app.add_subcommand("info", "What results files hold: scenarios, replicates, horizon, territories, "
                                         "groups, a few headline values (--all: every dataset)");
  sub->add_option("files", i.files, "Results files (.h5)")->required();
  sub->add_flag("--all", i.all, "List every group, dataset and attribute");
  return sub;
}

CLI::App* add_export(CLI::App& app, ExportArgs& e) {
  auto* sub = app.add_subcommand(
      "export", "Write tidy CSV tables of a results file (weekly series long, persons with labels, headline values, "
                "summaries) for pandas, R or a spreadsheet");
  sub->add_option("file", e.file, "Results file (.h5)")->required()->check(CLI::ExistingFile);
  sub->add_option("--out", e.dir, "Directory to write the CSV files into")->required();
  sub->add_flag("--force", e.force, "Replace the tables if the directory holds them already");
  return sub;
}

CLI::App* add_bench(CLI::App& app, BenchArgs& b) {
  auto* sub = app.add_subcommand("bench", "Measure speed (person-weeks per second) and memory (bytes per person)");
  sub->add_option("scenario", b.file, "Scenario to scale (default: scenarios/piemonte/baseline.yaml, from the repository root)")
      ->check(CLI::ExistingFile);
  sub->add_option("--persons", b.persons, "People at week 0")->check(CLI::Range(1L, 100000000L));
  sub->add_option("--weeks", b.weeks, "Weeks to simulate")->check(CLI::Range(1, 2600));
  sub->add_flag("--phases", b.phases, "Also print the time spent in each weekly phase");
  sub->add_option("--repeat", b.repeat, "Runs per thread count; with more than one, also print the medians")->check(CLI::Range(1, 100));
  add_threads_quiet(sub, b.threads, b.quiet);
  return sub;
}

CLI::App* add_params(CLI::App& app, ParamsArgs& p) {
  auto* sub = app.add_subcommand(
      "params", "Print the parameter reference (docs/parameters.md), the data dictionary or the output reference");
  sub->add_flag("--markdown", p.markdown, "Markdown parameter reference (default)");
  sub->add_flag("--dictionary", p.dictionary, "Markdown data dictionary of the results files instead (docs/data-dictionary.md)");
  sub->add_flag("--outputs", p.outputs,
                "Markdown reference of every output (series, headline indicators, person columns) with unit, label, "
                "better direction, who is counted and minimum important difference (docs/outputs.md)");
  return sub;
}

// Refuses to run a job under an MPI launcher with a build without MPI (every process would run
// every task).
void refuse_mpi_launch_without_mpi() {
  if (!mpi::launched() || mpi::built_with_mpi()) return;
  const char* n = std::getenv("OMPI_COMM_WORLD_SIZE") ? std::getenv("OMPI_COMM_WORLD_SIZE") : std::getenv("PMI_SIZE");
  if (!n || std::string(n) != "1")
    throw ScenarioError("started by an MPI launcher, but this percorsi was built without MPI: every process "
                        "would run every task. Rebuild with Open MPI installed (CMake option PERCORSI_MPI=ON), "
                        "or run one process per job-array task with --shard K/N");
}

// The message of an interrupted command (rank 0): the finished tasks kept for --resume, if any.
int interrupted(const std::string& out) {
  if (mpi::rank() == 0) {
    std::error_code ec;
    const std::string dir = out.empty() ? "" : work_dir_of(out);
    if (!dir.empty() && std::filesystem::is_directory(dir, ec))
      std::fprintf(stderr,
                   "percorsi: interrupted; no results file written. The finished tasks are kept in %s: run the same "
                   "command with --resume to run only the others\n",
                   dir.c_str());
    else
      std::fprintf(stderr, "percorsi: interrupted; no results file written\n");
  }
  return kInterrupted;
}

int main(int argc, char** argv) {
  mpi::Session mpi_session(&argc, &argv);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // Past a file-size limit (ulimit -f), a write fails (EFBIG) and is reported, as on a full disk,
  // instead of the process being killed with a half-written file.
  std::signal(SIGXFSZ, SIG_IGN);
  std::string cmdline;
  for (int i = 0; i < argc; ++i) cmdline += (i ? " " : "") + std::string(argv[i]);

  CLI::App app{"Percorsi: agent-based simulator of welfare policy (housing and employment pathways)"};
  app.set_version_flag("--version", std::string(PERCORSI_VERSION) + " (" + PERCORSI_GIT_COMMIT + ")");
  app.require_subcommand(1);
  app.footer("Exit codes: 0 success, 2 bad input, 3 runtime failure, 130 interrupted.\n"
             "Example: percorsi compare scenarios/piemonte/step_model.yaml scenarios/piemonte/housing_first.yaml "
             "--out results/step_vs_hf.h5");

  RunArgs run_args, compare_args;
  TrialCmd trial_args;
  CalibrateArgs calibrate_args;
  ValidationCmd validation_args;
  LessonsCmd lessons_args;
  SensitivityArgs sensitivity_args;
  MergeArgs merge_args;
  ValidateArgs validate_args;
  InfoArgs info_args;
  ExportArgs export_args;
  BenchArgs bench_args;
  ParamsArgs params_args;
  // Each subcommand: its options, what it runs, its --out (for an interrupted run's message), and
  // whether it runs simulations (refused under an MPI launcher without MPI).
  struct Subcommand {
    CLI::App* app;
    std::function<int()> run;
    const std::string* out;
    bool runs_tasks;
  };
  CLI::App* lessons_app = nullptr;
  CLI::App* validation_app = nullptr;
  const std::vector<Subcommand> subcommands = {
      {add_run(app, run_args), [&] { return run_or_compare(true, run_args.files, run_args.c, cmdline); }, &run_args.c.out, true},
      {add_compare(app, compare_args), [&] { return run_or_compare(false, compare_args.files, compare_args.c, cmdline); },
       &compare_args.c.out, true},
      {add_trial(app, trial_args), [&] { return cmd_trial(trial_args.a, trial_args.c, cmdline); }, &trial_args.c.out, false},
      {add_calibrate(app, calibrate_args),
       [&] { return cmd_calibrate(calibrate_args.file, calibrate_args.c, cmdline, calibrate_args.leave_out, calibrate_args.particles); },
       &calibrate_args.c.out, true},
      {validation_app = add_validation(app, validation_args),
       [&] {
         validation_args.a.calibrations_given = validation_app->count("--calibrations") > 0;
         return cmd_validation(validation_args.a, validation_args.c);
       },
       nullptr, false},
      {lessons_app = add_lessons(app, lessons_args),
       [&] {
         if (lessons_app->count("--out") && !lessons_app->count("--readme")) lessons_args.a.readme.clear();  // a page elsewhere
         return cmd_lessons(lessons_args.a, lessons_args.c);
       },
       nullptr, false},
      {add_sensitivity(app, sensitivity_args), [&] { return cmd_sensitivity(sensitivity_args.file, sensitivity_args.c, cmdline); },
       &sensitivity_args.c.out, true},
      {add_merge(app, merge_args),
       [&] { return cmd_merge(merge_args.files, merge_args.out, merge_args.quiet, merge_args.force, cmdline); }, &merge_args.out, true},
      {add_validate(app, validate_args), [&] { return cmd_validate(validate_args.files, validate_args.c); }, nullptr, false},
      {add_info(app, info_args), [&] { return cmd_info(info_args.files, info_args.all); }, nullptr, false},
      {add_export(app, export_args), [&] { return cmd_export(export_args.file, export_args.dir, export_args.force, cmdline); }, nullptr, false},
      {add_bench(app, bench_args),
       [&] {
         return cmd_bench(bench_args.file, bench_args.persons, bench_args.weeks, bench_args.threads, bench_args.quiet,
                          bench_args.phases, bench_args.repeat);
       },
       nullptr, false},
      {add_params(app, params_args), [&] { return cmd_params(params_args.outputs, params_args.dictionary); }, nullptr, false},
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kOk : kBadInput;
  }

  const Subcommand* chosen = nullptr;
  for (const auto& s : subcommands)
    if (*s.app) chosen = &s;
  if (!chosen) return kBadInput;  // require_subcommand(1) makes this unreachable
  try {
    if (chosen->runs_tasks) refuse_mpi_launch_without_mpi();
    return chosen->run();
  } catch (const Interrupted&) {
    return interrupted(chosen->out ? *chosen->out : std::string());
  } catch (const ScenarioError& e) {
    if (mpi::rank() == 0) std::fprintf(stderr, "percorsi: %s\n", e.what());
    return kBadInput;
  } catch (const out::ReadError& e) {  // also out::DamagedResults
    if (mpi::rank() == 0) std::fprintf(stderr, "percorsi: %s\n", e.what());
    return kBadInput;
  } catch (const out::OutputRefused& e) {
    if (mpi::rank() == 0) std::fprintf(stderr, "percorsi: %s\n", e.what());
    return kBadInput;
  } catch (const std::exception& e) {
    if (mpi::rank() == 0) std::fprintf(stderr, "percorsi: error: %s\n", e.what());
    // After a failed write (a full disk), HDF5's own termination can crash on the handles the
    // failure left (H5F__close_cb); what was written is removed already and the lock goes with
    // the process, so a single process ends here, without the library's exit handlers.
    if (mpi::size() == 1) {
      std::cout.flush();
      std::fflush(nullptr);
      std::_Exit(kFailure);
    }
    return kFailure;
  }
}
