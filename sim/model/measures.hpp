// The outcome measures' definitions, written once: who is observed through a window, whether a
// change falls within it, how long it took, what a return within a window is, and a share or
// mean over its denominator. The headline indicators (World::results and the end-of-week census,
// from the person columns) and the trial measures (compute_measure in sim/study/trial.cpp, from a
// cohort's weekly states) both call these, with the windows of the output table
// (out::window_of; the trial file's `at`, `within` and `over`) and the dates of
// sim/model/dating.hpp (docs/outputs.md, "Dates and windows").
//
// Weeks are weeks of the run (0-based). A person enters at the start of week `entry` and, having
// left, was last present in week `exit` (-1: still present). "w weeks after entry" is the end of
// week entry + w - 1: the state 12 months after entry is the state at the end of the 52nd week
// from entry, and a change "within w weeks" of entry happened in one of the weeks
// entry, ..., entry + w - 1. A state held at entry is a change within any window, dated 0 weeks
// from entry.
#pragma once

#include <limits>

#include "sim/model/dating.hpp"

namespace percorsi::measures {

// The week of a change that never happened (person columns write -1; see dated()).
inline constexpr int kNever = std::numeric_limits<int>::min();
// A week column of the person table as a date: -1 (and any negative code) is "never".
constexpr int dated(int column_week) { return column_week < 0 ? kNever : column_week; }

// A share or a mean: the sum of what each member of the denominator contributes, and the
// denominator (people, or person-weeks); NaN when no one is counted.
struct Ratio {
  double num = 0, den = 0;
  void add(double x) { ++den, num += x; }
  double value() const { return den > 0 ? num / den : std::numeric_limits<double>::quiet_NaN(); }
};

// One person's observation in a run of `end` weeks.
struct Observation {
  int entry = 0, exit = -1, end = 0;
  // Present at the end of week `week` of the run (a person who left in week e was last present
  // at the end of week e - 1).
  constexpr bool seen_at_end_of(int week) const { return week < end && (exit < 0 || exit > week); }
  // Observed `window` weeks after entry: the run reached the end of week entry + window - 1 and
  // the person was still present then.
  constexpr bool through(int window) const { return seen_at_end_of(entry + window - 1); }
};

// Week `week` is the last of the first `window` weeks from entry in week `entry`: the week at
// whose end the state "`window` weeks after entry" is taken.
constexpr bool closes(int entry, int week, int window) { return week + 1 - entry == window; }

// A first change in week `week` (kNever: none; a week before entry: a state held at entry)
// within `window` weeks of entry.
constexpr bool within(int entry, int week, int window) { return week != kNever && week < entry + window; }

// Weeks from entry to a change in week `week` (not kNever); 0 for a state held at entry.
constexpr double weeks_to(int entry, int week) { return week < entry ? 0.0 : dating::weeks_from_entry(entry, week); }
constexpr double days_to(int entry, int week) { return dating::kDaysPerWeek * weeks_to(entry, week); }

// A return in week `week` within `window` weeks of the first stable housing in week `first`
// (not kNever): in one of the weeks first, ..., first + window (a return in the week of the
// housing itself, a later phase of that week, counts).
constexpr bool returned_within(int first, int week, int window) { return week >= first && week - first <= window; }
// The weeks first, ..., first + window after a change in week `first` have all run in a run of
// `end` weeks: a return in any of them would be known.
constexpr bool window_fits(int first, int window, int end) { return first + window < end; }

// Weeks as months (52 weeks are 12 months) and as years.
constexpr double months(double weeks) { return weeks * 12.0 / 52.0; }
constexpr double years(double weeks) { return weeks / 52.0; }

}  // namespace percorsi::measures
