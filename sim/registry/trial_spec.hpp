// Virtual trials (docs/trials.md): a scenario file with a
// `trial:` block. A cohort of `cohort` people enters at week 0 in the file's one territory, with
// no other inflow; every arm is the same cohort under the levers of a partial scenario merged
// onto the file like an extending file; measures are computed per arm exactly as the published
// studies define them; targets give published values per arm (or per difference of two arms)
// with a tolerance.
//
//   trial:
//     cohort: 950
//     arms:
//       housing_first: {housing: {model: housing_first}, territories: [{name: cohort, hf_flats: 950}]}
//       usual_care: {housing: {model: step}}
//     measures:
//       housed_12m: {kind: stably_housed_share, at: 12 months}
//     targets:
//       athome_high_need_housed_12m:
//         measure: housed_12m          # optional when the target's id is a measure id
//         published: {housing_first: 0.73, usual_care: 0.31}
//         tolerance: 0.06              # or tolerance_relative: 0.25
//
// Published keys: `arm` (the target's measure), `arm.measure` (another measure), or a
// difference of two such terms `a-b` (e.g. `stepwise-ips`: the stepwise arm's value minus the
// ips arm's, paired by replicate). Files that `extends` a trial merge their `trial:` block onto
// the base's: cohort replaced, arms' levers merged (new arms added), measures and targets
// replaced or added by id. Every error names file:line:column (ScenarioError).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/registry/scenario.hpp"

namespace percorsi {

// The measure kinds, in the order of MODEL.md.
#define PERCORSI_MEASURE_KINDS(X)                                                                  \
  X(stably_housed_share, "at")                                                                     \
  X(time_stably_housed_share, "over")                                                              \
  X(days_to_stable_housing, "within")                                                              \
  X(housed_all_last, "weeks,at")                                                                   \
  X(housed_some_last, "weeks,at")                                                                  \
  X(housed_none_last, "weeks,at")                                                                  \
  X(retention_share, "at")                                                                         \
  X(returned_to_street_share, "within")                                                            \
  X(entered_transitional_share, "within")                                                          \
  X(any_job_share, "within")                                                                       \
  X(weeks_to_first_job, "within")                                                                  \
  X(months_worked_after_first_job, "over")                                                         \
  X(cumulative_employed_km, "at")                                                                  \
  X(employed_share, "at")                                                                          \
  X(cost_per_person_year, "over,payer")                                                            \
  X(institution_days_per_person_year, "over,institution")                                         \
  X(emergency_visits_per_person_year, "over")                                                      \
  X(shelter_nights_per_person_year, "over")                                                        \
  X(family_care_count, "at,step")

enum class MeasureKind {
#define PERCORSI_X(k, args) k,
  PERCORSI_MEASURE_KINDS(PERCORSI_X)
#undef PERCORSI_X
};
const char* measure_kind_name(MeasureKind k);
// The time arguments of a kind ("at", "over", "within", "weeks"), in the order they are written.
std::vector<std::string> measure_kind_args(MeasureKind k);
std::vector<std::string> measure_kind_names();
// Whether a kind's values are shares in [0, 1] (people housed, employed, retained...); the other
// kinds are days, weeks, months, costs and days per person-year: at least 0.
bool measure_is_share(MeasureKind k);
// Whether a kind is a rate per person-year present (cost, institution days, emergency visits,
// shelter nights): its `n` is the person-years present.
bool measure_per_person_year(MeasureKind k);
// The institutions of institution_days_per_person_year: "any", "hospital" (a general hospital or
// residential treatment), "psychiatric" (an acute psychiatric ward), "prison".
const std::vector<std::string>& institution_names();
// The steps of family_care_count: the family-care service's counts since week 0 (the weekly
// series fc_<step>_week summed over the territories and the weeks before `at`).
const std::vector<std::string>& family_care_steps();

struct MeasureSpec {
  std::string id;
  MeasureKind kind = MeasureKind::stably_housed_share;
  // Time arguments in weeks after entry (-1: not an argument of this kind).
  int at = -1, over = -1, within = -1, weeks = -1;
  Origin origin;  // of the measure's id
  // The arguments that are not times: who pays (cost_per_person_year: out::payer_names()) and
  // which institution (institution_days_per_person_year: institution_names()).
  std::string payer, institution;
  // The step of family_care_count (family_care_steps()).
  std::string step;
  // The arguments as written ("at: 12 months"), for tables.
  std::string args_text;
};

// One side of a published key: an arm's value of a measure.
struct TargetTerm {
  std::string arm, measure;
};
struct PublishedValue {
  std::string key;                 // as written ("housing_first", "stepwise-ips", "ips.tenure")
  TargetTerm a;                    // the value, or the minuend of a difference
  std::optional<TargetTerm> minus; // the subtrahend of a difference
  double value = 0;
  Origin origin;
};
struct TargetSpec {
  std::string id;
  std::string measure;  // the default measure of its published keys ("" if none)
  std::vector<PublishedValue> published;
  double tolerance = 0;        // absolute, or relative to the published value when `relative`
  bool relative = false;
  std::string source;          // free text
  Origin origin;
  // The absolute tolerance of one published value.
  double tolerance_of(double published) const;
};

struct TrialSpec {
  int cohort = 0;
  std::vector<std::string> arms;  // in the order first written
  std::vector<MeasureSpec> measures;
  std::vector<TargetSpec> targets;
  const MeasureSpec* measure(const std::string& id) const;
  const TargetSpec* target(const std::string& id) const;
};

// A loaded trial: the file's scenario (no arm applied) and one scenario per arm (named after
// the arm), each with the cohort as its territory's initial population and no inflow.
struct Trial {
  TrialSpec spec;
  Scenario base;
  std::vector<Scenario> arms;  // arms[i] is spec.arms[i]
  std::string name() const { return base.name(); }
};

// Loads a trial file. Throws ScenarioError (every problem, each at file:line:column): a file
// without a `trial:` block, unknown keys, unknown measure kinds, missing time arguments, times
// beyond the horizon, unknown arms or measures in targets, more than one territory, ...
Trial load_trial(const std::string& path, const LoadOptions& options = {});
// Same from text; `pseudo_file` names it in messages and resolves relative `extends`.
Trial parse_trial(const std::string& yaml_text, const std::string& pseudo_file, const LoadOptions& options = {});
// True when the file (or a base it extends) has a `trial:` block (false when it cannot be read).
bool is_trial_file(const std::string& path);

}  // namespace percorsi
