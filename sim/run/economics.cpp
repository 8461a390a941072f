#include "sim/run/economics.hpp"

#include "sim/run/tables.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace percorsi {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using H = out::Headline;
using S = out::Series;

}  // namespace

const std::vector<IcerOutcome>& icer_outcomes() {
  static const std::vector<IcerOutcome> t = {
      // days of stable housing of the people homeless at entry, discounted
      {H::time_stably_housed, H::time_stably_housed_discounted, "day", "days", "Cost per additional day of stable housing"},
      // people looking for work at entry in work 52 weeks after it, discounted
      {H::employed_12m, H::employed_12m_discounted, "person", "people", "Cost per additional person in work 12 months after entry"},
      // programme jobs still held 52 weeks after hiring, discounted
      {H::job_retained_12m, H::job_retained_12m_discounted, "job", "jobs", "Cost per additional programme job held 12 months"},
  };
  return t;
}

const std::vector<LeverClass>& lever_classes() {
  static const std::vector<LeverClass> t = {
      {"Housing First",
       {"housing.model", "housing.hf_share", "housing_first.", "territories[].hf_flats",
        "territories[].hf_support_workers"},
       {S::cost_housing_first},
       "Housing First flats and support"},
      // The programme's employment costs: those of cost_per_retained_job (sim/engine/accounting.cpp).
      {"employment",
       {"employment.", "cpi.", "network.", "housing_first.job_support", "housing_first.work_uptake",
        "territories[].training_seats"},
       {S::cost_icf, S::cost_orientation, S::cost_training, S::cost_internship, S::cost_follow_up, S::cost_scouting,
        S::cost_network},
       "the employment programme"},
  };
  return t;
}

namespace {

// The resolved scenario as path -> value text; a list of territories or events as
// "territories[].<key>" with the values of every item joined, in order.
void flatten(const YAML::Node& n, const std::string& path, std::map<std::string, std::string>& out) {
  if (n.IsMap()) {
    for (const auto& kv : n) flatten(kv.second, (path.empty() ? "" : path + ".") + kv.first.as<std::string>(), out);
  } else if (n.IsSequence()) {
    for (const auto& item : n) {
      if (!item.IsMap()) {
        out[path] += YAML::Dump(item) + ";";
        continue;
      }
      for (const auto& kv : item) out[path + "[]." + kv.first.as<std::string>()] += YAML::Dump(kv.second) + ";";
    }
  } else {
    out[path] = n.IsNull() ? "" : n.as<std::string>();
  }
}

}  // namespace

std::vector<std::string> differing_parameters(const std::string& yaml_a, const std::string& yaml_b) {
  std::map<std::string, std::string> a, b;
  try {
    flatten(YAML::Load(yaml_a), "", a);
    flatten(YAML::Load(yaml_b), "", b);
  } catch (const YAML::Exception&) {
    return {};
  }
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  std::vector<std::string> out;
  for (const auto& k : keys) {
    auto x = a.find(k), y = b.find(k);
    if (x == a.end() || y == b.end() || x->second != y->second) out.push_back(k);
  }
  return out;
}

std::vector<std::size_t> classes_of(const std::vector<std::string>& parameters) {
  std::set<std::size_t> found;
  const auto& classes = lever_classes();
  for (const auto& p : parameters) {
    std::size_t best = 0, best_length = 0;
    for (std::size_t c = 0; c < classes.size(); ++c)
      for (const auto& lever : classes[c].levers) {
        const bool match = p.rfind(lever, 0) == 0 && (p.size() == lever.size() || lever.back() == '.' ||
                                                      p[lever.size()] == '.' || p[lever.size()] == '_');
        if (match && lever.size() > best_length) best = c, best_length = lever.size();
      }
    if (best_length > 0) found.insert(best);
  }
  return {found.begin(), found.end()};
}

namespace {

// A headline value of the i-th replicate of a scenario (NaN when absent).
double at(const ScenarioSummary& s, const std::string& name, std::size_t i) {
  auto it = s.headline.find(name);
  return it != s.headline.end() && i < it->second.size() ? it->second[i] : kNaN;
}

// The mean of a headline over the replicates (NaN values left out; NaN when absent).
double mean_of(const ScenarioSummary& s, const std::string& name) {
  auto it = s.headline.find(name);
  return it == s.headline.end() ? kNaN : summarize(it->second).mean;
}

// Paired differences b - a of a per-replicate quantity f(scenario, i), replicate by replicate.
std::vector<double> paired(const ScenarioSummary& a, const ScenarioSummary& b,
                           const std::function<double(const ScenarioSummary&, std::size_t)>& f) {
  std::vector<double> d;
  for (std::size_t i = 0; i < a.replicates.size(); ++i)
    for (std::size_t j = 0; j < b.replicates.size(); ++j)
      if (a.replicates[i] == b.replicates[j]) d.push_back(f(b, j) - f(a, i));
  return d;
}

// The amount of an outcome per person ever present in a replicate (discounted).
double outcome_per_person(const ScenarioSummary& s, std::size_t i, const IcerOutcome& o) {
  const double amount = at(s, out::name(o.amount), i), persons = at(s, "persons_total", i);
  if (std::isnan(amount) || !(persons > 0)) return kNaN;
  return amount / persons;
}

// Decimals for numbers of this size: 0 from 100, 1 from 10, 2 from 1, two significant digits below.
int decimals_for(double largest) {
  const double m = std::fabs(largest);
  if (m >= 100 || m == 0 || std::isnan(m)) return 0;
  return m >= 10 ? 1 : m >= 1 ? 2 : 1 - static_cast<int>(std::floor(std::log10(m)));
}

std::string signed_number(double x) {
  return format_number(x, decimals_for(x), true);
}

// Why an outcome's ratio is n/a before any arithmetic: missing, horizon, too few counted.
std::string outcome_problem(const ScenarioSummary& a, const ScenarioSummary& b, const IcerOutcome& o) {
  const out::OutputSpec& spec = out::spec(o.indicator);
  for (const ScenarioSummary* s : {&a, &b}) {
    if (!s->headline.count(spec.name) || !s->headline.count(spec.name + "_n") || !s->headline.count(out::name(o.amount)))
      return "not in the results";
    if (spec.window > 0 && s->weeks > 0 && s->weeks < spec.window) return undefined_reason(*s, spec.name);
  }
  for (const ScenarioSummary* s : {&a, &b})
    if (const double n = mean_of(*s, spec.name + "_n"); too_few(n)) return too_few_reason(n, s == &a ? a.name : "");
  return "";
}

ValueRow icer_row(const ScenarioSummary& a, const ScenarioSummary& b, const IcerOutcome& o) {
  const out::OutputSpec& spec = out::spec(o.indicator);
  ValueRow row;
  row.indicator = "icer_" + spec.name;
  row.unit = std::string("euro/") + o.unit;
  row.label = o.label;
  row.value.n = 0;
  row.value.mean = row.value.sd = row.value.ci_low = row.value.ci_high = kNaN;
  row.na = outcome_problem(a, b, o);
  if (!row.na.empty()) return row;
  const auto cost = paired(a, b, [](const ScenarioSummary& s, std::size_t i) { return at(s, "cost_per_person", i); });
  const auto effect =
      paired(a, b, [&](const ScenarioSummary& s, std::size_t i) { return outcome_per_person(s, i, o); });
  const Icer r = icer(cost, effect, spec.direction());
  row.status = r.status;
  if (r.status == CostEffect::Undefined) {
    row.na = r.ratio.n < 2 ? "fewer than two replicate pairs" : "no outcome difference";
    row.value.n = r.ratio.n;
  } else {
    row.value = r.ratio;
  }
  if (r.cost.n > 0)
    row.detail = "per 1,000 people in the run: " + signed_number(1000 * r.cost.mean) + " euro, " +
                 signed_number(1000 * r.effect.mean) + " " + o.units;
  return row;
}

ValueRow offset_row(const ScenarioSummary& a, const ScenarioSummary& b) {
  ValueRow row;
  row.indicator = "cost_offset";
  row.unit = "share";
  row.share = true;
  row.value.n = 0;
  row.value.mean = row.value.sd = row.value.ci_low = row.value.ci_high = kNaN;
  row.label = "Share of the extra cost of the programme offset by savings elsewhere";
  const std::vector<std::size_t> classes = classes_of(differing_parameters(a.resolved_yaml, b.resolved_yaml));
  if (classes.empty()) {
    row.na = "no programme lever differs";
    return row;
  }
  std::vector<std::string> series;
  std::string programme;
  for (std::size_t c : classes) {
    const LeverClass& lc = lever_classes()[c];
    programme += (programme.empty() ? "" : " and ") + std::string(lc.programme_label);
    for (S id : lc.programme) series.push_back(out::name(id));
  }
  row.label = "Share of the extra cost of " + programme + " offset by savings elsewhere";
  for (const auto& x : series)
    if (!a.cost_totals.count(x) || !b.cost_totals.count(x)) {
      row.na = "no weekly costs in the results";
      return row;
    }
  auto programme_per_person = [&](const ScenarioSummary& s, std::size_t i) {
    double c = 0;
    for (const auto& x : series) c += i < s.cost_totals.at(x).size() ? s.cost_totals.at(x)[i] : kNaN;
    return c / at(s, "persons_total", i);
  };
  const auto dp = paired(a, b, programme_per_person);
  const auto saved = paired(a, b, [&](const ScenarioSummary& s, std::size_t i) {
    return programme_per_person(s, i) - at(s, "cost_per_person", i);  // minus the cost elsewhere
  });
  const out::Summary p = summarize(dp);
  row.value = fieller(saved, dp);
  row.status = CostEffect::Ratio;
  std::string payers;  // the payers' differences, from their headlines
  for (const char* payer : {"social services", "housing", "health", "justice"}) {
    std::string id = std::string("cost_per_person_") + payer;
    std::replace(id.begin(), id.end(), ' ', '_');
    const double d =
        summarize(paired(a, b, [&](const ScenarioSummary& s, std::size_t i) { return at(s, id, i); })).mean;
    if (!std::isnan(d)) payers += (payers.empty() ? "" : ", ") + std::string(payer) + " " + signed_number(d);
  }
  row.detail = "the programme: " + programme + ", " + signed_number(p.mean) + " euro per person" +
               (payers.empty() ? "" : "; by payer: " + payers + " euro per person");
  if (std::isnan(row.value.ci_low) || p.mean <= 0) {
    row.na = std::isnan(row.value.ci_low) ? "no difference in the programme's cost" : "the programme's cost falls";
    row.status = CostEffect::Undefined;
    const int n = row.value.n;
    row.value.mean = row.value.ci_low = row.value.ci_high = kNaN;
    row.value.n = n;
  }
  return row;
}

}  // namespace

std::vector<ValueRow> value_for_money(const ScenarioSummary& a, const ScenarioSummary& b) {
  for (const ScenarioSummary* s : {&a, &b})
    if (!s->headline.count("cost_per_person") || !s->headline.count("persons_total")) return {};
  std::vector<ValueRow> rows;
  for (const auto& o : icer_outcomes()) rows.push_back(icer_row(a, b, o));
  rows.push_back(offset_row(a, b));
  if (a.seed != b.seed)
    for (auto& r : rows) {
      r.na = "unpaired: the ratios need the scenarios' replicates paired (the same seed)";
      r.status = CostEffect::Undefined;
      r.value.mean = r.value.ci_low = r.value.ci_high = kNaN;
      r.detail.clear();
    }
  return rows;
}

std::string value_for_money_section(const std::vector<ScenarioSummary>& s, const std::vector<std::string>& names,
                                    bool markdown) {
  if (s.size() < 2) return "";
  std::vector<std::vector<ValueRow>> rows;  // [scenario - 1][row]
  for (std::size_t i = 1; i < s.size(); ++i) rows.push_back(value_for_money(s[0], s[i]));
  if (std::any_of(rows.begin(), rows.end(), [](const auto& r) { return r.empty(); })) return "";
  auto value_text = [](const ValueRow& r) {
    if (!r.na.empty()) return "n/a (" + r.na + ")";
    const double k = r.share ? 100 : 1;
    const int dec =
        r.share
            ? 0
            : decimals_for(std::max({std::fabs(r.value.mean), std::fabs(r.value.ci_low), std::fabs(r.value.ci_high)}));
    const std::string pct = r.share ? "%" : "";
    return format_number(r.value.mean * k, dec) + pct + " [" + format_number(r.value.ci_low * k, dec) + ", " +
           format_number(r.value.ci_high * k, dec) + "]";
  };
  std::ostringstream os;
  const std::string intro =
      "Each scenario against " + s[0].name +
      ": the extra cost per additional unit of an outcome (ICER), cost and outcome both per person in the run and "
      "paired by replicate; the public payers' costs in 2019 euro; costs and outcomes beyond the first year "
      "discounted (economics.discount_rate, 3% a year by default); 95% intervals by Fieller's "
      "theorem. dominant: costs less and achieves more, dominated: costs more and achieves less (both intervals "
      "exclude zero); n/a (no outcome difference): the outcome's interval includes zero. The offset is the other "
      "payers' saving over the increase in the programme's cost. Method: docs/economics.md.";
  if (markdown) {
    os << "\n## Value for money\n\n"
       << intro << "\n\n| ratio | scenario | value [95% CI] | verdict | difference |\n"
       << "|---|---|---|---|---|\n";
  } else {
    os << "\nValue for money\n\n" << wrap(intro) << "\n";
  }
  for (std::size_t k = 0; k < rows[0].size(); ++k) {
    const ValueRow& first = rows[0][k];
    const std::string title = first.share ? "Share of the programme's extra cost offset by savings elsewhere (%)"
                                          : first.label + " (" + first.unit + ")";
    if (markdown) {
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const ValueRow& r = rows[i][k];
        os << "| " << (i == 0 ? markdown_cell(title) : "") << " | " << names[i + 1] << " | "
           << markdown_cell(value_text(r)) << " | " << cost_effect_name(r.status) << " | " << markdown_cell(r.detail)
           << " |\n";
      }
      continue;
    }
    // Text: the offset's long detail goes below the rows, the ratios' beside them.
    std::vector<std::vector<std::string>> table;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const ValueRow& r = rows[i][k];
      std::string note = cost_effect_name(r.status);
      if (!r.share && !r.detail.empty()) note += (note.empty() ? "" : "; ") + r.detail;
      table.push_back({names[i + 1], value_text(r), note});
    }
    os << wrap(title) << cell_table(table, TableFormat::Text, "  ");
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (rows[i][k].share && !rows[i][k].detail.empty())
        os << "  " << wrap(names[i + 1] + ": " + rows[i][k].detail, 94, 4);
    os << "\n";
  }
  return os.str();
}

}  // namespace percorsi
