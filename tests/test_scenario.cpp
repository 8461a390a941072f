// Scenario files: registry validation, extends, units, errors with file:line:column.
#include <gtest/gtest.h>

#include <set>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "sim/registry/scenario.hpp"
#include "tests/shipped_scenarios.hpp"

using namespace percorsi;
namespace fs = std::filesystem;

namespace {
const std::string kSrc = PERCORSI_SOURCE_DIR;
const std::string kMinimal = "seed: 1\nterritories:\n  - {name: A}\n";

std::string error_of(const std::string& text, const std::string& file = "t.yaml") {
  try {
    parse_scenario(text, file);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

fs::path temp_dir() {
  auto d = fs::temp_directory_path() / ("percorsi-scn-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::create_directories(d);
  return d;
}
void write(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }
}  // namespace

TEST(Scenario, ShippedScenariosLoad) {
  int n = 0;
  for (const auto& f : shipped::scenario_files(kSrc + "/scenarios")) {
    EXPECT_NO_THROW(load_scenario(kSrc + "/scenarios/" + f)) << f;
    ++n;
  }
  EXPECT_GE(n, 4);
}

TEST(Scenario, DefaultsComeFromTheRegistry) {
  const Scenario s = parse_scenario(kMinimal, "t.yaml");
  EXPECT_EQ(s.replicates(), 10);
  EXPECT_EQ(s.weeks(), 104);
  EXPECT_DOUBLE_EQ(s[G::costs_housing_first_per_day], 26);
  EXPECT_DOUBLE_EQ(s[G::costs_dormitory_per_day], 19);
  EXPECT_EQ(s.territories.size(), 1u);
  EXPECT_DOUBLE_EQ(s.territories[0][T::initial_population], 100);
}

TEST(Scenario, UnknownKeyNamesLineColumnAndSuggests) {
  const std::string e = error_of("seed: 1\nhousing:\n  modle: step\nterritories:\n  - {name: A}\n");
  EXPECT_NE(e.find("t.yaml:3:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'housing.modle'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'housing.model'"), std::string::npos) << e;
  const std::string e2 = error_of("seed: 1\nterritories:\n  - {name: A, shelter_bed: 3}\n");
  EXPECT_NE(e2.find("t.yaml:3:15:"), std::string::npos) << e2;
  EXPECT_NE(e2.find("did you mean 'shelter_beds'"), std::string::npos) << e2;
}

TEST(Scenario, WrongTypeAndOutOfRange) {
  std::string e = error_of("seed: 1\nreplicates: many\nterritories:\n  - {name: A}\n");
  EXPECT_NE(e.find("t.yaml:2:13:"), std::string::npos) << e;
  EXPECT_NE(e.find("expects an integer"), std::string::npos) << e;
  e = error_of("seed: 1\ncase:\n  caseload: 0.5\nterritories:\n  - {name: A}\n");
  EXPECT_NE(e.find("t.yaml:3:13:"), std::string::npos) << e;
  EXPECT_NE(e.find("out of range"), std::string::npos) << e;
  EXPECT_NE(e.find("[1, 200]"), std::string::npos) << e;
  e = error_of("seed: 1\nhousing:\n  model: housing-first\nterritories:\n  - {name: A}\n");
  EXPECT_NE(e.find("must be one of: step, housing_first, mixed"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'housing_first'"), std::string::npos) << e;
  e = error_of("seed: 1\nhousing: [1, 2]\nterritories:\n  - {name: A}\n");
  EXPECT_NE(e.find("t.yaml:2:1:"), std::string::npos) << e;
}

TEST(Scenario, RequiredSeedAndTerritories) {
  EXPECT_NE(error_of("territories:\n  - {name: A}\n").find("missing required key 'seed'"), std::string::npos);
  EXPECT_NE(error_of("seed: 1\n").find("at least one territory"), std::string::npos);
  EXPECT_NE(error_of("seed: 1\nterritories:\n  - {name: A}\n  - {name: A}\n").find("listed twice"), std::string::npos);
}

TEST(Scenario, MalformedYaml) {
  const std::string e = error_of("seed: 1\nterritories: [\n  - {name: A\n");
  EXPECT_NE(e.find("malformed YAML"), std::string::npos) << e;
  EXPECT_EQ(e.rfind("t.yaml:", 0), 0u) << e;
}

TEST(Scenario, Durations) {
  double w = 0;
  ASSERT_TRUE(parse_duration("26 weeks", w));
  EXPECT_DOUBLE_EQ(w, 26);
  ASSERT_TRUE(parse_duration("6 months", w));
  EXPECT_DOUBLE_EQ(w, 26);
  ASSERT_TRUE(parse_duration("2 years", w));
  EXPECT_DOUBLE_EQ(w, 104);
  ASSERT_TRUE(parse_duration("14 days", w));
  EXPECT_DOUBLE_EQ(w, 2);
  ASSERT_TRUE(parse_duration("1 week", w));
  EXPECT_DOUBLE_EQ(w, 1);
  EXPECT_FALSE(parse_duration("5", w));
  EXPECT_FALSE(parse_duration("5 fortnights", w));
  EXPECT_FALSE(parse_duration("soon", w));
  const std::string e = error_of("seed: 1\nhorizon: 12\nterritories:\n  - {name: A}\n");
  EXPECT_NE(e.find("expects a duration with a unit"), std::string::npos) << e;
}

TEST(Scenario, EventDatesResolveAgainstStartDate) {
  const Scenario s = parse_scenario(kMinimal + "start_date: 2019-01-07\nevents:\n"
                                                "  - {name: x, start: 2020-03-09, end: 2020-07-06, factor: 0.5}\n",
                                    "t.yaml");
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_DOUBLE_EQ(s.events[0][E::start], 61);  // 427 days
  EXPECT_DOUBLE_EQ(s.events[0][E::end], 78);
  EXPECT_NE(error_of(kMinimal + "events:\n  - {name: x, start: 10 weeks, end: 5 weeks}\n").find("ends"), std::string::npos);
  EXPECT_NE(error_of(kMinimal + "events:\n  - {name: x, start: 2019-02-30, end: 5 weeks}\n").find("not a valid date"),
            std::string::npos);
}

// A date is the days from start_date over 7: a date in the middle of a week is a part week (an
// event from Wednesday 2020-03-11 is in force from the first whole week after it), never the
// week's start or end.
TEST(Scenario, DatesWithinAWeekKeepTheirDays) {
  const Scenario s = parse_scenario(kMinimal + "start_date: 2019-01-07\nevents:\n"
                                                "  - {name: x, start: 2020-03-11, end: 2020-07-09, factor: 0.5}\n",
                                    "t.yaml");
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_DOUBLE_EQ(s.events[0][E::start], 429 / 7.0);  // 61 weeks and 2 days
  EXPECT_DOUBLE_EQ(s.events[0][E::end], 549 / 7.0);    // 78 weeks and 3 days
  long d0 = 0, d1 = 0;
  ASSERT_TRUE(days_of_date("2019-01-07", d0));
  ASSERT_TRUE(days_of_date("2020-03-11", d1));
  EXPECT_EQ(d1 - d0, 429);
  EXPECT_EQ(date_of_days(d1), "2020-03-11");
}

// compare --align: a run restricted to a calendar window keeps its events on their dates,
// clips the one that straddles the window's start, drops those outside it or on a dropped
// territory, and keeps the named territories in the order given.
TEST(Scenario, RestrictToACalendarWindow) {
  Scenario s = parse_scenario(
      "seed: 1\nhorizon: 156 weeks\nstart_date: 2019-01-07\nterritories:\n  - {name: A, shelter_beds: 7}\n"
      "  - {name: B}\n  - {name: C}\nevents:\n"
      "  - {name: early, start: 2 weeks, end: 10 weeks, factor: 0.5}\n"
      "  - {name: straddle, start: 40 weeks, end: 60 weeks, factor: 0.5}\n"
      "  - {name: dated, start: 2020-03-09, end: 2020-07-06, factor: 0.5}\n"
      "  - {name: on_b, start: 60 weeks, end: 70 weeks, territory: B, factor: 0.5}\n"
      "  - {name: open, start: 100 weeks, end: open, factor: 0.5}\n"
      "  - {name: late, start: 150 weeks, end: 152 weeks, factor: 0.5}\n",
      "t.yaml");
  const auto notes = s.restrict_to("2019-11-04", 100, {"C", "A"});  // 43 weeks later
  EXPECT_EQ(s.at(G::start_date).text, "2019-11-04");
  EXPECT_EQ(s.weeks(), 100);
  ASSERT_EQ(s.territories.size(), 2u);
  EXPECT_EQ(s.territory_name(0), "C");
  EXPECT_EQ(s.territory_name(1), "A");
  EXPECT_EQ(s.territories[1][T::shelter_beds], 7);
  std::vector<std::string> names;
  for (const auto& e : s.events) names.push_back(e.at(E::name).text);
  EXPECT_EQ(names, (std::vector<std::string>{"straddle", "dated", "open"}));
  EXPECT_DOUBLE_EQ(s.events[0][E::start], 0);       // began 3 weeks before the window
  EXPECT_DOUBLE_EQ(s.events[0][E::end], 60 - 43);
  EXPECT_DOUBLE_EQ(s.events[1][E::start], 61 - 43);  // 2020-03-09, on its date
  EXPECT_DOUBLE_EQ(s.events[1][E::end], 78 - 43);
  EXPECT_DOUBLE_EQ(s.events[2][E::start], 100 - 43);
  EXPECT_EQ(s.events[2].at(E::end).text, "open");
  std::string all;
  for (const auto& n : notes) all += n + "\n";
  for (const char* want : {"starts on 2019-11-04", "runs 100 weeks", "territory B left out", "event 'early' left out",
                           "event 'on_b' left out", "event 'late' left out", "'straddle' begins with the common window"})
    EXPECT_NE(all.find(want), std::string::npos) << want << "\n" << all;
  // The resolved scenario loads back as the same run.
  const Scenario back = parse_scenario(s.to_yaml(), "back.yaml");
  EXPECT_EQ(back.to_yaml(), s.to_yaml());
  // A window outside the run, or a territory it lacks, is refused.
  Scenario t = parse_scenario(kMinimal + "horizon: 52 weeks\nstart_date: 2019-01-07\n", "t.yaml");
  EXPECT_THROW(t.restrict_to("2018-12-31", 10, {"A"}), ScenarioError);
  EXPECT_THROW(t.restrict_to("2019-01-07", 53, {"A"}), ScenarioError);
  EXPECT_THROW(t.restrict_to("2019-01-07", 10, {"Z"}), ScenarioError);
  EXPECT_EQ(t.weeks(), 52);  // a refused window changes nothing
  EXPECT_TRUE(t.restrict_to("2019-01-07", 52, {"A"}).empty());  // nothing to change
}

TEST(Scenario, ExtendsMergesAndDetectsCycles) {
  const fs::path d = temp_dir();
  write(d / "base.yaml", "seed: 7\nreplicates: 3\nterritories:\n  - {name: A, shelter_beds: 10}\n  - {name: B}\n");
  write(d / "child.yaml", "extends: base.yaml\nname: child\nterritories:\n  - {name: A, hf_flats: 5}\n  - {name: C, new: true}\n");
  const Scenario s = load_scenario((d / "child.yaml").string());
  EXPECT_EQ(s.name(), "child");
  EXPECT_EQ(s.replicates(), 3);
  ASSERT_EQ(s.territories.size(), 3u);
  EXPECT_DOUBLE_EQ(s.territories[0][T::shelter_beds], 10);  // kept from base
  EXPECT_DOUBLE_EQ(s.territories[0][T::hf_flats], 5);       // overridden
  EXPECT_EQ(s.territory_name(2), "C");

  write(d / "a.yaml", "extends: b.yaml\nseed: 1\n");
  write(d / "b.yaml", "extends: a.yaml\nterritories:\n  - {name: A}\n");
  try {
    load_scenario((d / "a.yaml").string());
    FAIL() << "cycle not detected";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("cycle"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("b.yaml:1:10"), std::string::npos) << e.what();
  }
  write(d / "orphan.yaml", "extends: nowhere.yaml\nseed: 1\n");
  try {
    load_scenario((d / "orphan.yaml").string());
    FAIL() << "missing base not detected";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("orphan.yaml:1:10: base scenario"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_scenario((d / "missing.yaml").string()), ScenarioError);
  fs::remove_all(d);
}

TEST(Scenario, ResolvedYamlLoadsBackIdentically) {
  const Scenario s = load_scenario(kSrc + "/scenarios/piemonte/lockdown_2020.yaml");
  const Scenario r = parse_scenario(s.to_yaml(), "resolved.yaml");
  ASSERT_EQ(s.global.size(), r.global.size());
  for (const ParamSpec* p : params_of(Scope::Global)) {
    if (p->path == "extends") continue;  // resolved scenarios stand alone
    if (p->kind == Kind::Text) EXPECT_EQ(s.global[p->index].text, r.global[p->index].text) << p->path;
    else EXPECT_DOUBLE_EQ(s.global[p->index].num, r.global[p->index].num) << p->path;
  }
  ASSERT_EQ(s.territories.size(), r.territories.size());
  for (std::size_t t = 0; t < s.territories.size(); ++t)
    for (std::size_t k = 0; k < s.territories[t].v.size(); ++k)
      EXPECT_EQ(s.territories[t].v[k].num, r.territories[t].v[k].num);
  ASSERT_EQ(s.events.size(), r.events.size());
  EXPECT_DOUBLE_EQ(s.events[0][E::start], r.events[0][E::start]);
}

TEST(Scenario, SetValidatesLikeFiles) {
  Scenario s = parse_scenario(kMinimal, "t.yaml");
  s.set("housing.model", "housing_first");
  EXPECT_EQ(s[G::housing_model], 1);
  s.set("territories[].hf_flats", "12");
  EXPECT_DOUBLE_EQ(s.territories[0][T::hf_flats], 12);
  EXPECT_THROW(s.set("housing.model", "nope"), ScenarioError);
  EXPECT_THROW(s.set("housing.modle", "step"), ScenarioError);
  EXPECT_THROW(s.set("replicates", "0"), ScenarioError);
}

// One name from YAML to C++: a registry id is its YAML path with dots as underscores (the item
// key for territory and event keys), so that searching for a YAML key finds the code using it.
// A key that is a C++ keyword (`new`) takes a trailing underscore.
TEST(Registry, CppNamesAreTheYamlPaths) {
  for (const auto& p : registry()) {
    std::string expect = p.key();
    if (p.scope == Scope::Global) std::replace(expect.begin(), expect.end(), '.', '_');
    if (expect == "new") expect += "_";
    EXPECT_EQ(p.id, expect) << p.path;
  }
}

// Choice parameters are enums generated from the same table: their values follow the
// registry's choices in order, and a loaded file gives the enum of the written choice.
// The policy levers (levers.def) are parameters of the registry, each with its own words for a
// room, in the order of the file: the viewer's lever panel is this list.
TEST(Registry, LeversAreLabelledParametersInOrder) {
  const auto l = levers();
  ASSERT_GE(l.size(), 10u);
  EXPECT_EQ(l.front()->path, "housing.model");
  std::set<std::string> labels;
  for (std::size_t i = 0; i < l.size(); ++i) {
    EXPECT_EQ(l[i]->lever, static_cast<int>(i));
    EXPECT_FALSE(l[i]->label.empty()) << l[i]->path;
    EXPECT_NE(l[i]->label, l[i]->path) << "a lever's label is words, not its path";
    EXPECT_TRUE(labels.insert(l[i]->label).second) << "two levers labelled " << l[i]->label;
  }
  std::size_t labelled = 0;
  for (const auto& p : registry()) labelled += !p.label.empty();
  EXPECT_EQ(labelled, l.size()) << "only levers carry a label";
}

TEST(Registry, ChoiceEnumsFollowTheRegistry) {
  const Scenario s = parse_scenario(kMinimal + "housing: {model: mixed}\ncpi: {involvement: integrated}\n"
                                                "employment: {scouting: {strategy: non_profit}}\n"
                                                "events:\n  - {name: x, start: 1 week, end: 2 weeks, target: hiring}\n",
                                    "t.yaml");
  EXPECT_EQ(s.choice<G::housing_model>(), choice::housing_model::mixed);
  EXPECT_EQ(s.choice<G::cpi_involvement>(), choice::cpi_involvement::integrated);
  EXPECT_EQ(s.choice<G::employment_scouting_strategy>(), choice::employment_scouting_strategy::non_profit);
  EXPECT_EQ(s.events.at(0).choice<E::target>(), choice::target::hiring);
  for (const auto& p : registry()) {
    if (p.kind != Kind::Choice) continue;
    EXPECT_FALSE(p.choices.empty()) << p.path;
    for (const auto& c : p.choices) EXPECT_TRUE(!c.empty() && c.find_first_of(" ,()") == std::string::npos) << p.path << ": " << c;
  }
  const auto& target = *std::find_if(registry().begin(), registry().end(), [](const auto& p) { return p.path == "events[].target"; });
  EXPECT_EQ(target.choices[static_cast<int>(choice::target::hiring)], "hiring");
  EXPECT_EQ(target.choices[static_cast<int>(choice::target::activity)], "activity");
}

// ---------------------------------------------------------------------------------------------
// Safe scenario writing: mistakes users made that used to pass silently or with poor messages.

namespace {
std::vector<std::string> errors_of(const std::string& text, const std::string& file = "t.yaml") {
  try {
    parse_scenario(text, file);
  } catch (const ScenarioError& e) {
    return e.errors();
  }
  return {};
}
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
std::string load_error(const fs::path& p) {
  try {
    load_scenario(p.string());
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}
// A base of two cities and one event, for overrides.
void write_base(const fs::path& d) {
  write(d / "base.yaml", "seed: 7\nname: base\nterritories:\n  - {name: Novara, shelter_beds: 10}\n  - {name: Milano}\n"
                         "events:\n  - {name: lockdown, start: 10 weeks, end: 20 weeks, factor: 0.2}\n");
}
}  // namespace

TEST(ScenarioSafety, DuplicateKeysAreErrorsNamingBothPositions) {
  std::string e = error_of("seed: 1\nseed: 2\nterritories:\n  - {name: A}\n");
  EXPECT_TRUE(has(e, "t.yaml:2:1: duplicate key 'seed'")) << e;
  EXPECT_TRUE(has(e, "already given at t.yaml:1:1")) << e;
  // Two blocks of a section, a nested key, a key of a territory in flow style.
  e = error_of("seed: 1\nhousing:\n  model: step\nhousing:\n  model: housing_first\nterritories:\n  - {name: A}\n");
  EXPECT_TRUE(has(e, "t.yaml:4:1: duplicate key 'housing'") && has(e, "t.yaml:2:1")) << e;
  e = error_of("seed: 1\nhousing:\n  model: step\n  model: mixed\nterritories:\n  - {name: A}\n");
  EXPECT_TRUE(has(e, "t.yaml:4:3: duplicate key 'model'") && has(e, "t.yaml:3:3")) << e;
  e = error_of("seed: 1\nterritories:\n  - {name: A, shelter_beds: 3, shelter_beds: 4}\n");
  EXPECT_TRUE(has(e, "t.yaml:3:32: duplicate key 'shelter_beds'") && has(e, "t.yaml:3:15")) << e;
  // Equal values of different keys, and the same key in two territories, are fine.
  EXPECT_NO_THROW(parse_scenario("seed: 1\nreplicates: 1\nterritories:\n  - {name: A, inflow: 1}\n  - {name: B, inflow: 1}\n",
                                 "t.yaml"));
}

TEST(ScenarioSafety, MisspeltTerritoryInAnOverrideSuggestsTheBasesName) {
  const fs::path d = temp_dir();
  write_base(d);
  write(d / "typo.yaml", "extends: base.yaml\nterritories:\n  - {name: Novarra, shelter_beds: 40}\n  - {name: Milan}\n");
  const std::string e = load_error(d / "typo.yaml");
  EXPECT_TRUE(has(e, "typo.yaml:3:12: territory 'Novarra' matches none of the base's territories (did you mean 'Novara'?)"))
      << e;
  EXPECT_TRUE(has(e, "typo.yaml:4:12: territory 'Milan'") && has(e, "did you mean 'Milano'")) << e;
  EXPECT_TRUE(has(e, "new: true")) << e;
  // Marked new: added; an existing name marked new is an error.
  write(d / "added.yaml", "extends: base.yaml\nterritories:\n  - {name: Torino, new: true, shelter_beds: 5}\n"
                          "  - {name: Novara, shelter_beds: 40}\n");
  const Scenario s = load_scenario((d / "added.yaml").string());
  ASSERT_EQ(s.territories.size(), 3u);
  EXPECT_EQ(s.territory_name(2), "Torino");
  EXPECT_DOUBLE_EQ(s.territories[0][T::shelter_beds], 40);
  write(d / "again.yaml", "extends: base.yaml\nterritories:\n  - {name: Novara, new: true}\n");
  EXPECT_TRUE(has(load_error(d / "again.yaml"), "again.yaml:3:25: territory 'Novara' is marked new: true, but the base "
                                               "already has it"))
      << load_error(d / "again.yaml");
  // In a file without a base every territory is new.
  EXPECT_NO_THROW(parse_scenario("seed: 1\nterritories:\n  - {name: X}\n", "t.yaml"));
  fs::remove_all(d);
}

TEST(ScenarioSafety, MisspeltEventInAnOverrideSuggestsTheBasesName) {
  const fs::path d = temp_dir();
  write_base(d);
  write(d / "typo.yaml", "extends: base.yaml\nevents:\n  - {name: lockdwn, factor: 0.5}\n");
  const std::string e = load_error(d / "typo.yaml");
  EXPECT_TRUE(has(e, "typo.yaml:3:12: event 'lockdwn' matches none of the base's events (did you mean 'lockdown'?)")) << e;
  write(d / "ok.yaml", "extends: base.yaml\nevents:\n  - {name: lockdown, factor: 0.5}\n"
                       "  - {name: flood, new: true, start: 30 weeks, end: 31 weeks, target: shelter_beds, factor: 0.5}\n");
  const Scenario s = load_scenario((d / "ok.yaml").string());
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_DOUBLE_EQ(s.events[0][E::factor], 0.5);
  EXPECT_DOUBLE_EQ(s.events[0][E::start], 10);  // kept from the base
  EXPECT_EQ(s.events[1].at(E::name).text, "flood");
  fs::remove_all(d);
}

TEST(ScenarioSafety, TerritoriesReplaceDropsTheBasesTerritories) {
  const fs::path d = temp_dir();
  write_base(d);
  write(d / "toscana.yaml", "extends: base.yaml\nname: toscana\nterritories_replace: true\n"
                            "territories:\n  - {name: Firenze}\n  - {name: Prato, shelter_beds: 12}\n");
  const Scenario s = load_scenario((d / "toscana.yaml").string());
  ASSERT_EQ(s.territories.size(), 2u);
  EXPECT_EQ(s.territory_name(0), "Firenze");
  EXPECT_EQ(s.territory_name(1), "Prato");
  EXPECT_EQ(s.events.size(), 1u);  // events are kept (they apply to every territory)
  EXPECT_FALSE(has(s.to_yaml(), "territories_replace"));  // how files merge is not part of the scenario
  EXPECT_FALSE(has(s.to_yaml(), "new:"));
  // events_replace likewise; an event naming a dropped territory is an error.
  write(d / "no_events.yaml", "extends: base.yaml\nevents_replace: true\nterritories_replace: true\n"
                              "territories:\n  - {name: Siena}\n");
  EXPECT_TRUE(load_scenario((d / "no_events.yaml").string()).events.empty());
  write(d / "dangling.yaml", "extends: base.yaml\nterritories_replace: true\nterritories:\n  - {name: Siena}\n"
                             "events:\n  - {name: strike, new: true, start: 1 week, end: 2 weeks, territory: Novara}\n");
  EXPECT_TRUE(has(load_error(d / "dangling.yaml"), "dangling.yaml:6:71: event 'strike' names unknown territory 'Novara'"))
      << load_error(d / "dangling.yaml");
  // Without a base there is nothing to replace.
  const std::string e = error_of("seed: 1\nterritories_replace: true\nterritories:\n  - {name: A}\n");
  EXPECT_TRUE(has(e, "t.yaml:2:22: 'territories_replace' is for a file that extends a base")) << e;
  fs::remove_all(d);
}

TEST(ScenarioSafety, EventsOutsideTheRunOrWithoutEndAreErrorsAtTheirLine) {
  // Starts at the horizon: never happens.
  std::string e = error_of(kMinimal + "horizon: 1 year\nevents:\n  - {name: late, start: 52 weeks, end: 60 weeks}\n");
  EXPECT_TRUE(has(e, "t.yaml:6:25: event 'late' starts at week 52, at or after the end of the run")) << e;
  e = error_of(kMinimal + "start_date: 2019-01-07\nevents:\n  - {name: late, start: 2022-01-03, end: open}\n");
  EXPECT_TRUE(has(e, "t.yaml:6:25:") && has(e, "never happen")) << e;
  // No end: named at the event's line, and the old "<defaults>" message is gone.
  e = error_of(kMinimal + "events:\n  - {name: x, start: 1 week, factor: 0.5}\n");
  EXPECT_TRUE(has(e, "t.yaml:5:5: event 'x' has no 'end'")) << e;
  EXPECT_TRUE(has(e, "end: open")) << e;
  EXPECT_FALSE(has(e, "<defaults>")) << e;
  // end: open runs to the horizon, whatever it is, and survives a round trip.
  const Scenario s = parse_scenario(kMinimal + "events:\n  - {name: x, start: 10 weeks, end: open, factor: 0.5}\n", "t.yaml");
  EXPECT_GE(s.events[0][E::end], s.weeks());
  EXPECT_TRUE(has(s.to_yaml(), "end: open")) << s.to_yaml();
  const Scenario r = parse_scenario(s.to_yaml(), "r.yaml");
  EXPECT_EQ(r.events[0][E::end], s.events[0][E::end]);
  // A scenario shortened with set() (as tests and the benchmark do) runs, and its resolved YAML
  // (stored in results files) loads back; written by hand, the same text is refused.
  Scenario shortened = parse_scenario(kMinimal + "events:\n  - {name: x, start: 50 weeks, end: 60 weeks}\n", "t.yaml");
  shortened.set("horizon", "20 weeks");
  EXPECT_THROW(shortened.validate(), ScenarioError);
  const std::string resolved = shortened.to_yaml();
  EXPECT_NO_THROW(parse_scenario(resolved, "resolved.yaml"));
  EXPECT_TRUE(has(error_of(resolved.substr(resolved.find('\n') + 1)), "never happen"));
  // Only an end may be open.
  EXPECT_TRUE(has(error_of(kMinimal + "events:\n  - {name: x, start: open, end: open}\n"), "only an event's end may be 'open'"));
}

TEST(ScenarioSafety, CrossFieldErrorsNameTheValuesPositions) {
  std::string e = error_of(kMinimal + "population:\n  initial:\n    street: 0.9\n    shelter: 0.7\n");
  EXPECT_TRUE(has(e, "t.yaml:7:14: population.initial street + shelter + transitional shares sum to 1.7, more than 1"))
      << e;
  EXPECT_TRUE(has(e, "street 0.9 at t.yaml:6:13") && has(e, "shelter 0.7 at t.yaml:7:14") &&
              has(e, "transitional 0.10 (default)"))
      << e;
  EXPECT_FALSE(has(e, "<defaults>")) << e;
  e = error_of(kMinimal + "population:\n  age: {min: 60, max: 40}\n");
  EXPECT_TRUE(has(e, "t.yaml:5:23: population.age.min is above population.age.max (min 60 at t.yaml:5:14, max 40 at "
                     "t.yaml:5:23)"))
      << e;
  e = error_of(kMinimal + "events:\n  - {name: x, start: 10 weeks, end: 5 weeks}\n");
  EXPECT_TRUE(has(e, "t.yaml:5:37: event 'x' ends before or when it starts (end 5 weeks at t.yaml:5:37, start 10 weeks at t.yaml:5:22)")) << e;
  // One value from a base: reported in the file given, naming the base's position.
  const fs::path d = temp_dir();
  write(d / "base.yaml", "seed: 1\npopulation: {initial: {street: 0.6}}\nterritories:\n  - {name: A}\n");
  write(d / "child.yaml", "extends: base.yaml\npopulation: {initial: {shelter: 0.5}}\n");
  e = load_error(d / "child.yaml");
  EXPECT_TRUE(has(e, "child.yaml:2:33: population.initial") && has(e, "street 0.6 at " + (d / "base.yaml").string() + ":2:32")) << e;
  fs::remove_all(d);
}

TEST(ScenarioSafety, SectionGivenAsAValueSuggestsTheMapForm) {
  std::string e = error_of(kMinimal + "housing: housing_first\n");
  EXPECT_TRUE(has(e, "t.yaml:4:1: 'housing' is a section of keys")) << e;
  EXPECT_TRUE(has(e, "`housing: {model: housing_first}`")) << e;
  EXPECT_FALSE(has(e, "unknown key")) << e;
  e = error_of(kMinimal + "cpi: integrated\n");
  EXPECT_TRUE(has(e, "`cpi: {involvement: integrated}`")) << e;
  e = error_of(kMinimal + "employment:\n  scouting: early\n");
  EXPECT_TRUE(has(e, "t.yaml:5:3: 'employment.scouting' is a section of keys") && has(e, "`scouting: {")) << e;
}

TEST(ScenarioSafety, TabsAreNamedAsTabs) {
  std::string e = error_of("seed: 1\nhousing:\n\tmodel: step\nterritories:\n  - {name: A}\n");
  EXPECT_TRUE(has(e, "t.yaml:3:1: a tab character in the indentation")) << e;
  EXPECT_FALSE(has(e, "illegal map value")) << e;
  e = error_of("seed: 1\nhousing:\n  \tmodel: step\nterritories:\n\t- {name: A}\n");
  EXPECT_TRUE(has(e, "t.yaml:3:3: a tab") && has(e, "t.yaml:5:1: a tab")) << e;
  // Tabs inside values and comments are not indentation.
  EXPECT_NO_THROW(parse_scenario("seed: 1\ndescription: \"a\tb\"  # c\td\nterritories:\n  - {name: A}\n", "t.yaml"));
}

TEST(ScenarioSafety, EveryErrorOfAFileIsReported) {
  const std::vector<std::string> errs =
      errors_of("seed: x\nreplicates: 0\nhousing:\n  modle: step\nterritories:\n  - {name: A, shelter_bedz: 1}\n"
                "population: {initial: {street: 0.9, shelter: 0.9}}\n");
  ASSERT_EQ(errs.size(), 5u) << ::testing::PrintToString(errs);
  const char* where[] = {"t.yaml:1:7:", "t.yaml:2:13:", "t.yaml:4:3:", "t.yaml:6:15:", "t.yaml:7:"};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(errs[i].rfind(where[i], 0), 0u) << errs[i];
  // One per line in the message; a seed with a bad value is not also "missing".
  const std::string e = error_of("seed: x\nreplicates: 0\nterritories:\n  - {name: A}\n");
  EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 1) << e;
  EXPECT_FALSE(has(e, "missing")) << e;
  // At most kMaxErrors, then a note.
  std::string many = "seed: 1\nterritories:\n  - {name: A}\n";
  for (int i = 0; i < 30; ++i) many += "bad_key_" + std::to_string(i) + ": 1\n";
  try {
    parse_scenario(many, "t.yaml");
    FAIL();
  } catch (const ScenarioError& x) {
    EXPECT_EQ(x.errors().size(), kMaxErrors);
    EXPECT_TRUE(x.truncated());
    EXPECT_TRUE(has(x.what(), "stopped after the first 20 errors")) << x.what();
  }
}

TEST(ScenarioSafety, SeedFromTheCommandLineStandsInForAMissingSeed) {
  LoadOptions o;
  o.seed = 42;
  EXPECT_EQ(parse_scenario("territories:\n  - {name: A}\n", "t.yaml", o).seed(), 42u);
  EXPECT_EQ(parse_scenario("seed: 5\nterritories:\n  - {name: A}\n", "t.yaml", o).seed(), 5u);
  EXPECT_EQ(parse_scenarios("territories:\n  - {name: A}\nsweep: {replicates: [1, 2]}\n", "t.yaml", o).size(), 2u);
  EXPECT_TRUE(has(error_of("territories:\n  - {name: A}\n"), "t.yaml:1:1: missing required key 'seed'"));
  EXPECT_TRUE(has(error_of("territories:\n  - {name: A}\n"), "--seed"));
}

TEST(ScenarioSafety, NamesMustBeHdf5GroupNames) {
  for (const char* name : {"\"a/b\"", "\".\"", "\"\"", "\" lead\"", "\"trail \"", "\"a\\x01b\"", "\"tab\\there\""}) {
    const std::string e = error_of("seed: 1\nname: " + std::string(name) + "\nterritories:\n  - {name: A}\n");
    EXPECT_TRUE(has(e, "t.yaml:2:7: the scenario name")) << name << ": " << e;
  }
  EXPECT_TRUE(has(error_of("seed: 1\nname: " + std::string(5000, 'x') + "\nterritories:\n  - {name: A}\n"), "longer than"));
  EXPECT_EQ(scenario_name_problem("housing_first:hf_share=0.25"), "");
  EXPECT_EQ(scenario_name_problem("Città di Torino"), "");
  EXPECT_NE(scenario_name_problem("a/b"), "");
  // Names set later (the viewer) are checked by validate().
  Scenario s = parse_scenario(kMinimal, "t.yaml");
  s.set("name", "\"x/y\"");
  EXPECT_THROW(s.validate(), ScenarioError);
  EXPECT_EQ(s.problems().size(), 1u);
}

TEST(ScenarioSafety, ExtendsTargetThatIsNoScenarioIsReportedAtTheExtendsLine) {
  const fs::path d = temp_dir();
  write(d / "binary.dat", std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10));
  write(d / "list.yaml", "- a\n- b\n");
  write(d / "empty.yaml", "");
  write(d / "broken.yaml", "seed: [1\n");
  fs::create_directories(d / "dir.yaml");
  std::vector<std::string> targets = {"binary.dat", "list.yaml", "empty.yaml", "broken.yaml", "dir.yaml"};
  if (fs::exists("/etc/passwd")) targets.push_back("/etc/passwd");
  for (const auto& t : targets) {
    write(d / "child.yaml", "seed: 1\nextends: " + t + "\nterritories:\n  - {name: A}\n");
    const std::string e = load_error(d / "child.yaml");
    EXPECT_EQ(e.rfind((d / "child.yaml").string() + ":2:10: 'extends' target '", 0), 0u) << t << ": " << e;
    EXPECT_TRUE(has(e, "is not a scenario file") || has(e, "not a scenario file")) << t << ": " << e;
    EXPECT_TRUE(has(e, fs::path(t).filename().string())) << t << ": " << e;
  }
  // A cycle is reported at the given file's own `extends`.
  write(d / "a.yaml", "extends: b.yaml\nseed: 1\n");
  write(d / "b.yaml", "extends: a.yaml\nterritories:\n  - {name: A}\n");
  const std::string e = load_error(d / "a.yaml");
  EXPECT_EQ(e.rfind((d / "a.yaml").string() + ":1:10: 'extends' makes a cycle", 0), 0u) << e;
  fs::remove_all(d);
}

TEST(ScenarioSafety, AliasBombsAndDeepNestingAreBoundedAndFast) {
  std::string bomb = "seed: 1\nterritories:\n  - {name: A}\na: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string row = std::string(1, c) + ": &" + c + " [";
    for (int k = 0; k < 10; ++k) row += (k ? ", *" : "*") + std::string(1, c - 1);
    bomb += row + "]\n";
  }
  const auto t0 = std::chrono::steady_clock::now();
  const std::string e = error_of(bomb);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(has(e, "alias bomb")) << e;
  EXPECT_TRUE(has(e, "t.yaml:")) << e;
  EXPECT_LT(secs, 5.0);  // 10^10 nodes if expanded: only a bound on work makes this finish
  EXPECT_TRUE(has(error_of(std::string(100000, '[') + std::string(100000, ']')), "nested more than")) << "deep";
  // Modest aliases are still YAML.
  EXPECT_EQ(parse_scenario("seed: &s 5\nreplicates: *s\nterritories:\n  - {name: A}\n", "t.yaml").replicates(), 5);
}

TEST(ScenarioSafety, NonFiniteHugeAndMalformedValues) {
  EXPECT_TRUE(has(error_of(kMinimal + "scale: .nan\n"), "t.yaml:4:8: 'scale' must be a finite number, got '.nan'"));
  EXPECT_TRUE(has(error_of(kMinimal + "scale: -.inf\n"), "must be a finite number"));
  EXPECT_TRUE(has(error_of(kMinimal + "scale: 1e300\n"), "t.yaml:4:8: 'scale' = 1e300 is out of range"));
  EXPECT_TRUE(has(error_of(kMinimal + "horizon: 1e300 years\n"), "out of range"));
  EXPECT_TRUE(has(error_of(kMinimal + "horizon: 2 fortnights\n"), "expects a duration with a unit"));
  EXPECT_TRUE(has(error_of(kMinimal + "start_date: 2019-13-01\n"), "'start_date' must be a date"));
  // A very long value: the message shows its start, and no "did you mean" is searched for.
  const std::string e = error_of(kMinimal + "housing: {model: " + std::string(1000000, 'k') + "}\n");
  EXPECT_TRUE(has(e, "t.yaml:4:18: 'housing.model' must be one of: step, housing_first, mixed; got 'kkkk")) << e.substr(0, 300);
  EXPECT_TRUE(has(e, "(1000000 characters)")) << e.substr(0, 300);
  EXPECT_LT(e.size(), 300u);
}

TEST(ScenarioSafety, FilesThatAreNoScenario) {
  EXPECT_TRUE(has(error_of(""), "t.yaml:1:1: empty scenario file"));
  EXPECT_TRUE(has(error_of("# nothing\n"), "t.yaml:1:1: empty scenario file"));
  EXPECT_TRUE(has(error_of(std::string("seed: 1\0\0\0", 10)), "t.yaml:1:8: not a text file"));
  EXPECT_TRUE(has(error_of("seed: \xff\xfe\n"), "t.yaml:1:7: not a text file"));
  EXPECT_TRUE(has(error_of("[1, 2]\n"), "t.yaml:1:1: a scenario file must be a map of keys at the top level, got a list"));
  EXPECT_TRUE(has(error_of(kMinimal + "---\nseed: 2\n"), "t.yaml:4:1: a second YAML document"));
}

// Warnings before a run: a behavioural value outside its plausible range (at the file's line and
// column), a lever the housing model ignores; the scenario's setting (who it follows, its places,
// its context) takes the values of its source and is not warned about.
TEST(ScenarioWarnings, ImplausibleBehaviourAndIgnoredLevers) {
  auto warnings = [](const std::string& extra) { return parse_scenario(kMinimal + extra, "w.yaml").warnings(); };
  EXPECT_TRUE(warnings("").empty());
  auto w = warnings("rehousing: {private_rate: 5}\n");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("w.yaml:", 0), 0u) << w[0];
  EXPECT_NE(w[0].find("warning: rehousing.private_rate = 5 is outside its plausible range"), std::string::npos) << w[0];
  EXPECT_TRUE(warnings("rehousing: {private_rate: 0.5}\n").empty());
  EXPECT_TRUE(warnings("population: {groups: {disability: 0.9}}\ncontext: {rent_assistance: 0.5}\n").empty());
  // Housing First flats with the step model, and the mixed model's share without it.
  w = warnings("housing: {model: step, hf_share: 0.3}\n");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("housing.hf_share = 0.3 is ignored"), std::string::npos) << w[0];
  EXPECT_TRUE(warnings("housing: {model: mixed, hf_share: 0.3}\n").empty());
  const std::string flats = "territories: [{name: a, initial_population: 10, hf_flats: 12}]\n";
  const Scenario step = parse_scenario("name: t\nseed: 1\n" + flats, "f.yaml");
  ASSERT_EQ(step.warnings().size(), 1u);
  EXPECT_NE(step.warnings()[0].find("territories[a].hf_flats = 12 is ignored: housing.model is step"), std::string::npos)
      << step.warnings()[0];
  EXPECT_TRUE(parse_scenario("name: t\nseed: 1\nhousing: {model: housing_first}\n" + flats, "f.yaml").warnings().empty());
  // A territory's setting far above what one territory holds (an inflow of 70 a week, where 0.5
  // to 4 is plausible) is said at its place; a small service (5 shelter beds) and a value within
  // four times the range are a setting, not a slip.
  auto territory = [](const std::string& keys) {
    return parse_scenario("name: t\nseed: 1\nterritories: [{name: a, initial_population: 10, " + keys + "}]\n", "g.yaml").warnings();
  };
  w = territory("inflow: 70");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("g.yaml:3:", 0), 0u) << w[0];
  EXPECT_NE(w[0].find("warning: territories[a].inflow = 70 is more than four times the most plausible for one territory (0.5 to 4"),
            std::string::npos)
      << w[0];
  EXPECT_TRUE(territory("inflow: 16, shelter_beds: 5").empty());
}
