#include "sim/study/lessons.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

#include "sim/registry/outputs.hpp"
#include "sim/run/csv.hpp"

namespace percorsi {

bool LessonResult::holds() const {
  bool any = false;
  for (const auto& r : rows) {
    if (r.expected == Direction::None) continue;
    any = true;
    if (!r.holds) return false;
  }
  return any;
}

int LessonsRun::held() const {
  return static_cast<int>(
      std::count_if(results.begin(), results.end(), [](const LessonResult& l) { return l.holds(); }));
}

int LessonsRun::directed() const {
  return static_cast<int>(
      std::count_if(results.begin(), results.end(), [](const LessonResult& l) { return l.lesson.directed(); }));
}

namespace {

bool row_holds(Direction expected, const out::Summary& d) {
  if (d.n == 0) return false;
  return expected == Direction::Higher ? d.ci_low > 0 : expected == Direction::Lower ? d.ci_high < 0 : false;
}

}  // namespace

namespace {

// Self-efficacy over time (the weekly series self_efficacy_*, summed over territories), at
// weeks 0, 13, 26, 52, 104 and 156 within the horizon and at its last week, over up to 10 replicates.
EfficacyOverTime efficacy_over_time(const Scenario& sc, int replicates) {
  EfficacyOverTime e;
  e.scenario = sc.name();
  e.replicates = std::min(replicates, 10);
  for (int w : {0, 13, 26, 52, 104, 156})
    if (w < sc.weeks() - 1) e.weeks.push_back(w);
  e.weeks.push_back(sc.weeks() - 1);  // and the last week
  e.shares.assign(e.weeks.size(), {0, 0, 0, 0});
  static const char* const kBins[4] = {"self_efficacy_below_25", "self_efficacy_25_50", "self_efficacy_50_75",
                                       "self_efficacy_75_up"};
  for (int rep = 0; rep < e.replicates; ++rep) {
    const out::ReplicateResult r = run_replicate(sc, rep);
    const std::size_t T = r.territories.size();
    for (std::size_t i = 0; i < e.weeks.size(); ++i) {
      std::array<double, 4> n{};
      double all = 0;
      for (int b = 0; b < 4; ++b) {
        const auto it = std::find_if(r.weekly.begin(), r.weekly.end(), [&](const out::WeeklySeries& x) { return x.name == kBins[b]; });
        if (it == r.weekly.end()) throw std::logic_error(std::string("no weekly series ") + kBins[b]);
        for (std::size_t t = 0; t < T; ++t) n[b] += it->values[static_cast<std::size_t>(e.weeks[i]) * T + t];
        all += n[b];
      }
      for (int b = 0; b < 4; ++b) e.shares[i][b] += all > 0 ? n[b] / all / e.replicates : 0.0;
    }
  }
  return e;
}

}  // namespace

LessonsRun run_lessons(const LessonsSpec& spec, const LessonsOptions& opt) {
  for (const auto& l : spec.lessons) require_comparable(l.scenarios, l.origin);
  LessonsRun run;
  run.file = spec.file;
  run.replicates = opt.replicates > 0 ? opt.replicates : spec.replicates;
  run.robustness = opt.robustness.has_value();
  if (opt.robustness) {
    run.computed = LessonsRobustness{lessons_inputs_fingerprint(spec), opt.robustness->points, opt.robustness->replicates,
                                     opt.robustness->seed, {}};
  } else if (opt.stored) {
    if (opt.stored->inputs == lessons_inputs_fingerprint(spec)) run.robustness = true;
    else
      run.robustness_note = "The robustness of the lessons is not shown: " + opt.stored_path +
                            " was computed for other inputs (the lessons, their scenarios, the plausible ranges or the "
                            "model's results have changed since); run `build/sim/percorsi lessons --robustness` to "
                            "recompute it.";
  } else {
    run.robustness_note = "The robustness of the lessons is not shown: there is no robustness file" +
                          (opt.stored_path.empty() ? std::string() : " (" + opt.stored_path + ")") +
                          "; run `build/sim/percorsi lessons --robustness` to compute it.";
  }
  RunOptions ro;
  ro.threads = opt.threads;
  ro.replicates = run.replicates;
  ro.progress = opt.progress;
  for (std::size_t i = 0; i < spec.lessons.size(); ++i) {
    const Lesson& l = spec.lessons[i];
    if (opt.progress) std::fprintf(stderr, "lesson %zu of %zu: %s\n", i + 1, spec.lessons.size(), l.id.c_str());
    LessonResult res;
    res.lesson = l;
    res.replicates = opt.replicates > 0 || l.replicates == 0 ? run.replicates : l.replicates;
    ro.replicates = res.replicates;
    res.summaries = run_scenarios(l.scenarios, ro, "");
    std::optional<Robustness> robust;
    if (opt.robustness) {
      RobustnessOptions rop = *opt.robustness;
      rop.threads = opt.threads, rop.progress = opt.progress;
      robust = run_robustness(l.scenarios, rop);
      if (robust) run.computed->lessons.push_back({l.id, *robust});
    } else if (run.robustness) {
      if (const Robustness* kept = opt.stored->of(l.id)) robust = *kept;
    }
    for (const auto& ind : l.indicators) {
      const out::OutputSpec* o = out::find_output(out::OutputKind::Headline, ind.name);
      for (std::size_t k = 1; k < res.summaries.size(); ++k) {
        LessonRow row;
        row.scenario = res.summaries[k].name;
        row.indicator = ind.name;
        row.expected = ind.expected;
        row.diff = indicator_difference(res.summaries[0], res.summaries[k], ind.name);
        const auto base = res.summaries[0].headline.find(ind.name);
        const double reference = base == res.summaries[0].headline.end() ? std::nan("") : summarize(base->second).mean;
        row.verdict = verdict(row.diff.summary, o ? o->mid_against(reference) : std::nan(""));
        row.holds = row_holds(ind.expected, row.diff.summary);
        if (const RobustnessCell* c = robust && row.verdict != Verdict::Undefined
                                          ? robust->cell(row.scenario, ind.name)
                                          : nullptr) {
          const int side = verdict_side(row.diff.summary.mean, o ? o->mid_against(reference) : std::nan(""));
          row.robust_share = c->share(side);
          row.rests_on = c->rests_on;
          row.robustness = robustness_text(*c, side);
        }
        res.rows.push_back(row);
      }
    }
    run.results.push_back(std::move(res));
  }
  if (run.robustness) {
    const LessonsRobustness& r = run.computed ? *run.computed : *opt.stored;
    run.robustness_note =
        "The column **robustness** gives, for each difference, the share of " + std::to_string(r.points) +
        " points of a Latin hypercube over the plausible ranges of the model's assumptions (" +
        std::to_string(r.replicates) + " replicates a point, seed " + std::to_string(r.seed) +
        ") at which the difference keeps its verdict, and the assumptions that move it most "
        "([robustness.md](robustness.md)). It is computed by `build/sim/percorsi lessons --robustness` and kept in `" +
        (opt.stored_path.empty() ? std::string("the lessons' robustness file") : opt.stored_path) +
        "` with a fingerprint of what it rests on (the lessons, their scenarios, the plausible ranges and the model's "
        "pinned results); a test fails when it is stale.";
  }
  for (const auto& id : spec.efficacy_lessons)
    for (const Lesson& l : spec.lessons)
      if (l.id == id)
        for (const Scenario& sc : l.scenarios) run.efficacy.push_back(efficacy_over_time(sc, run.replicates));
  return run;
}

std::string held_sentence(const LessonsRun& r) {
  return std::to_string(r.held()) + " of " + std::to_string(r.directed()) + " lessons hold";
}

std::string reproduce_command(const LessonResult& l) {
  std::string c = "build/sim/percorsi compare";
  for (const auto& f : l.lesson.files) c += " " + f;
  return c + " --replicates " + std::to_string(l.replicates);
}

namespace {

std::string label(const std::string& indicator) {
  const out::OutputSpec* o = out::find_output(out::OutputKind::Headline, indicator);
  return o ? o->label : indicator;
}

std::string expected_text(Direction d) {
  return d == Direction::None ? "-" : direction_name(d);
}
std::string holds_text(const LessonRow& row, bool md) {
  if (row.expected == Direction::None) return "-";
  return row.holds ? "yes" : md ? "**no**" : "no";
}
std::string lesson_state(const LessonResult& l) {
  return !l.lesson.directed() ? "no direction stated" : l.holds() ? "holds" : "does not hold";
}

// The rows of one lesson as cells (header first).
std::vector<std::vector<std::string>> rows_of(const LessonResult& l, bool md) {
  const std::string ref = l.summaries.empty() ? "" : l.summaries[0].name;
  std::vector<std::vector<std::string>> rows = {
      {"comparison", "indicator", "expected", "difference [95% CI]", "verdict", "holds"}};
  for (const auto& row : l.rows)
    rows.push_back({row.scenario + " - " + ref,
                    md ? label(row.indicator) + " (`" + row.indicator + "`)" : row.indicator,
                    expected_text(row.expected),
                    format_difference_interval(row.indicator, row.diff.summary) +
                        (row.diff.summary.n > 0 && !row.diff.paired ? " unpaired" : ""),
                    verdict_name(row.verdict), holds_text(row, md)});
  if (std::any_of(l.rows.begin(), l.rows.end(), [](const LessonRow& x) { return !x.robustness.empty(); })) {
    rows[0].push_back("robustness");
    for (std::size_t i = 0; i < l.rows.size(); ++i) rows[i + 1].push_back(md ? markdown_cell(l.rows[i].robustness) : l.rows[i].robustness);
  }
  return rows;
}

// Why a row with an expected direction misses it.
std::string miss_reason(const LessonRow& row) {
  const out::Summary& d = row.diff.summary;
  if (d.n == 0) return "undefined (n/a)";
  if (std::isnan(d.ci_low)) return "no interval";
  const bool wrong_way = row.expected == Direction::Higher ? d.ci_high < 0 : d.ci_low > 0;
  return wrong_way ? "it goes the other way" : "the interval includes zero, the runs cannot tell";
}

std::string not_holding(const LessonsRun& r) {
  std::string out;
  for (const auto& l : r.results) {
    if (!l.lesson.directed() || l.holds()) continue;
    std::string misses;
    for (const auto& row : l.rows)
      if (row.expected != Direction::None && !row.holds)
        misses += std::string(misses.empty() ? "" : "; ") + row.scenario + " - " + l.summaries[0].name + " on `" +
                  row.indicator + "`, expected " + direction_name(row.expected) + ", is " +
                  format_difference_interval(row.indicator, row.diff.summary) + ": " + miss_reason(row);
    out += wrap("- **[" + l.lesson.id + "](#" + l.lesson.id + ")**: " + misses + "." +
                    (l.lesson.note.empty() ? "" : " " + l.lesson.note),
                96, 2);
  }
  if (out.empty()) out = "Every lesson that states a direction holds at these replicates.\n";
  std::string shown;
  for (const auto& l : r.results)
    if (!l.lesson.directed())
      shown += std::string(shown.empty() ? "" : ", ") + "[" + l.lesson.id + "](#" + l.lesson.id + ")";
  if (!shown.empty()) out += "\nShown without a direction (not counted): " + shown + ".\n";
  return out;
}

std::string summary(const LessonsRun& r) {
  std::vector<std::vector<std::string>> rows = {{"lesson", "in words", "compared", "holds"}};
  for (const auto& l : r.results) {
    std::string compared;
    for (std::size_t k = 1; k < l.summaries.size(); ++k)
      compared += std::string(compared.empty() ? "" : ", ") + l.summaries[k].name;
    compared += " against " + l.summaries[0].name;
    rows.push_back({"[" + l.lesson.id + "](#" + l.lesson.id + ")", markdown_cell(l.lesson.text), compared,
                    !l.lesson.directed() ? "-"
                    : l.holds()          ? "yes"
                                         : "**no**"});
  }
  return cell_table(rows, TableFormat::Markdown);
}

// What a parameter is, in words: its description without the condition it opens with ("With
// job support: ") nor the remark it ends with (" (...)"), as the middle of a sentence ("the ...").
std::string parameter_words(const ParamSpec& p) {
  std::string d = p.description;
  if (d.rfind("With ", 0) == 0 && d.find(": ") != std::string::npos) d = d.substr(d.find(": ") + 2);
  if (!d.empty() && d.back() == ')' && d.rfind(" (") != std::string::npos) d = d.substr(0, d.rfind(" ("));
  if (d.size() > 1 && std::isupper(static_cast<unsigned char>(d[0])) && std::islower(static_cast<unsigned char>(d[1])))
    d[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(d[0])));
  return d.rfind("the ", 0) == 0 || d.rfind("a ", 0) == 0 ? d : "the " + d;
}

}  // namespace

std::string lesson_evidence(const Lesson& l) {
  if (l.rests_on.empty()) return "";
  std::string carried;
  bool all_assumed = true;
  for (std::size_t i = 0; i < l.rests_on.size(); ++i) {
    const ParamSpec& p = *l.rests_on[i];
    all_assumed = all_assumed && p.evidence == Evidence::assumption;
    const char* sep = i == 0 ? "" : i + 1 == l.rests_on.size() ? "; and " : "; ";
    carried += sep + parameter_words(p) + " (`" + p.path + "`), " + evidence_phrase(p);
  }
  return std::string("Evidence: ") +
         (all_assumed ? "**This lesson is an assumption of the model, not a finding**: its" : "its") +
         " size rests on " + carried + ".";
}

namespace {

std::string lessons_detail(const LessonsRun& r) {
  std::string out;
  for (const auto& l : r.results) {
    const std::string state = !l.lesson.directed() ? "No direction stated" : l.holds() ? "Holds" : "Does not hold";
    out += "### " + l.lesson.id + "\n\n" + wrap(l.lesson.text) + "\n**" + state + ".** Reproduce: `" +
           reproduce_command(l) + "`\n\n" + cell_table(rows_of(l, true), TableFormat::Markdown);
    if (!l.lesson.note.empty()) out += "\n" + wrap(l.lesson.note);
    if (!l.lesson.rests_on.empty()) out += "\n" + wrap(lesson_evidence(l.lesson));
    out += "\n";
  }
  return out;
}

// The lesson's comparison table (text), its indicators only (with their denominators).
std::string lesson_table(const LessonResult& l) {
  std::vector<ScenarioSummary> s = l.summaries;
  for (auto& x : s) {
    std::map<std::string, std::vector<double>> keep;
    for (const auto& ind : l.lesson.indicators) {
      std::vector<std::string> names = {ind.name};
      const out::OutputSpec* o = out::find_output(out::OutputKind::Headline, ind.name);
      if (const out::OutputSpec* den = o ? o->denominator_output() : nullptr) names.push_back(den->name);
      for (const auto& n : names)
        if (auto it = x.headline.find(n); it != x.headline.end()) keep[n] = it->second;
    }
    x.headline = std::move(keep);
  }
  return comparison_table(s, TableFormat::Text);
}

}  // namespace

std::string lessons_table(const LessonsRun& r, TableFormat fmt) {
  if (fmt == TableFormat::Csv) {
    std::string out =
        "lesson,reference,scenario,indicator,expected,diff,diff_ci_low,diff_ci_high,n,paired,verdict,holds,"
        "lesson_holds,command" + std::string(r.robustness ? ",robust_share,rests_on" : "") + "\n";
    for (const auto& l : r.results)
      for (const auto& row : l.rows) {
        const out::Summary& d = row.diff.summary;
        out += csv_cell(l.lesson.id) + "," + csv_cell(l.summaries[0].name) + "," + csv_cell(row.scenario) + "," +
               row.indicator + "," + direction_name(row.expected) + "," + csv_number(d.n ? d.mean : std::nan("")) +
               "," + csv_number(d.ci_low) + "," + csv_number(d.ci_high) + "," + std::to_string(d.n) + "," +
               (row.diff.paired ? "true" : "false") + "," + verdict_name(row.verdict) + "," +
               (row.expected == Direction::None ? ""
                : row.holds                     ? "true"
                                                : "false") +
               "," + (l.lesson.directed() ? (l.holds() ? "true" : "false") : "") + "," +
               csv_cell(reproduce_command(l));
        if (r.robustness) {
          std::string rests;
          for (const auto& p : row.rests_on) rests += (rests.empty() ? "" : ";") + p;
          out += "," + csv_number(row.robust_share) + "," + csv_cell(rests);
        }
        out += "\n";
      }
    return out;
  }
  const bool md = fmt == TableFormat::Markdown;
  std::string out;
  for (const auto& l : r.results) {
    if (md) {
      out += "**" + l.lesson.id + "** (" + lesson_state(l) + "): " + l.lesson.text + "  \n`" +
             reproduce_command(l) + "`\n\n" + cell_table(rows_of(l, true), fmt) + "\n";
    } else {
      out += l.lesson.id + ": " + lesson_state(l) + "\n  " + wrap(l.lesson.text, 94, 2) + "  " +
             reproduce_command(l) + "\n" + cell_table(rows_of(l, false), fmt, "  ") + "\n";
    }
  }
  return out + held_sentence(r) + " (" + std::to_string(r.replicates) + " replicates" +
         (md ? "" : "; a lesson holds when every interval excludes zero in the direction it states") + ").\n";
}

namespace {
// One markdown table per scenario: the weeks down, the quarters of self-efficacy across (%).
std::string efficacy_tables(const LessonsRun& r) {
  if (r.efficacy.empty()) return "(no lesson named in efficacy_over_time)\n";
  std::string out;
  for (const auto& e : r.efficacy) {
    std::vector<std::vector<std::string>> rows = {{"week", "below 0.25", "0.25 to 0.5", "0.5 to 0.75", "0.75 or more"}};
    for (std::size_t i = 0; i < e.weeks.size(); ++i) {
      std::vector<std::string> row = {std::to_string(e.weeks[i])};
      for (double x : e.shares[i]) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f%%", 100 * x);
        row.push_back(buf);
      }
      rows.push_back(row);
    }
    out += "**" + e.scenario + "** (" + std::to_string(e.replicates) + " replicates; share of the people present)\n\n" +
           cell_table(rows, TableFormat::Markdown) + "\n";
  }
  return out;
}
}  // namespace

std::string lessons_page(const LessonsRun& r, const std::string& template_text, const std::string& command) {
  std::string page = "<!-- Generated by `" + command +
                     "` from docs/lessons.in.md and scenarios/lessons.yaml: edit those, then regenerate. -->\n" +
                     template_text;
  fill_marker(page, "{{count}}", held_sentence(r), "lessons");
  fill_marker(page, "{{replicates}}", std::to_string(r.replicates), "lessons");
  fill_marker(page, "{{summary}}", summary(r), "lessons");
  fill_marker(page, "{{not_holding}}", not_holding(r), "lessons");
  fill_marker(page, "{{lessons}}", lessons_detail(r), "lessons");
  if (page.find("{{robustness}}") != std::string::npos) fill_marker(page, "{{robustness}}", r.robustness_note, "lessons");
  if (page.find("{{efficacy}}") != std::string::npos) fill_marker(page, "{{efficacy}}", efficacy_tables(r), "lessons");
  return page;
}

std::string fill_lesson_blocks(const LessonsRun& r, const std::string& text, const std::string& command) {
  const std::string open = "<!-- lessons: ", close = "<!-- end lessons -->";
  std::string out;
  std::size_t pos = 0;
  for (std::size_t at; (at = text.find(open, pos)) != std::string::npos;) {
    const std::size_t id_end = text.find(" -->", at);
    const std::size_t line_end = text.find('\n', at);
    const std::size_t end = text.find(close, at);
    if (id_end == std::string::npos || line_end == std::string::npos || id_end > line_end || end == std::string::npos)
      throw ScenarioError("a block '" + open + "ID -->' without its end '" + close + "'");
    const std::string id = text.substr(at + open.size(), id_end - at - open.size());
    const auto l =
        std::find_if(r.results.begin(), r.results.end(), [&](const LessonResult& x) { return x.lesson.id == id; });
    if (l == r.results.end())
      throw ScenarioError("a block '" + open + id + " -->': no lesson '" + id + "' in " + r.file);
    out += text.substr(pos, line_end + 1 - pos);
    out += "<!-- written by `" + command + "`: do not edit this block -->\n`" + reproduce_command(*l) +
           "`:\n\n```\n" + lesson_table(*l) + "```\n";
    pos = end;
  }
  return out + text.substr(pos);
}

}  // namespace percorsi
