#include "sim/registry/outputs.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace percorsi::out {

namespace {

// The mid column: a number in the output's unit, NA, or Relative(share) (a share of the first
// scenario's mean: every cost).
struct MidValue {
  double value;
  bool relative = false;
  MidValue(double v) : value(v) {}  // NOLINT: a number is an absolute MID
};
MidValue Relative(double share) {
  MidValue m(share);
  m.relative = true;
  return m;
}

std::vector<OutputSpec> build() {
  std::vector<OutputSpec> v;
  int counts[3] = {0, 0, 0};
  constexpr double NA = std::numeric_limits<double>::quiet_NaN();
// The range column: Share, Positive, Signed, Code, or Bounded(upper).
#define PERCORSI_RANGE_Share Range::Share, NA
#define PERCORSI_RANGE_Positive Range::Positive, NA
#define PERCORSI_RANGE_Signed Range::Signed, NA
#define PERCORSI_RANGE_Code Range::Code, NA
#define PERCORSI_RANGE_Bounded(upper) Range::Bounded, double(upper)
#define OUTPUT(kind, id, type, unit, range, window, better, mid, denominator, label, counted, definition)       \
  v.push_back(OutputSpec{OutputKind::kind, #id, OutputType::type, unit, PERCORSI_RANGE_##range, window, Better::better, \
                         MidValue(mid).value, MidValue(mid).relative,                                           \
                         Denominator::denominator, label, counted, definition,                                 \
                         counts[static_cast<int>(OutputKind::kind)]++});
#include "sim/registry/outputs.def"
#undef OUTPUT
  return v;
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

const std::vector<OutputSpec>& outputs() {
  static const std::vector<OutputSpec> t = build();
  return t;
}

const std::vector<const OutputSpec*>& outputs_of(OutputKind k) {
  static const auto by_kind = [] {
    std::vector<std::vector<const OutputSpec*>> out(3);
    for (const auto& o : outputs()) out[static_cast<int>(o.kind)].push_back(&o);
    return out;
  }();
  return by_kind[static_cast<int>(k)];
}

const OutputSpec& spec(Series s) { return *outputs_of(OutputKind::Series)[static_cast<std::size_t>(s)]; }
const OutputSpec& spec(Headline h) { return *outputs_of(OutputKind::Headline)[static_cast<std::size_t>(h)]; }
const OutputSpec& spec(Column c) { return *outputs_of(OutputKind::Person)[static_cast<std::size_t>(c)]; }

const OutputSpec* find_output(OutputKind k, std::string_view name) {
  for (const OutputSpec* o : outputs_of(k))
    if (o->name == name) return o;
  return nullptr;
}

const std::vector<std::string>& output_names(OutputKind k) {
  static const auto names = [] {
    std::vector<std::vector<std::string>> out(3);
    for (const auto& o : outputs()) out[static_cast<int>(o.kind)].push_back(o.name);
    return out;
  }();
  return names[static_cast<int>(k)];
}

const std::vector<std::string>& allowed_units() {
  static const std::vector<std::string> u = {
      // counts of people, places and firms at the end of a week
      "persons", "beds", "places", "flats", "plans", "firms", "positions", "vacancies",
      // flows during a week
      "persons/week", "assessments/week", "internships/week", "hires/week", "jobs/week", "firms/week", "visits/week",
      // the family-care service
      "families", "families/week", "contracts", "contracts/week",
      // money
      "euro", "euro/week", "euro/year",
      // denominators of headline indicators
      "person-years", "jobs",
      // shares, durations and totals
      "share", "days", "weeks", "months", "hires", "count",
      // person-table codes
      "id", "index", "week", "years", "0/1", "0-1", "0-4", "bitmask", "state", "step"};
  return u;
}

const char* output_kind_name(OutputKind k) {
  switch (k) {
    case OutputKind::Series: return "series";
    case OutputKind::Headline: return "headline";
    case OutputKind::Person: return "person column";
  }
  return "?";
}

const char* range_name(Range r) {
  switch (r) {
    case Range::Share: return "share";
    case Range::Positive: return "positive";
    case Range::Signed: return "signed";
    case Range::Code: return "code";
    case Range::Bounded: return "bounded";
  }
  return "?";
}

const OutputSpec* OutputSpec::denominator_output() const {
  if (kind != OutputKind::Headline || is_companion()) return nullptr;
  return find_output(OutputKind::Headline, name + "_n");
}

bool OutputSpec::is_companion() const {
  if (kind != OutputKind::Headline) return false;
  for (std::string_view suffix : {std::string_view("_n"), std::string_view("_discounted")})
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        find_output(OutputKind::Headline, std::string_view(name).substr(0, name.size() - suffix.size())) != nullptr)
      return true;
  return false;
}

const char* output_type_name(OutputType t) {
  switch (t) {
    case OutputType::Float64: return "float64";
    case OutputType::Int32: return "int32";
  }
  return "?";
}

const char* better_name(Better b) {
  switch (b) {
    case Better::Higher: return "higher";
    case Better::Lower: return "lower";
    case Better::Neither: return "neither";
  }
  return "?";
}

std::string shortest_number(double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

std::string mid_text(const OutputSpec& o) {
  if (std::isnan(o.mid)) return "";
  return o.mid_relative ? shortest_number(o.mid * 100) + "%" : shortest_number(o.mid);
}

std::string dictionary_meaning(const OutputSpec& o) {
  if (o.kind == OutputKind::Person) return o.definition;  // one row per person: the shape says who
  std::string m = o.definition + ". Counted: " + o.counted;
  if (o.policy_denominator()) m += " (a denominator that depends on the policy)";
  return m;
}

const std::vector<std::string>& payer_names() {
  static const std::vector<std::string> v = {"all", "intervention", "housing", "social_services", "health", "justice"};
  return v;
}

const std::vector<CountedSeries>& counted_series() {
  static const std::vector<CountedSeries> v = {
#define OUTPUT(...)
#define COUNTED(id, Rule) {Series::id, #Rule, false, Payer::all, false},
#define COUNTED_COST(id, Rule, payer, intervention) {Series::id, #Rule, true, Payer::payer, intervention},
#include "sim/registry/outputs.def"
#undef COUNTED
#undef COUNTED_COST
#undef OUTPUT
  };
  return v;
}

const CountedSeries* counted_by_rule(Series s) {
  for (const CountedSeries& c : counted_series())
    if (c.id == s) return &c;
  return nullptr;
}

const std::vector<Series>& cost_series_of(Payer p) {
  static const auto table = [] {
    using S = Series;
    std::vector<std::vector<Series>> t(6);
    std::vector<Series> housing = {S::cost_housing_first}, health = {S::cost_institution_health, S::cost_psychiatric_ward, S::cost_emergency},
                        justice = {S::cost_institution_justice}, intervention;
    // Costs counted per person by a rule name their payer in the table.
    for (const CountedSeries& c : counted_series()) {
      if (!c.cost) continue;
      if (c.payer == Payer::housing) housing.push_back(c.id);
      if (c.payer == Payer::health) health.push_back(c.id);
      if (c.payer == Payer::justice) justice.push_back(c.id);
      if (c.intervention) intervention.push_back(c.id);
    }
    for (std::size_t i = 0; i < std::size(kSeriesIds); ++i) {
      const auto s = static_cast<Series>(i);
      const std::string_view id = kSeriesIds[i];
      if (id.substr(0, 5) != "cost_" || s == S::cost_total) continue;
      t[static_cast<int>(Payer::all)].push_back(s);
      const bool other = std::find(housing.begin(), housing.end(), s) != housing.end() ||
                         std::find(health.begin(), health.end(), s) != health.end() ||
                         std::find(justice.begin(), justice.end(), s) != justice.end();
      if (!other) t[static_cast<int>(Payer::social_services)].push_back(s);
    }
    t[static_cast<int>(Payer::housing)] = housing;
    t[static_cast<int>(Payer::health)] = health;
    t[static_cast<int>(Payer::justice)] = justice;
    t[static_cast<int>(Payer::intervention)] = {S::cost_housing_first, S::cost_icf,       S::cost_orientation, S::cost_training,
                                                S::cost_internship,    S::cost_follow_up, S::cost_scouting,    S::cost_network};
    t[static_cast<int>(Payer::intervention)].insert(t[static_cast<int>(Payer::intervention)].end(), intervention.begin(), intervention.end());
    return t;
  }();
  return table[static_cast<std::size_t>(p)];
}

namespace {
// ", per person by rules::RentSubsidyRules" for a series counted by a rule (outputs.def, COUNTED).
std::string counted_rule_text(const OutputSpec& o) {
  if (o.kind != OutputKind::Series) return "";
  const CountedSeries* c = counted_by_rule(static_cast<Series>(o.index));
  return c ? std::string("; counted per person by `rules::") + c->rule + "`" : "";
}
}  // namespace

std::string outputs_markdown() {
  std::ostringstream os;
  os << "# Output reference\n\n"
        "Generated from `sim/registry/outputs.def` by `percorsi params --outputs`; do not edit by hand "
        "(a test fails when this file is stale). The same table gives the engine its series order, "
        "the data dictionary its rows for these datasets ([data-dictionary.md](data-dictionary.md)), "
        "and the command-line tables and the viewer their labels, units and colours.\n\n"
        "- **better**: the direction a planner would call an improvement (`neither`: a volume or a "
        "state, good or bad depending on the question).\n"
        "- **counted**: who is counted: the denominator of a share or a mean, or what a count or "
        "total adds up; a series counted per person by a rule of `sim/model/rules.hpp` names it (the "
        "census, recording, persons' costs and payers of such a series are generated from the table). **denominator** `policy` marks an indicator whose denominator the policy "
        "itself changes (e.g. days to housing among those housed: a policy that houses more people "
        "with longer histories can look slower); read it with its denominator. `fixed`: set by who "
        "enters and when, not by the levers; `none`: a count or a total.\n"
        "- **MID**: the minimum important difference, in the indicator's unit: the smallest "
        "difference between two scenarios a planner would act on. These are planning "
        "**assumptions**, to be revisited with the users of the tool: 0.02 (2 percentage points) "
        "for a share of a population, 0.05 for the retention of the few programme jobs, 7 days, "
        "4 weeks, 1 month; in the weekly series of one territory, 5 people in a state, 1 to 2 "
        "people in a weekly flow. Empty: no comparison makes sense (ids, codes, states). "
        "**Costs** follow one rule: the MID of every cost (unit euro, euro/week or euro/year) is "
        "`2%` of the first scenario's mean of the same indicator, so that a change in spending gets "
        "one verdict however it is spread (per person, per person-year, per territory-week, in "
        "total): the people and person-years counted do not depend on the levers, so the same "
        "change is the same share of each (+434 euro per person and +303 euro per person-year, "
        "both +3.1%, are both important). A cost the first scenario does not incur (0) has a MID "
        "of 0: any difference whose interval excludes zero is important. What the costs are and "
        "how to read them for a funder: [economics.md](economics.md).\n"
        "- **range**: `share` (a proportion in [0, 1]), `positive` (a count, cost or duration, "
        ">= 0) or `code`; intervals across replicates and of paired differences keep to it "
        "([statistics.md](statistics.md)). **window**: weeks of run a headline indicator needs "
        "before anyone can be counted; a shorter horizon makes it n/a (\"horizon too short\"); "
        "for a person column, the weeks it follows.\n"
        "- `<name>_n`: the size of a headline indicator's denominator in each replicate (0 when "
        "no one is counted, and the indicator is then NaN); tables give its mean per replicate "
        "beside the indicators whose denominator depends on the policy. Below 30 per replicate "
        "(`kMinDenominator`, [statistics.md](statistics.md)) tables give the indicator no value "
        "and no verdict: \"n/a (n = 6: too few)\".\n"
        "- **Dates and windows** (one convention for the headline indicators and the trial "
        "measures of `percorsi trial`, both computed through one library of definitions, "
        "`sim/model/measures.hpp`, with the dates of `sim/model/dating.hpp`): a person enters at the start of the "
        "week of entry; a change of state (housed, hired, a plan signed) happens during a week and "
        "is dated at its middle. Durations from entry to a change in week w are w - entry + 0.5 "
        "weeks (half a week for a change in the week of entry; 0 for a state held at entry); "
        "durations between two changes are the difference of their weeks. A state \"12 months "
        "after entry\" is the state at the end of the 52nd week from entry (the window of the "
        "indicator), and a person is observed then when present at the end of that week; people "
        "who left before it are censored (left out of the denominator). A change \"within\" a "
        "window happened in one of its weeks (or was held at entry). A return to the street "
        "within 52 weeks of the first stable housing in week f happened in weeks f to f + 52; it "
        "is counted once all those weeks have run, and a person who left before the end of week "
        "f + 52 without returning is censored, as in the trial measure `returned_to_street_share` "
        "(which also counts a shelter). The engine and the trial measures read each window from "
        "this table.\n";
  const char* titles[3] = {"Weekly series (`weekly/<name>`, [weeks, territories])",
                           "Headline indicators (`headline/<name>`, `summary/<name>`)",
                           "Person table (`persons/<name>`, one row per person)"};
  for (int k : {1, 0, 2}) {
    os << "\n## " << titles[k] << "\n\n"
       << "| name | label | unit | range | window | type | better | counted | denominator | MID | definition |\n"
       << "|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const OutputSpec* o : outputs_of(static_cast<OutputKind>(k))) {
      const char* den = o->denominator == Denominator::Policy ? "**policy**"
                        : o->denominator == Denominator::Fixed ? "fixed"
                                                                : "none";
      os << "| `" << o->name << "` | " << md_cell(o->label) << " | " << md_cell(o->unit) << " | "
         << range_name(o->range) << (o->range == Range::Bounded ? " [0, " + shortest_number(o->upper) + "]" : "") << " | " << (o->window ? std::to_string(o->window) : "") << " | "
         << output_type_name(o->type) << " | " << better_name(o->better) << " | " << md_cell(o->counted) << counted_rule_text(*o) << " | "
         << den << " | " << mid_text(*o) << " | " << md_cell(o->definition) << " |\n";
    }
  }
  return os.str();
}

}  // namespace percorsi::out
