// `percorsi lessons`: every lesson of a lessons file (sim/registry/lessons_spec.hpp) measured by
// running its comparison with common random numbers: per other scenario and indicator, the paired
// difference from the first scenario with its 95% interval (as `percorsi compare` computes it),
// and whether the lesson holds. docs/lessons.md is its output (from docs/lessons.in.md), and the
// README's marked blocks; a test fails when they are stale.
#pragma once

#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "sim/registry/lessons_spec.hpp"
#include "sim/run/robustness.hpp"
#include "sim/run/runner.hpp"

namespace percorsi {

// One difference of a lesson: `scenario` minus the lesson's first scenario on `indicator`.
struct LessonRow {
  std::string scenario, indicator;
  Direction expected = Direction::None;
  Difference diff;
  Verdict verdict = Verdict::Undefined;  // against the indicator's minimum important difference
  bool holds = false;                    // the interval excludes zero in the expected direction (false without one)
  // lessons --robustness: the share of the plausible space where the verdict holds (NaN: none)
  // and the assumptions that move the difference most (sim/run/robustness.hpp).
  double robust_share = std::nan("");
  std::vector<std::string> rests_on = {};
  std::string robustness = {};  // as tables show it: "0.85 (rests on: a; b)"; "" without
};

struct LessonResult {
  Lesson lesson;
  std::vector<ScenarioSummary> summaries;  // of the lesson's scenarios, in its order
  std::vector<LessonRow> rows;             // per indicator, per other scenario
  int replicates = 0;                      // of each scenario
  // Every row with an expected direction holds (false when the lesson states none).
  bool holds() const;
};

// The distribution of self-efficacy over time in one scenario: the share of the people present
// in each quarter of [0, 1] at some weeks, averaged over replicates.
struct EfficacyOverTime {
  std::string scenario;
  int replicates = 0;
  std::vector<int> weeks;
  std::vector<std::array<double, 4>> shares;  // per week: [0, .25), [.25, .5), [.5, .75), [.75, 1]
};

struct LessonsRun {
  std::string file;
  std::vector<EfficacyOverTime> efficacy;  // of the scenarios of the file's efficacy_over_time lessons
  int replicates = 0;  // the page's (a lesson may state its own)
  bool robustness = false;  // the rows carry their robustness (LessonsOptions::robustness)
  std::vector<LessonResult> results;
  int held() const;      // lessons that hold
  int directed() const;  // lessons that state a direction
};

struct LessonsOptions {
  int threads = 0;
  int replicates = 0;  // 0: the file's and each lesson's own; else every lesson's
  bool progress = true;
  // With it, each lesson's comparison is also run over the plausible space of the assumptions
  // (run_robustness) and every row gets its robustness: a column of the tables and the page, the
  // last two CSV columns robust_share,rests_on (docs/robustness.md).
  std::optional<RobustnessOptions> robustness = std::nullopt;
};

// Runs every lesson's scenarios (run_scenarios: the same seed, so paired by replicate). Throws
// ScenarioError, before running anything, when a lesson's scenarios cannot be compared.
LessonsRun run_lessons(const LessonsSpec& spec, const LessonsOptions& opt);

// "N of M lessons hold": the sentence the page opens with.
std::string held_sentence(const LessonsRun& r);
// The command that reproduces a lesson's figures: `build/sim/percorsi compare A B ... --replicates R`.
std::string reproduce_command(const LessonResult& l);

// The lesson's evidence, from the evidence classes of the parameters that carry its size
// (`rests_on`; sim/registry/evidence.def): "Evidence: its size rests on <what> (`path`), <class
// and detail>; ...", opened by "**This lesson is an assumption of the model, not a finding**"
// when every one of them is an assumption. "" when the lesson names none.
std::string lesson_evidence(const Lesson& l);

// Every lesson's rows: text (a block per lesson), markdown, or CSV (one row per difference:
// lesson,reference,scenario,indicator,expected,diff,diff_ci_low,diff_ci_high,n,paired,verdict,
// holds,lesson_holds,command; with robustness, then robust_share,rests_on).
std::string lessons_table(const LessonsRun& r, TableFormat fmt);

// The page: `template_text` with its markers replaced:
//   {{count}}        held_sentence()
//   {{replicates}}   the replicates of every scenario
//   {{summary}}      one row per lesson: the lesson, its comparison, holds
//   {{not_holding}}  the lessons that do not hold, and why (the differences that miss)
//   {{lessons}}      per lesson: the lesson in words, the command that reproduces it, its rows,
//                    its note and its evidence (lesson_evidence)
// Throws ScenarioError when a marker is missing. `command` is how the page was made.
std::string lessons_page(const LessonsRun& r, const std::string& template_text, const std::string& command);

// `text` (a README) with every marked block filled with a lesson's comparison table (text format,
// the lesson's indicators) and the command that reproduces it:
//   <!-- lessons: ID -->        (the block's contents are replaced)
//   <!-- end lessons -->
// Throws ScenarioError for an unknown lesson id or a block without its end.
std::string fill_lesson_blocks(const LessonsRun& r, const std::string& text, const std::string& command);

}  // namespace percorsi
