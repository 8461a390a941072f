// The output table (sim/registry/outputs.def): complete entries, allowed units, and agreement with
// what the engine records, both ways: every series, headline and person column of a run is in
// the table, and every entry of the table is in the run (with the table's order and type).
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "output/dictionary.hpp"
#include "sim/registry/outputs.hpp"
#include "sim/engine/world.hpp"
#include "sim/stats/stats.hpp"

using namespace percorsi;
using out::OutputKind;

namespace {
const std::string kSrc = PERCORSI_SOURCE_DIR;

std::vector<std::string> table_names(OutputKind k) {
  std::vector<std::string> v;
  for (const auto* o : out::outputs_of(k)) v.push_back(o->name);
  return v;
}

// A short run of a shipped scenario: every series, column and headline is written whatever
// the horizon (headlines with an empty denominator are NaN).
out::ReplicateResult short_run(const std::string& file, int weeks) {
  Scenario sc = load_scenario(kSrc + "/scenarios/" + file);
  World w(sc, 0);
  for (int k = 0; k < weeks; ++k) w.step();
  return w.results();
}
}  // namespace

TEST(Outputs, EveryEntryIsComplete) {
  const auto& units = out::allowed_units();
  for (const auto& o : out::outputs()) {
    const std::string what = std::string(out::output_kind_name(o.kind)) + " " + o.name;
    EXPECT_FALSE(o.label.empty()) << what;
    EXPECT_FALSE(o.counted.empty()) << what;
    EXPECT_FALSE(o.definition.empty()) << what;
    EXPECT_NE(std::find(units.begin(), units.end(), o.unit), units.end()) << what << ": unit '" << o.unit
                                                                          << "' is not in out::allowed_units()";
    EXPECT_TRUE(o.better == out::Better::Higher || o.better == out::Better::Lower || o.better == out::Better::Neither)
        << what;
    // Series and headlines are compared between scenarios: each has a minimum important difference
    // (but the sizes of denominators, <name>_n, which are shown, not compared).
    if (o.is_companion()) {
      EXPECT_TRUE(std::isnan(o.mid)) << what;
    }
    if (o.kind != OutputKind::Person && !o.is_companion()) {
      EXPECT_FALSE(std::isnan(o.mid)) << what << ": no minimum important difference";
      EXPECT_EQ(o.type, out::OutputType::Float64) << what;
    }
    if (!std::isnan(o.mid)) {
      EXPECT_GT(o.mid, 0) << what;
    }
    // A share or a mean over people has a denominator; a count or a total does not.
    if (o.unit == "share") {
      EXPECT_NE(o.denominator, out::Denominator::None) << what;
    }
    for (char c : o.name) EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_') << what;
    EXPECT_EQ(o.label.find('|'), std::string::npos) << what;
  }
}

TEST(Outputs, NamesAreUniqueWithinAKindAndIdsFollowTheTable) {
  for (OutputKind k : {OutputKind::Series, OutputKind::Headline, OutputKind::Person}) {
    const auto names = table_names(k);
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size()) << out::output_kind_name(k);
    EXPECT_EQ(out::output_names(k), names);
  }
  EXPECT_EQ(out::outputs_of(OutputKind::Series).size(), out::kSeriesCount);
  EXPECT_EQ(out::outputs_of(OutputKind::Headline).size(), out::kHeadlineCount);
  EXPECT_EQ(out::outputs_of(OutputKind::Person).size(), out::kColumnCount);
  EXPECT_EQ(out::name(out::Series::housing_street), "housing_street");
  EXPECT_EQ(out::id_name(out::Series::cost_total), "cost_total");
  EXPECT_EQ(out::name(out::Headline::stably_housed_12m), "stably_housed_12m");
  EXPECT_EQ(out::name(out::Column::weeks_case_closed), "weeks_case_closed");
  EXPECT_EQ(out::find_output(OutputKind::Headline, "days_to_stable_housing")->denominator, out::Denominator::Policy);
  EXPECT_EQ(out::find_output(OutputKind::Headline, "nope"), nullptr);
}

TEST(Outputs, EngineRecordsExactlyTheTable) {
  for (const char* file : {"piemonte/housing_first.yaml", "toscana/cpi_marginal.yaml", "piemonte/family_care.yaml"}) {
    const auto r = short_run(file, 30);
    SCOPED_TRACE(file);
    // Weekly series: the table's, in its order, and every value of every week recorded.
    EXPECT_EQ(World::series_names(), table_names(OutputKind::Series));
    std::vector<std::string> weekly;
    for (const auto& s : r.weekly) {
      weekly.push_back(s.name);
      EXPECT_EQ(s.values.size(), static_cast<std::size_t>(30 * r.territories.size())) << s.name;
      for (double v : s.values)
        if (std::isnan(v)) {
          ADD_FAILURE() << "series " << s.name << " is in the table but the engine left it unrecorded in some week";
          break;
        }
    }
    EXPECT_EQ(weekly, table_names(OutputKind::Series));
    // Person columns: the table's, in its order, with its types.
    std::vector<std::string> cols;
    for (const auto& c : r.persons) {
      cols.push_back(c.name);
      const auto* o = out::find_output(OutputKind::Person, c.name);
      ASSERT_NE(o, nullptr) << "person column " << c.name << " is not in sim/registry/outputs.def";
      EXPECT_EQ(c.is_int, o->type == out::OutputType::Int32) << c.name;
    }
    EXPECT_EQ(cols, table_names(OutputKind::Person));
    // Headline indicators: the table's (the results hold them by name); those of the family-care
    // model (fc_*) only with it, so that the tables of the other scenarios stay as they were.
    std::set<std::string> heads;
    for (const auto& [k, v] : r.headline) heads.insert(k);
    const bool family_care = std::string(file) == "piemonte/family_care.yaml";
    std::set<std::string> want;
    for (const auto& n : table_names(OutputKind::Headline))
      if (family_care || n.rfind("fc_", 0) != 0) want.insert(n);
    EXPECT_EQ(heads, want);
  }
}

// Loops over states write runs of ids (their names are checked by static_assert in
// sim/engine/accounting.cpp); this recounts the states from the persons after a week and compares
// with the series named for each state, so that swapping two series' ids fails here.
TEST(Outputs, StateSeriesEqualARecountOfThePersons) {
  Scenario sc = load_scenario(kSrc + "/scenarios/piemonte/step_model.yaml");
  World w(sc, 0);
  for (int k = 0; k < 12; ++k) w.step();
  const auto r = w.results();
  const auto& P = w.persons();
  const std::size_t T = r.territories.size();
  struct Group {
    out::Series first;
    int states;
    const std::vector<std::uint8_t>* state;
  };
  for (const Group& g : {Group{out::Series::housing_street, kHousingStates, &P.housing},
                         Group{out::Series::case_unknown, kCaseStates, &P.kase},
                         Group{out::Series::work_inactive, kWorkStates, &P.work}}) {
    std::vector<double> count(static_cast<std::size_t>(g.states) * T, 0.0);
    for (std::size_t p = 0; p < P.size(); ++p)
      if (P.active(p)) count[(*g.state)[p] * T + P.territory[p]] += 1;
    for (int k = 0; k < g.states; ++k) {
      const auto& v = r.weekly[static_cast<std::size_t>(g.first + k)].values;
      for (std::size_t t = 0; t < T; ++t)
        EXPECT_EQ(v[11 * T + t], count[k * T + t]) << r.weekly[static_cast<std::size_t>(g.first + k)].name << " territory " << t;
    }
  }
}

// The data dictionary's rows for these datasets come from the table, and only from it: the
// hand-written CSV holds none of them.
TEST(Outputs, DictionaryRowsComeFromTheTable) {
  const auto& dict = out::dictionary();
  const std::string rep = "/scenarios/{scenario}/replicates/{replicate}";
  auto row = [&](const std::string& path) {
    const auto* e = out::find_entry(dict, path);
    EXPECT_NE(e, nullptr) << path;
    return e;
  };
  for (const auto& o : out::outputs()) {
    const std::string sub = o.kind == OutputKind::Series ? "/weekly/" : o.kind == OutputKind::Person ? "/persons/" : "/headline/";
    const auto* e = row(rep + sub + o.name);
    if (!e) continue;
    EXPECT_EQ(e->unit, o.unit) << o.name;
    EXPECT_EQ(e->type, out::output_type_name(o.type)) << o.name;
    EXPECT_EQ(e->meaning.rfind(o.definition, 0), 0u) << o.name;
    if (o.kind == OutputKind::Headline) {
      for (const char* a : {"", "@mean", "@sd", "@ci_low", "@ci_high", "@n"}) row("/scenarios/{scenario}/summary/" + o.name + a);
    }
  }
  std::set<std::string> table_paths;
  for (const auto& o : out::outputs()) {
    const std::string sub = o.kind == OutputKind::Series ? "/weekly/" : o.kind == OutputKind::Person ? "/persons/" : "/headline/";
    table_paths.insert(rep + sub + o.name);
    if (o.kind == OutputKind::Headline) table_paths.insert("/scenarios/{scenario}/summary/" + o.name);
  }
  std::ifstream f(kSrc + "/output/dictionary.csv");
  std::stringstream csv;
  csv << f.rdbuf();
  const auto file_rows = out::parse_dictionary_csv(csv.str());
  for (const auto& e : file_rows)
    EXPECT_EQ(table_paths.count(e.path.substr(0, e.path.find('@'))), 0u)
        << "output/dictionary.csv declares " << e.path << ", which the output table already declares";
  EXPECT_EQ(dict.size(), file_rows.size() + out::kSeriesCount + out::kColumnCount + 7 * out::kHeadlineCount);
}

// One verdict per cost: the minimum important difference of every cost (a unit in euro) is the
// same share of the first scenario's mean (sim/registry/outputs.def, docs/outputs.md), so that a change
// in spending gets the same verdict per person, per person-year, per territory-week and in total.
TEST(Outputs, EveryCostHasTheSameRelativeMid) {
  constexpr double kCostMid = 0.02;  // 2% of the first scenario's mean
  int costs = 0;
  for (const auto& o : out::outputs()) {
    const std::string what = std::string(out::output_kind_name(o.kind)) + " " + o.name;
    const bool cost = o.unit.rfind("euro", 0) == 0;
    EXPECT_EQ(o.mid_relative, cost) << what << ": only costs, and every cost, have a relative MID";
    if (!cost) continue;
    ++costs;
    EXPECT_EQ(o.mid, kCostMid) << what;
    EXPECT_EQ(out::mid_text(o), "2%") << what;
  }
  EXPECT_GE(costs, 26);  // 16 weekly cost series, 9 headlines, the person column
  // The case of issue 23: +434 euro per person and +303 euro per person-year are the same change
  // in spending (both +3.1% of the first scenario's 14,118 and 9,855) and get the same verdict.
  const auto& per_person = out::spec(out::Headline::cost_per_person);
  const auto& per_year = out::spec(out::Headline::cost_per_person_year);
  EXPECT_DOUBLE_EQ(per_person.mid_against(14118), 282.36);
  EXPECT_DOUBLE_EQ(per_person.mid_against(-14118), 282.36);  // of the size of the reference
  auto diff = [](double m, double lo, double hi) {
    out::Summary s;
    s.n = 10, s.mean = m, s.ci_low = lo, s.ci_high = hi;
    return s;
  };
  EXPECT_EQ(verdict(diff(434, 408, 459), per_person.mid_against(14118)), Verdict::Important);
  EXPECT_EQ(verdict(diff(303, 285, 320), per_year.mid_against(9855)), Verdict::Important);
  // And +108 per person with +54 per person-year (0.7% of 15,603 and 7,887): both negligible.
  EXPECT_EQ(verdict(diff(108, 93, 122), per_person.mid_against(15603)), Verdict::Negligible);
  EXPECT_EQ(verdict(diff(54, 47, 61), per_year.mid_against(7887)), Verdict::Negligible);
  // Other indicators keep their MID in their unit.
  EXPECT_EQ(out::spec(out::Headline::stably_housed_12m).mid_against(0.14), 0.02);
}

// A headline's window is the weeks of run it needs before anyone can be counted (the n/a reason
// "horizon too short" rests on it): a run one week shorter counts no one. For the indicators of
// the people "at entry observed N weeks after entry", the window is N, and a run of N weeks
// counts some.
TEST(Outputs, HeadlineWindowsAreTheWeeksTheirDefinitionsNeed) {
  Scenario sc = load_scenario(kSrc + "/scenarios/piemonte/baseline.yaml");
  sc.set("warmup", "0 weeks");
  sc.set("scale", "0.3");
  const std::regex observed_after("at entry observed ([0-9]+) weeks after entry");
  std::map<std::string, int> stated;  // N of "observed N weeks after entry"
  std::set<int> looks;
  for (const auto* o : out::outputs_of(OutputKind::Headline)) {
    std::smatch m;
    if (!o->is_companion() && std::regex_search(o->counted, m, observed_after)) {
      stated[o->name] = std::stoi(m[1]);
      looks.insert(stated[o->name] - 1), looks.insert(stated[o->name]);
    }
    if (o->window > 0) looks.insert(o->window - 1), looks.insert(o->window);
  }
  ASSERT_GE(stated.size(), 5u) << "stably housed 12 and 24 months, employed 12 and 24 months, any job in 18 months";
  ASSERT_LE(*looks.rbegin(), sc.weeks()) << "the scenario's horizon covers every window";
  std::map<int, out::ReplicateResult> at;
  World w(sc, 0);
  for (int k = 1; k <= *looks.rbegin(); ++k) {
    w.step();
    if (looks.count(k)) at[k] = w.results();
  }
  // The size of a denominator after `weeks` weeks (an indicator of a model the scenario leaves
  // off, family care, is not recorded: no one counted).
  auto counted = [&](const out::OutputSpec* n, int weeks) {
    const auto& h = at.at(weeks).headline;
    const auto it = h.find(n->name);
    return it == h.end() || std::isnan(it->second) ? 0.0 : it->second;
  };
  for (const auto* o : out::outputs_of(OutputKind::Headline)) {
    const auto* n = o->denominator_output();
    if (o->window > 0 && n != nullptr) {
      EXPECT_EQ(counted(n, o->window - 1), 0) << o->name << " counts people after " << o->window - 1
                                              << " weeks, but its window is " << o->window;
    }
    if (!stated.count(o->name)) continue;
    const int weeks = stated.at(o->name);
    EXPECT_EQ(o->window, weeks) << o->name << " counts people observed " << weeks << " weeks after entry";
    ASSERT_NE(n, nullptr) << o->name;
    ASSERT_TRUE(at.at(weeks).headline.count(n->name)) << n->name;
    EXPECT_EQ(counted(n, weeks - 1), 0) << o->name;
    EXPECT_GT(counted(n, weeks), 0) << o->name << " counts no one after " << weeks << " weeks";
  }
}
