// Value for money (docs/economics.md): for each scenario against the first of a comparison, the
// incremental cost-effectiveness ratio of each headline outcome that has one (euro per
// additional day of stable housing, per additional person in work 12 months after entry, per
// additional programme job held 12 months), and the share of the programme's extra cost offset
// by savings of the other public payers. Costs and outcomes are both per person ever present in
// the run, both discounted (economics.discount_rate), paired by replicate (common random numbers); intervals by Fieller's theorem
// (sim/stats fieller(), icer()).
#pragma once

#include <string>
#include <vector>

#include "sim/registry/outputs.hpp"
#include "sim/run/runner.hpp"
#include "sim/stats/stats.hpp"

namespace percorsi {

// An outcome with an incremental cost-effectiveness ratio: a headline indicator, and the
// companion headline `amount` (`<indicator>_discounted`) that is the amount of the outcome in a
// replicate, discounted as the costs are, counted per person ever present. The indicator's
// window and its denominator (`<indicator>_n`: the "too few" rule) say whether a ratio is defined.
struct IcerOutcome {
  out::Headline indicator;
  out::Headline amount;    // e.g. days of stable housing, discounted
  const char* unit;        // the outcome's unit: "day", "person", "job"
  const char* units;       // its plural: "days", "people", "jobs"
  const char* label;       // "Cost per additional day of stable housing"
};
const std::vector<IcerOutcome>& icer_outcomes();

// A class of levers and the programme it pays for: a comparison whose scenarios differ in a lever
// of the class has the class's cost series as "the programme" (the intervention), every other
// cost as "elsewhere". A lever is a parameter path of the registry ("housing.model"), which also
// covers the paths continuing it after a '.' or '_' ("housing_first.job_support" covers
// "housing_first.job_support_matching_factor"), or a section ending in '.' ("employment.");
// a parameter belongs to the class of its longest lever.
struct LeverClass {
  const char* name;
  std::vector<std::string> levers;
  std::vector<out::Series> programme;  // the weekly cost series of the programme
  const char* programme_label;
};
const std::vector<LeverClass>& lever_classes();

// The parameters whose resolved values differ between two scenarios (registry paths; a territory
// or event parameter as "territories[].<key>", "events[].<key>"), from their resolved YAML.
std::vector<std::string> differing_parameters(const std::string& yaml_a, const std::string& yaml_b);

// The lever classes (indices into lever_classes()) of the parameters that differ.
std::vector<std::size_t> classes_of(const std::vector<std::string>& parameters);

// One value-for-money row of a scenario against the first.
struct ValueRow {
  std::string indicator;  // "icer_<outcome id>" or "cost_offset"
  std::string unit;       // "euro/day", ..., "share"
  std::string label;
  out::Summary value;                         // the ratio and its interval (n: replicate pairs); NaN when n/a
  CostEffect status = CostEffect::Undefined;  // of an ICER (Ratio for the offset when defined)
  std::string na;                             // why it is n/a ("" when defined)
  std::string detail;                         // the differences behind it, per person, for tables
  bool share = false;                         // the offset: shown in %
};

// The value-for-money rows of scenario b against scenario a: one per outcome of icer_outcomes(),
// then the cost offset. Empty when either lacks the costs (cost_per_person, persons_total).
std::vector<ValueRow> value_for_money(const ScenarioSummary& a, const ScenarioSummary& b);

// The "Value for money" section of comparison tables (text or Markdown) for each scenario against
// the first; "" when there is none.
std::string value_for_money_section(const std::vector<ScenarioSummary>& s, const std::vector<std::string>& names,
                                    bool markdown);

}  // namespace percorsi
