// Scenario files: registry validation, extends, units, errors with file:line:column.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "sim/scenario.hpp"

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
  for (const auto& e : fs::recursive_directory_iterator(kSrc + "/scenarios"))
    if (e.path().extension() == ".yaml") {
      EXPECT_NO_THROW(load_scenario(e.path().string())) << e.path();
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
