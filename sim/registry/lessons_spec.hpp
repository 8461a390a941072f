// Lessons files (docs/lessons.md): the lessons of the evaluations, each stated in words with the
// comparison of scenarios that shows it and the headline indicators that carry it, for
// `percorsi lessons`. The shipped one is scenarios/lessons.yaml.
//
//   replicates: 20                     # of every scenario (the page's count; --replicates overrides)
//   efficacy_over_time: [housing_first]  # optional: lessons whose scenarios' self-efficacy
//                                        #   distribution over the weeks the page shows
//   lessons:
//     - id: housing_first              # letters, digits, '_' and '-': the page's anchor
//       lesson: Housing First houses more people stably than the step model ...
//       scenarios:                     # two or more, paths relative to this file; the first is the
//         - piemonte/step_model.yaml   # reference, each other one is compared with it
//         - piemonte/housing_first.yaml
//       indicators:                    # headline indicators (docs/outputs.md), in the order shown
//         - stably_housed_12m: higher  # the direction the lesson states: every other scenario
//         - cost_per_stable_year       #   higher (or lower) than the first; a bare name: shown only
//       note: ...                      # optional: what the comparison leaves out
//       replicates: 100                # optional: this lesson's count (a shallow effect needs more)
//       rests_on: [employment.follow_up.effect]  # optional: the registry parameters (paths or
//                                      #   ids) whose values carry the lesson's size; the page
//                                      #   labels the lesson by their evidence classes
//
// A lesson's scenarios must share their seed (common random numbers: the differences are paired)
// and be comparable (horizon, start date, territories). Every error names file:line:column
// (ScenarioError): unknown keys (with "did you mean"), missing scenario files, unknown indicators,
// directions other than higher and lower, ids given twice, unknown parameters in rests_on.
#pragma once

#include <string>
#include <vector>

#include "sim/registry/scenario.hpp"

namespace percorsi {

enum class Direction { None, Higher, Lower };
const char* direction_name(Direction d);  // "" | "higher" | "lower"

struct LessonIndicator {
  std::string name;  // headline indicator
  Direction expected = Direction::None;
};

struct Lesson {
  std::string id, text, note;
  std::vector<std::string> files;   // the scenario files, as paths from where the program runs
  std::vector<Scenario> scenarios;  // as loaded: the first is the reference
  std::vector<LessonIndicator> indicators;
  std::vector<const ParamSpec*> rests_on;  // the coefficients that carry its size (Global parameters)
  int replicates = 0;  // 0: the file's
  Origin origin;
  bool directed() const;  // states a direction on some indicator
};

struct LessonsSpec {
  std::string file;
  int replicates = 20;
  std::vector<Lesson> lessons;
  // `efficacy_over_time: [id, ...]`: lessons whose scenarios' distribution of self-efficacy over
  // the weeks the page shows (docs/model.md, "Self-efficacy").
  std::vector<std::string> efficacy_lessons;
};

// Loads and checks a lessons file and the scenarios it names (ScenarioError listing every problem
// at its file:line:column).
LessonsSpec load_lessons(const std::string& path);
// True when the file is a lessons file (its top level has `lessons:`, which no other input file
// has); false when it is not, or cannot be read.
bool is_lessons_file(const std::string& path);

}  // namespace percorsi
