// `percorsi lessons`: every lesson of a lessons file (sim/registry/lessons_spec.hpp) measured by
// running its comparison with common random numbers: per other scenario and indicator, the paired
// difference from the first scenario with its 95% interval (as `percorsi compare` computes it),
// and whether the lesson holds. docs/lessons.md is its output (from docs/lessons.in.md), and the
// README's marked blocks; a test fails when they are stale.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "sim/registry/lessons_spec.hpp"
#include "sim/study/robustness.hpp"
#include "sim/run/runner.hpp"
#include "sim/run/tables.hpp"

namespace percorsi {

// One difference of a lesson: `scenario` minus the lesson's first scenario on `indicator`.
struct LessonRow {
  std::string scenario, indicator;
  Direction expected = Direction::None;
  Difference diff;
  Verdict verdict = Verdict::Undefined;  // against the indicator's minimum important difference
  bool holds = false;                    // the interval excludes zero in the expected direction (false without one)
  // lessons --robustness: the share of the plausible space where the verdict holds (NaN: none)
  // and the assumptions that move the difference most (sim/study/robustness.hpp).
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

// The robustness of every lesson, kept in a file beside the lessons file
// (scenarios/lessons.robustness.yaml) so that the page shows it without rerunning the design (about
// half an hour on 2 cores): `percorsi lessons --robustness` writes it, `percorsi lessons` reads it
// when its fingerprint is that of the current inputs (lessons_inputs_fingerprint), and a test
// fails when it is stale.
struct LessonsRobustness {
  std::string inputs;  // lessons_inputs_fingerprint() when it was written
  int points = 0, replicates = 0;
  std::uint64_t seed = 0;
  std::vector<std::pair<std::string, Robustness>> lessons;  // lesson id -> its comparison's robustness (cells only)
  const Robustness* of(const std::string& lesson) const;
};
// What the robustness of the lessons rests on: the lessons file's text, every compared scenario as
// resolved (Scenario::to_yaml), the registry's assumptions and their plausible ranges, and the
// pinned result hashes of the model (tests/pinned_hashes.inc beside the lessons file's folder,
// when present: they change whenever the model's results do). 16 hex digits (out::Checksum).
std::string lessons_inputs_fingerprint(const LessonsSpec& spec);
// The file's YAML (`command`: how it was made) and its loader (ScenarioError naming the file, line
// and column of what is wrong).
std::string lessons_robustness_yaml(const LessonsRobustness& r, const std::string& command);
LessonsRobustness load_lessons_robustness(const std::string& path);
// Where a lessons file keeps its robustness: "scenarios/lessons.yaml" -> "scenarios/lessons.robustness.yaml".
std::string lessons_robustness_path(const std::string& lessons_file);

struct LessonsRun {
  std::string file;
  std::vector<EfficacyOverTime> efficacy;  // of the scenarios of the file's efficacy_over_time lessons
  int replicates = 0;  // the page's (a lesson may state its own)
  bool robustness = false;  // the rows carry their robustness (computed, or read from a current file)
  // Computed by this run (LessonsOptions::robustness), to be kept in the lessons' robustness file.
  std::optional<LessonsRobustness> computed;
  // How the rows got their robustness, for the page: the design and where it is kept, or why it is
  // not shown.
  std::string robustness_note;
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
  // Without `robustness`: the robustness read from the lessons' robustness file, used when its
  // fingerprint is current (else robustness_note says it is stale). `stored_path` names it.
  std::optional<LessonsRobustness> stored = std::nullopt;
  std::string stored_path;
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
//   {{robustness}}   how the robustness column was made (LessonsRun::robustness_note)
// Throws ScenarioError when a marker is missing. `command` is how the page was made.
std::string lessons_page(const LessonsRun& r, const std::string& template_text, const std::string& command);

// `text` (a README) with every marked block filled with a lesson's comparison table (text format,
// the lesson's indicators) and the command that reproduces it:
//   <!-- lessons: ID -->        (the block's contents are replaced)
//   <!-- end lessons -->
// Throws ScenarioError for an unknown lesson id or a block without its end.
std::string fill_lesson_blocks(const LessonsRun& r, const std::string& text, const std::string& command);

}  // namespace percorsi
