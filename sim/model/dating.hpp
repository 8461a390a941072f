// One dating convention for every duration the outputs report, headline indicators and trial
// measures alike (docs/outputs.md, "Dates and windows").
//
// A week of the run is one step of the weekly phases. A person enters at the start of the week
// of entry (week e: the state at entry is the state before that week's phases). A change of
// state (housed, hired, a plan signed) happens during a week, in one of its phases; the model
// does not know when within the week, so it is dated at the week's middle. Hence:
//   - from entry to a change in week w: w - e + 0.5 weeks (a change in the week of entry: half a
//     week); a state held at entry: 0;
//   - between two changes, in weeks a and b: b - a weeks (both dated at their middles).
// A trial's cohort states are observed at the end of each week: the state observed at index t
// (t = 1, 2, ...) is the state after week t - 1, so a change first observed at t happened in
// week t - 1: weeks_from_entry(0, t - 1) = t - 0.5.
#pragma once

namespace percorsi::dating {

// Weeks from entry (the start of week `entry_week`) to a change in week `change_week`.
constexpr double weeks_from_entry(int entry_week, int change_week) { return change_week - entry_week + 0.5; }
// Weeks between two changes, in weeks `first` and `second`.
constexpr double weeks_between(int first, int second) { return static_cast<double>(second - first); }
// Weeks from the start of a trial (observation index 0) to a change first observed at index t;
// 0 for a state held at the start (t = 0).
constexpr double weeks_to_observed(int t) { return t == 0 ? 0.0 : weeks_from_entry(0, t - 1); }
inline constexpr double kDaysPerWeek = 7.0;

}  // namespace percorsi::dating
