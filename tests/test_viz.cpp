// Tests of the viewer: viz-core without a window (series statistics, territory filter, people
// filter, ticks, comparison, sources and bad files, levers and live runs), the ImGui panels and
// keys driven without a window or OpenGL, and percorsi-viz's headless screenshots under xvfb-run.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <imgui.h>
#include <stb_image.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>  // key codes only
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <set>
#include <thread>

#include "sim/registry/outputs.hpp"
#include "output/robustness_table.hpp"
#include "sim/engine/world.hpp"
#include "sim/registry/registry.hpp"
#include "sim/registry/scenario.hpp"
#include "sim/run/robustness_result.hpp"
#include "viz/app.hpp"
#include "viz/core.hpp"
#include "viz/levers.hpp"

namespace fs = std::filesystem;
using namespace percorsi;
using namespace percorsi::viz;

namespace {

fs::path temp_dir() {
  static const fs::path d = [] {
    fs::path p = fs::temp_directory_path() / ("percorsi_test_viz_" + std::to_string(::getpid()));
    fs::create_directories(p);
    return p;
  }();
  return d;
}

// Removes the temporary folder when the tests end.
struct CleanUp : testing::Environment {
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(temp_dir(), ec);
  }
};
[[maybe_unused]] testing::Environment* const kCleanUp = testing::AddGlobalTestEnvironment(new CleanUp);

std::string scenario_path(const char* name) {
  return std::string(PERCORSI_SOURCE_DIR) + "/scenarios/piemonte/" + name;
}

int shell(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// A small results file made by the percorsi program (step model vs Housing First, 2 replicates).
const std::string& results_file() {
  static const std::string path = [] {
    const std::string out = (temp_dir() / "step_vs_hf.h5").string();
    const std::string cmd = std::string("'") + PERCORSI_BIN + "' run '" + scenario_path("step_model.yaml") + "' '" +
                            scenario_path("housing_first.yaml") + "' --replicates 2 --quiet --out '" + out +
                            "' > /dev/null";
    EXPECT_EQ(shell(cmd), 0) << cmd;
    return out;
  }();
  return path;
}

out::ReplicateResult fake_replicate(int r, int weeks, int T, double base) {
  out::ReplicateResult res;
  res.replicate = r;
  res.weeks = weeks;
  for (int t = 0; t < T; ++t) res.territories.push_back("T" + std::to_string(t));
  out::WeeklySeries s{"housing_street", {}};
  for (int w = 0; w < weeks; ++w)
    for (int t = 0; t < T; ++t) s.values.push_back(base + 10 * t + w + r);
  res.weekly.push_back(s);
  return res;
}

}  // namespace

// ---- Series statistics -------------------------------------------------------------------

TEST(VizCore, TerritorySumSelectsTerritories) {
  // 2 weeks x 3 territories, row-major.
  const std::vector<double> v = {1, 2, 3, 10, 20, 30};
  EXPECT_EQ(territory_sum(v, 3, {}), (std::vector<double>{6, 60}));
  EXPECT_EQ(territory_sum(v, 3, {true, false, true}), (std::vector<double>{4, 40}));
  EXPECT_EQ(territory_sum(v, 3, {false, true, false}), (std::vector<double>{2, 20}));
}

TEST(VizCore, BandIsMeanAndIntervalOverReplicatesWithinTheRange) {
  // One territory, 2 weeks, 3 replicates: week 0 = {1, 2, 3}, week 1 = {10, 10, 10}.
  const std::vector<std::vector<double>> reps = {{1, 10}, {2, 10}, {3, 10}};
  // Counts (the default): on the log scale (sim/stats), above 0 where the t-interval is not.
  const Band p = band(reps, 1, {});
  const double t2 = 4.302652729911275, se = 1 / std::sqrt(3.0);
  EXPECT_NEAR(p.lo[0], 2.0 * std::exp(-t2 * se / 2.0), 1e-9);
  EXPECT_NEAR(p.hi[0], 2.0 * std::exp(t2 * se / 2.0), 1e-9);
  EXPECT_GT(p.lo[0], 0.0);
  const Band b = band(reps, 1, {}, percorsi::out::Range::Signed);
  EXPECT_LT(b.lo[0], 0.0);
  ASSERT_EQ(b.weeks(), 2);
  EXPECT_DOUBLE_EQ(b.mean[0], 2.0);
  // sd = 1, t(0.975, 2) = 4.302653, half width = 4.302653 / sqrt(3).
  const double half = 4.302652729911275 / std::sqrt(3.0);
  EXPECT_NEAR(b.lo[0], 2.0 - half, 1e-9);
  EXPECT_NEAR(b.hi[0], 2.0 + half, 1e-9);
  EXPECT_DOUBLE_EQ(b.mean[1], 10.0);
  EXPECT_DOUBLE_EQ(b.lo[1], 10.0);
  EXPECT_DOUBLE_EQ(b.hi[1], 10.0);
}

TEST(VizCore, BandSumsTerritoriesBeforeAveraging) {
  // 2 territories, 1 week; replicates (1+2) and (3+6): mean of sums = 6.
  const Band b = band({{1, 2}, {3, 6}}, 2, {});
  ASSERT_EQ(b.weeks(), 1);
  EXPECT_DOUBLE_EQ(b.mean[0], 6.0);
  const Band only_second = band({{1, 2}, {3, 6}}, 2, {false, true});
  EXPECT_DOUBLE_EQ(only_second.mean[0], 4.0);
}

TEST(VizCore, CatalogBandFiltersTerritoriesByName) {
  Catalog cat;
  std::vector<out::ReplicateResult> reps = {fake_replicate(0, 5, 3, 100), fake_replicate(1, 5, 3, 100)};
  out::ScenarioInfo info;
  info.name = "fake";
  info.weeks = 5;
  info.territories = {"T0", "T1", "T2"};
  const int s = cat.add_live("fake", info, reps);
  const Band all = cat.band(s, "housing_street", {});
  const Band t0 = cat.band(s, "housing_street", {"T0"}), t12 = cat.band(s, "housing_street", {"T1", "T2"});
  ASSERT_EQ(all.weeks(), 5);
  for (int w = 0; w < 5; ++w) {
    EXPECT_DOUBLE_EQ(t0.mean[w], 100 + w + 0.5);  // replicates 0 and 1 add r
    EXPECT_DOUBLE_EQ(all.mean[w], t0.mean[w] + t12.mean[w]);
  }
  EXPECT_EQ(cat.weekly(s, "no_such_series"), nullptr);
  EXPECT_TRUE(cat.errors().empty());
}

// ---- Axes ----------------------------------------------------------------------------------

TEST(VizCore, NiceTicksUseOneTwoFiveSteps) {
  EXPECT_DOUBLE_EQ(nice_step(100, 5), 20);
  EXPECT_DOUBLE_EQ(nice_step(1, 5), 0.2);
  EXPECT_DOUBLE_EQ(nice_step(0.7, 10), 0.1);
  EXPECT_DOUBLE_EQ(nice_step(3, 5), 1);
  EXPECT_DOUBLE_EQ(nice_step(2.4e6, 6), 5e5);
  EXPECT_EQ(nice_ticks(0, 95, 5), (std::vector<double>{0, 20, 40, 60, 80}));
  EXPECT_EQ(nice_ticks(-1, 1, 4), (std::vector<double>{-1, -0.5, 0, 0.5, 1}));
  for (double range : {0.003, 0.7, 13.0, 104.0, 977.0, 12345.0, 2.5e7})
    for (int n : {3, 5, 8, 12}) {
      const double step = nice_step(range, n);
      const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-12));
      EXPECT_TRUE(std::fabs(mantissa - 1) < 1e-9 || std::fabs(mantissa - 2) < 1e-9 || std::fabs(mantissa - 5) < 1e-9)
          << range << " " << n << " -> " << step;
      EXPECT_LE(range / step, n + 1e-9);
      EXPECT_LE(nice_ticks(0, range, n).size(), static_cast<std::size_t>(n + 1));
    }
  EXPECT_EQ(tick_label(12000, 2000), "12k");
  EXPECT_EQ(tick_label(1500000, 500000), "1.5M");
  EXPECT_EQ(tick_label(0.2, 0.2), "0.2");
  EXPECT_EQ(tick_label(-1e-17, 0.05), "0.00");
  EXPECT_EQ(tick_label(40, 20), "40");
}

TEST(VizCore, IndicatorDirectionsAndUnits) {
  EXPECT_EQ(better_direction("cost_per_person"), -1);
  EXPECT_EQ(better_direction("returns_to_street_12m"), -1);
  EXPECT_EQ(better_direction("stably_housed_12m"), +1);
  EXPECT_EQ(better_direction("persons_total"), 0);
  EXPECT_TRUE(is_share("stably_housed_12m"));
  EXPECT_FALSE(is_share("cost_total"));
  EXPECT_EQ(series_unit("housing_street"), "persons");
  EXPECT_EQ(series_unit("cost_shelter").rfind("euro", 0), 0u);
  // Everything from the output table, nothing guessed from a name's prefix.
  for (const auto* o : out::outputs_of(out::OutputKind::Headline)) {
    EXPECT_EQ(better_direction(o->name), o->direction()) << o->name;
    EXPECT_EQ(is_share(o->name), o->unit == "share") << o->name;
    EXPECT_EQ(indicator_label(o->name), o->label);
    EXPECT_EQ(indicator_unit(o->name), o->unit);
    EXPECT_EQ(indicator_policy_denominator(o->name).empty(), !o->policy_denominator()) << o->name;
  }
  for (const auto* o : out::outputs_of(out::OutputKind::Series)) {
    EXPECT_EQ(series_unit(o->name), o->unit) << o->name;
    EXPECT_EQ(series_label(o->name), o->label) << o->name;
    EXPECT_EQ(series_meaning(o->name).rfind(o->definition, 0), 0u) << o->name;
    if (!out::find_output(out::OutputKind::Headline, o->name)) {
      EXPECT_EQ(better_direction(o->name), o->direction()) << o->name;
    }
  }
  EXPECT_EQ(better_direction("housing_shelter"), 0);     // a prefix guess said "higher"
  EXPECT_EQ(better_direction("capacity_hf_flats"), 0);   // likewise
  EXPECT_EQ(series_unit("capacity_hf_flats"), "flats");  // a prefix guess said "places"
  EXPECT_EQ(better_direction("no_such_indicator"), 0);
  EXPECT_EQ(series_unit("no_such_series"), "");
  EXPECT_EQ(series_label("no_such_series"), "no_such_series");
  EXPECT_EQ(min_important_difference("stably_housed_12m"), 0.02);
}

// ---- People --------------------------------------------------------------------------------

TEST(VizCore, AttachTimelineGroupsChangesByPerson) {
  PeopleTable t;
  t.id = {10, 11, 12};
  auto col = [](const char* name, std::vector<std::int32_t> v) { return out::PersonColumn{name, true, std::move(v), {}}; };
  // Rows ordered by person, then week; person 12 never changes; person 99 is not in the table.
  const std::vector<out::PersonColumn> tl = {col("person", {10, 10, 11, 99}), col("week", {0, 5, 0, 3}),
                                             col("housing", {0, 1, 4, 2}), col("case", {0, 3, 2, 1}),
                                             col("work", {1, 1, 4, 0})};
  attach_timeline(t, tl);
  ASSERT_TRUE(t.has_timeline());
  EXPECT_EQ(t.change_begin, (std::vector<std::uint32_t>{0, 2, 3, 3}));
  EXPECT_EQ(t.changes[1], (std::array<std::int32_t, 4>{5, 1, 3, 1}));
  EXPECT_EQ(t.changes[2], (std::array<std::int32_t, 4>{0, 4, 2, 4}));
  attach_timeline(t, {col("person", {10})});  // malformed: no timeline
  EXPECT_FALSE(t.has_timeline());
}

TEST(VizCore, PeopleFilterCountsRows) {
  // 8 persons: groups alternate homeless / homeless+mental_health / migrant; final housing = id % 5.
  auto icol = [](const char* name, std::vector<std::int32_t> v) {
    out::PersonColumn c;
    c.name = name;
    c.ints = std::move(v);
    return c;
  };
  const std::int32_t H = 1, MH = 4, Mi = 8;
  std::vector<out::PersonColumn> cols = {
      icol("id", {0, 1, 2, 3, 4, 5, 6, 7}),
      icol("groups", {H, H | MH, Mi, H, H | MH, Mi, H, H | MH}),
      icol("housing_final", {0, 1, 2, 3, 4, 0, 1, 2}),
      icol("territory", {0, 0, 0, 0, 1, 1, 1, 1}),
      icol("exit_week", {-1, -1, 5, -1, -1, 7, -1, -1}),
  };
  out::PersonColumn cost;
  cost.name = "cost";
  cost.is_int = false;
  cost.reals = {1, 2, 3, 4, 5, 6, 7, 8};
  cols.push_back(cost);
  const PeopleTable t = people_table(cols);
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t.first_stable[3], -1);  // missing column: -1
  EXPECT_DOUBLE_EQ(t.cost[7], 8.0);

  PeopleFilter f;
  EXPECT_EQ(filter_people(t, f).size(), 8u);
  f.groups = H;
  EXPECT_EQ(filter_people(t, f), (std::vector<int>{0, 1, 3, 4, 6, 7}));
  f.groups = H | MH;
  EXPECT_EQ(filter_people(t, f), (std::vector<int>{1, 4, 7}));
  f.housing = 1;
  EXPECT_EQ(filter_people(t, f), (std::vector<int>{1}));
  f = PeopleFilter{};
  f.housing = 0;
  EXPECT_EQ(filter_people(t, f), (std::vector<int>{0, 5}));
  f.active_only = true;
  EXPECT_EQ(filter_people(t, f), (std::vector<int>{0}));
  f = PeopleFilter{};
  f.territory = 1;
  EXPECT_EQ(filter_people(t, f).size(), 4u);
}

// ---- Comparison ----------------------------------------------------------------------------

TEST(VizCore, CompareColoursByDirection) {
  Catalog cat;
  auto scenario = [&](const char* name, double housed, double cost, double returns) {
    std::vector<out::ReplicateResult> reps;
    for (int r = 0; r < 4; ++r) {
      out::ReplicateResult x;
      x.replicate = r;
      x.headline = {{"stably_housed_12m", housed + 0.01 * r},
                    {"cost_per_person", cost + 10 * r},
                    {"returns_to_street_12m", returns + 0.001 * (r % 2)},
                    {"persons_total", 100}};
      reps.push_back(x);
    }
    out::ScenarioInfo info;
    info.name = name;
    info.seed = 7;
    return cat.add_live(name, info, reps);
  };
  const int a = scenario("a", 0.10, 5000, 0.10), b = scenario("b", 0.20, 4000, 0.20);
  const auto rows = compare(cat, {a, b});
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].indicator, "stably_housed_12m");  // the runner's order
  for (const auto& r : rows) {
    ASSERT_EQ(r.diff.size(), 2u);
    if (r.indicator == "stably_housed_12m") {
      EXPECT_TRUE(r.diff[1].paired);
      EXPECT_NEAR(r.diff[1].summary.mean, 0.10, 1e-12);
      EXPECT_EQ(r.verdict[1], 2);  // higher share housed: better
    }
    if (r.indicator == "cost_per_person") {
      EXPECT_EQ(r.verdict[1], 2);  // lower cost: better
    } else if (r.indicator == "returns_to_street_12m") {
      EXPECT_EQ(r.verdict[1], -2);  // more returns: worse
    } else if (r.indicator == "persons_total") {
      EXPECT_EQ(r.verdict[1], 0);  // neutral
    }
  }
}

// Runs of other horizons, start dates or territories are shown side by side but not differenced.
TEST(VizCore, CompareGivesNoDifferencesBetweenUnlikeRuns) {
  Catalog cat;
  auto scenario = [&](const char* name, int weeks, const char* start, std::vector<std::string> territories) {
    std::vector<out::ReplicateResult> reps;
    for (int r = 0; r < 3; ++r) {
      out::ReplicateResult x;
      x.replicate = r;
      x.headline = {{"stably_housed_12m", 0.1 + 0.01 * r + weeks * 1e-3}};
      reps.push_back(x);
    }
    out::ScenarioInfo info;
    info.name = name;
    info.seed = 7;
    info.weeks = weeks;
    info.territories = std::move(territories);
    info.resolved_yaml = std::string("start_date: ") + start + "\n";
    return cat.add_live(name, info, reps);
  };
  const int a = scenario("a", 104, "2019-01-07", {"Asti"}), b = scenario("b", 104, "2019-01-07", {"Asti"}),
            c = scenario("c", 156, "2019-01-07", {"Asti"}), d = scenario("d", 104, "2020-01-06", {"Asti"}),
            e = scenario("e", 104, "2019-01-07", {"Asti", "Biella"});
  EXPECT_EQ(unlike_runs(cat, {a, b}), "");
  EXPECT_FALSE(std::isnan(compare(cat, {a, b})[0].diff[1].summary.mean));
  for (int other : {c, d, e}) {
    EXPECT_NE(unlike_runs(cat, {a, other}), "") << other;
    const auto rows = compare(cat, {a, other});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_FALSE(std::isnan(rows[0].value[1].mean));  // the values are shown
    EXPECT_TRUE(std::isnan(rows[0].diff[1].summary.mean)) << other;
    EXPECT_EQ(rows[0].verdict[1], 0);
  }
  EXPECT_NE(unlike_runs(cat, {a, d}).find("2020-01-06"), std::string::npos);
}

// Robustness beside each difference (compare --robustness --out): the row text where the file's
// robustness applies (its baseline, the same verdict), and what is said where it does not.
TEST(VizCore, RobustnessBesideEachDifference) {
  Catalog plain;
  ASSERT_TRUE(plain.open(results_file()));
  const auto before = compare(plain, {0, 1});
  ASSERT_FALSE(before.empty());
  // Not computed: said once under the chart, the rows say so in the table.
  EXPECT_EQ(robustness_legend(plain, {0, 1}), "robustness not computed: run percorsi compare --robustness --out FILE.h5");
  EXPECT_EQ(before[0].robustness[0].kind, RobustnessNote::None);
  EXPECT_EQ(before[0].robustness[1].kind, RobustnessNote::NotComputed);
  EXPECT_EQ(before[0].robustness[1].text(), "robustness not computed: run compare --robustness");
  // A copy of the file with the robustness of two differences: one on the side of the verdict the
  // viewer gives, one on another side.
  const CompareRow* housed = nullptr;
  for (const auto& r : before)
    if (r.indicator == "stably_housed_12m") housed = &r;
  ASSERT_TRUE(housed);
  ASSERT_NE(housed->meaning[1], Verdict::Undefined);
  const auto* spec = out::find_output(out::OutputKind::Headline, "stably_housed_12m");
  const int side = verdict_side(housed->diff[1].summary.mean, spec->mid_against(housed->value[0].mean));
  const std::string f = (temp_dir() / "robust_copy.h5").string();
  fs::copy_file(results_file(), f, fs::copy_options::overwrite_existing);
  out::RobustnessTable t;
  t.baseline = "step_model", t.points = 200, t.replicates = 3, t.seed = 1, t.threshold = 0.26;
  t.assumptions = {"exits.rate", "rehousing.private_rate", "life.eviction_rate"};
  t.rows = {{"housing_first", "stably_housed_12m", 0.875, side, 200, {"exits.rate", "rehousing.private_rate"}},
            {"housing_first", "time_stably_housed", 1.0, side == 1 ? 0 : 1, 200, {}}};
  out::write_robustness_table(f, t);
  Catalog cat;
  ASSERT_TRUE(cat.open(f)) << (cat.errors().empty() ? "" : cat.errors()[0]);
  auto note = [](const std::vector<CompareRow>& rows, const std::string& ind, std::size_t i) {
    for (const auto& r : rows)
      if (r.indicator == ind) return r.robustness[i];
    ADD_FAILURE() << ind;
    return RobustnessNote{};
  };
  const auto rows = compare(cat, {0, 1});
  const RobustnessNote n = note(rows, "stably_housed_12m", 1);
  EXPECT_EQ(n.kind, RobustnessNote::Shown);
  EXPECT_EQ(n.text(), "robust in 87% of plausible assumptions; rests on exits.rate, rehousing.private_rate");
  EXPECT_EQ(n.text(true), "robust in 87%; rests on exits.rate, rehousing.private_rate");
  EXPECT_EQ(note(rows, "stably_housed_12m", 0).kind, RobustnessNote::None) << "the baseline has no difference";
  // Another side than the viewer's verdict, or no row: no share shown.
  EXPECT_EQ(note(rows, "time_stably_housed", 1).text(), "robustness n/a (no verdict)");
  for (const auto& r : rows)
    if (r.indicator == "cost_per_person") {
      ASSERT_NE(r.meaning[1], Verdict::Undefined);
      EXPECT_EQ(r.robustness[1].kind, RobustnessNote::NoVerdict) << "no row in the file";
    } else if (r.meaning[1] == Verdict::Undefined) {
      EXPECT_EQ(r.robustness[1].kind, RobustnessNote::None) << r.indicator << ": n/a, nothing to say";
    }
  const std::string legend = robustness_legend(cat, {0, 1});
  EXPECT_NE(legend.find("robust in N%: the verdict holds at N% of 200 points"), std::string::npos) << legend;
  EXPECT_NE(legend.find("of 3 assumptions"), std::string::npos) << legend;
  // Against another baseline the file's shares do not apply.
  EXPECT_EQ(note(compare(cat, {1, 0}), "stably_housed_12m", 1).text(), "robustness computed against step_model only");
  // A share of every point is 100%, rounded down otherwise; none named.
  RobustnessNote all;
  all.kind = RobustnessNote::Shown, all.share = 1.0;
  EXPECT_EQ(all.text(), "robust in 100% of plausible assumptions; no single assumption moves it");
  all.share = 0.999;
  EXPECT_EQ(all.text(true), "robust in 99%");
  // A live rerun: the file's robustness is not its own (stale), whatever its name.
  std::vector<out::ReplicateResult> reps;
  for (int r : cat.scenarios()[1].replicates) reps.push_back(cat.scenarios()[1].reader->replicate("housing_first", r));
  const int live = cat.add_live("housing_first [live #1]", cat.scenarios()[1].info, std::move(reps));
  const auto with_live = compare(cat, {0, 1, live});
  EXPECT_EQ(note(with_live, "stably_housed_12m", 1).kind, RobustnessNote::Shown);
  const RobustnessNote stale = note(with_live, "stably_housed_12m", 2);
  EXPECT_EQ(stale.kind, RobustnessNote::Stale);
  EXPECT_TRUE(std::isnan(stale.share));
  EXPECT_EQ(stale.text(true), "robustness stale (live run)");
  EXPECT_NE(robustness_legend(cat, {0, 1, live}).find("live runs: stale"), std::string::npos);
}

// ---- Sources and bad files -----------------------------------------------------------------

TEST(VizCore, OpensResultsFile) {
  Catalog cat;
  ASSERT_TRUE(cat.open(results_file())) << (cat.errors().empty() ? "" : cat.errors()[0]);
  ASSERT_EQ(cat.size(), 2);
  auto& s0 = cat.scenarios()[0];
  EXPECT_EQ(s0.info.name, "step_model");
  EXPECT_EQ(s0.replicates, (std::vector<int>{0, 1}));
  const auto terr = cat.territories();
  ASSERT_FALSE(terr.empty());
  const Band all = cat.band(0, "housing_street", {});
  ASSERT_EQ(all.weeks(), s0.info.weeks);
  // The sum over all territories equals the sum of the per-territory bands' means.
  std::vector<double> sum(all.weeks(), 0.0);
  for (const auto& t : terr) {
    const Band b = cat.band(0, "housing_street", {t});
    for (int w = 0; w < all.weeks(); ++w) sum[w] += b.mean[w];
  }
  for (int w = 0; w < all.weeks(); ++w) EXPECT_NEAR(sum[w], all.mean[w], 1e-6 * (1 + all.mean[w]));
  const PeopleTable* p = cat.people(0, 0);
  ASSERT_NE(p, nullptr);
  EXPECT_GT(p->size(), 100u);
  EXPECT_EQ(filter_people(*p, {}).size(), p->size());
  // Pathway timelines read from the file: each person's last change is their final housing.
  ASSERT_TRUE(p->has_timeline());
  ASSERT_EQ(p->change_begin.size(), p->size() + 1);
  std::size_t with_changes = 0;
  for (std::size_t r = 0; r < p->size(); ++r) {
    const auto b = p->change_begin[r], e = p->change_begin[r + 1];
    if (b == e) continue;
    ++with_changes;
    for (auto i = b + 1; i < e; ++i) ASSERT_GT(p->changes[i][0], p->changes[i - 1][0]);  // weeks increase
    if (p->exit[r] < 0) {
      EXPECT_EQ(p->changes[e - 1][1], p->housing_final[r]) << "row " << r;
    }
  }
  EXPECT_GT(with_changes, p->size() / 2);
  EXPECT_EQ(compare(cat, {0, 1}).empty(), false);
  EXPECT_TRUE(cat.errors().empty());
  EXPECT_TRUE(cat.open(results_file()));  // opening again adds nothing
  EXPECT_EQ(cat.size(), 2);
}

TEST(VizCore, BadFilesAreReportedNotThrown) {
  const fs::path dir = temp_dir();
  const std::string missing = (dir / "missing.h5").string();
  const std::string text = (dir / "text.h5").string();
  std::ofstream(text) << "not an HDF5 file\n";
  const std::string foreign = (dir / "foreign.h5").string();
  const hid_t f = H5Fcreate(foreign.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  H5Fclose(f);
  const std::string truncated = (dir / "truncated.h5").string();
  {
    std::ifstream in(results_file(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 3);
  }
  Catalog cat;
  for (const auto& p : {missing, text, foreign, truncated}) EXPECT_FALSE(cat.open(p)) << p;
  ASSERT_EQ(cat.errors().size(), 4u);
  EXPECT_NE(cat.errors()[0].find("missing.h5"), std::string::npos);
  EXPECT_NE(cat.errors()[2].find("foreign.h5"), std::string::npos);
  EXPECT_EQ(cat.size(), 0);
  EXPECT_TRUE(cat.open(results_file()));  // a good file still opens after bad ones
  EXPECT_EQ(cat.size(), 2);
}

// A damaged results file (minus 340 million people sleeping rough in one territory and week) is
// refused by the results validator: nothing of it is loaded, so nothing is drawn, and the error
// names the file and the dataset.
TEST(VizCore, CatalogRefusesDamagedResults) {
  const auto dir = temp_dir();
  const std::string damaged = (dir / "damaged.h5").string();
  std::filesystem::copy_file(results_file(), damaged, std::filesystem::copy_options::overwrite_existing);
  const std::string series = "/scenarios/housing_first/replicates/r0001/weekly/housing_street";
  {
    const hid_t f = H5Fopen(damaged.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    const hid_t d = H5Dopen2(f, series.c_str(), H5P_DEFAULT);
    const hid_t sp = H5Dget_space(d);
    std::vector<double> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(sp)));
    H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    v[10] = -3.4e8;
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
  }
  Catalog cat;
  EXPECT_FALSE(cat.open(damaged));
  EXPECT_EQ(cat.size(), 0);
  ASSERT_EQ(cat.errors().size(), 1u);
  EXPECT_NE(cat.errors()[0].find(damaged + ": damaged: dataset " + series), std::string::npos) << cat.errors()[0];
}

// ---- Levers and live runs ------------------------------------------------------------------

TEST(VizLevers, OnlyRegistryParameters) {
  const auto specs = lever_specs();
  ASSERT_FALSE(specs.empty());
  std::set<std::string> paths;
  for (const auto* s : specs) {
    paths.insert(s->path);
    EXPECT_TRUE(std::any_of(registry().begin(), registry().end(), [&](const ParamSpec& p) { return &p == s; }));
  }
  EXPECT_TRUE(paths.count("housing.model"));
  EXPECT_TRUE(paths.count("territories[].hf_flats"));
  EXPECT_TRUE(paths.count("replicates"));
}

TEST(VizLevers, SavedYamlExtendsOriginalWithOnlyTheChanges) {
  LeverSet ls = LeverSet::load(scenario_path("housing_first.yaml"));
  ls.name = "hf_more_flats";
  int changed = 0;
  for (auto& l : ls.levers) {
    if (l.spec->path == "housing.model") l.text = "mixed", ++changed;
    if (l.spec->path == "replicates") l.num = 3, ++changed;
    if (l.spec->path == "territories[].hf_flats" && l.territory == 0) l.num = 40, ++changed;
  }
  ASSERT_EQ(changed, 3);
  const Scenario edited = ls.edited();
  EXPECT_EQ(edited.name(), "hf_more_flats");
  EXPECT_EQ(edited.at(G::housing_model).text, "mixed");
  EXPECT_EQ(edited.replicates(), 3);
  EXPECT_DOUBLE_EQ(edited.territories[0][T::hf_flats], 40);
  EXPECT_DOUBLE_EQ(edited.territories[1][T::hf_flats], ls.base.territories[1][T::hf_flats]);

  const fs::path out = temp_dir() / "edits" / "hf_more_flats.yaml";
  fs::create_directories(out.parent_path());
  ls.save(out.string());
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("extends:"), std::string::npos) << text;
  const auto ext = text.find("extends: ");
  ASSERT_NE(ext, std::string::npos) << text;
  EXPECT_NE(text[ext + 9], '/') << "extends should be relative:\n" << text;
  EXPECT_EQ(text.find("seed"), std::string::npos) << "only the changed keys:\n" << text;
  EXPECT_EQ(text.find("shelter_beds"), std::string::npos) << text;
  const Scenario back = load_scenario(out.string());
  EXPECT_EQ(back.to_yaml(), edited.to_yaml());
  EXPECT_EQ(back.name(), "hf_more_flats");
  EXPECT_DOUBLE_EQ(back.territories[0][T::hf_flats], 40);
}

TEST(VizLevers, LiveRunFinishesAndCancels) {
  Scenario sc = load_scenario(scenario_path("step_model.yaml"));
  sc.set("horizon", "6 weeks");
  sc.set("replicates", "2");
  LiveRun run;
  ASSERT_TRUE(run.start(sc));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::optional<LiveRun::Result> r;
  while (!(r = run.take()) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->error.empty()) << r->error;
  ASSERT_EQ(r->replicates.size(), 2u);
  EXPECT_EQ(r->replicates[1].weeks, 6);
  EXPECT_DOUBLE_EQ(run.progress(), 1.0);
  Catalog cat;
  const int s = cat.add_live("live", r->info, std::move(r->replicates));
  EXPECT_EQ(cat.band(s, "housing_street", {}).weeks(), 6);

  sc.set("horizon", "10 years");
  sc.set("replicates", "1000");
  ASSERT_TRUE(run.start(sc));
  EXPECT_FALSE(run.start(sc));  // one at a time
  run.cancel();
  while (!(r = run.take()) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->cancelled);
  EXPECT_TRUE(r->replicates.empty());
}

// ---- Panels and keys, without a window -------------------------------------------------------

namespace {
// An ImGui context with a built font atlas and GLFW key codes, and no platform or renderer.
struct Ui {
  Ui() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1280, 800);
    io.DeltaTime = 1.0f / 60;
    unsigned char* px = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
    io.KeyMap[ImGuiKey_LeftArrow] = GLFW_KEY_LEFT;
    io.KeyMap[ImGuiKey_RightArrow] = GLFW_KEY_RIGHT;
    io.KeyMap[ImGuiKey_UpArrow] = GLFW_KEY_UP;
    io.KeyMap[ImGuiKey_DownArrow] = GLFW_KEY_DOWN;
  }
  ~Ui() { ImGui::DestroyContext(); }
  // One frame, with `key` held down during it (-1: none).
  void frame(App& app, int key = -1) {
    ImGuiIO& io = ImGui::GetIO();
    if (key >= 0) io.KeysDown[key] = true;
    ImGui::NewFrame();
    app.draw();
    ImGui::Render();
    if (key >= 0) io.KeysDown[key] = false;
  }
  void press(App& app, int key) {
    frame(app, key);
    frame(app);
  }
};
}  // namespace

TEST(VizUi, EveryPanelDrawsWithAndWithoutData) {
  Ui ui;
  App empty;
  for (const auto& v : view_names()) {
    ASSERT_TRUE(empty.select(v));
    ui.frame(empty), ui.frame(empty);
  }
  App app;
  app.open({results_file(), (temp_dir() / "missing.h5").string()});
  ASSERT_EQ(app.cat.size(), 2);
  ASSERT_EQ(app.cat.errors().size(), 1u);
  EXPECT_FALSE(app.nothing_loaded());
  ASSERT_TRUE(app.open_scenario(scenario_path("housing_first.yaml")));
  for (const auto& v : view_names()) {
    ASSERT_TRUE(app.select(v));
    ui.frame(app), ui.frame(app), ui.frame(app);
    EXPECT_GT(ImGui::GetDrawData()->TotalVtxCount, 1000) << v;
  }
  // Small multiples: pinned indicators side by side.
  app.pinned = {"stably_housed_12m", "employed_12m", "cost_total"};
  ASSERT_TRUE(app.select("compare"));
  ui.frame(app), ui.frame(app);
  EXPECT_GT(ImGui::GetDrawData()->TotalVtxCount, 3000);
  EXPECT_FALSE(app.select("no_such_view"));
  EXPECT_EQ(app.cat.errors().size(), 1u);
  EXPECT_GE(app.selected_person, 0);  // the people view selects the first row
}

TEST(VizUi, PresentationKeys) {
  Ui ui;
  App app;
  app.open({results_file()});
  ui.frame(app);
  ASSERT_GE(app.views.size(), 3u);
  const int n = static_cast<int>(app.views.size());
  EXPECT_FALSE(app.presentation);
  ui.press(app, GLFW_KEY_P);
  EXPECT_TRUE(app.presentation);
  EXPECT_FLOAT_EQ(ImGui::GetIO().FontGlobalScale, 2.0f);
  EXPECT_EQ(app.view, 0);
  ui.press(app, GLFW_KEY_RIGHT);
  EXPECT_EQ(app.view, 1);
  ui.press(app, GLFW_KEY_3);
  EXPECT_EQ(app.view, 2);
  ui.press(app, GLFW_KEY_LEFT);
  ui.press(app, GLFW_KEY_LEFT);
  ui.press(app, GLFW_KEY_LEFT);
  EXPECT_EQ(app.view, n - 1);  // wraps around
  ui.press(app, GLFW_KEY_F11);
  EXPECT_FALSE(app.presentation);
  EXPECT_FLOAT_EQ(ImGui::GetIO().FontGlobalScale, 1.0f);
  ui.press(app, GLFW_KEY_RIGHT);  // arrows do nothing outside presentation mode
  EXPECT_EQ(app.view, n - 1);
}

TEST(VizUi, PresentationStepsIndicatorsAndSizesFonts) {
  Ui ui;
  App app;
  app.open({results_file()});
  ASSERT_TRUE(app.present("compare"));
  ui.frame(app);
  ASSERT_EQ(app.views[static_cast<std::size_t>(app.view)].kind, View::Compare);
  const std::string first = app.compare_indicator;  // the first headline indicator
  ASSERT_FALSE(first.empty());
  ui.press(app, GLFW_KEY_DOWN);
  EXPECT_NE(app.compare_indicator, first);
  ui.press(app, GLFW_KEY_UP);
  EXPECT_EQ(app.compare_indicator, first);
  ASSERT_TRUE(app.present("charts"));
  const std::string series = app.views[static_cast<std::size_t>(app.view)].series;
  ui.press(app, GLFW_KEY_DOWN);
  EXPECT_NE(app.views[static_cast<std::size_t>(app.view)].series, series);
  ASSERT_TRUE(app.present("people"));
  ui.frame(app), ui.frame(app);
  EXPECT_GT(ImGui::GetDrawData()->TotalVtxCount, 1000);
  // Ctrl + and Ctrl - change the font size; the light theme is the presentation's.
  const float before = ImGui::GetIO().FontGlobalScale;
  ImGui::GetIO().KeyCtrl = true;
  ui.press(app, GLFW_KEY_EQUAL);
  ImGui::GetIO().KeyCtrl = false;
  EXPECT_GT(app.base_font_scale, 1.0f);
  EXPECT_GT(ImGui::GetIO().FontGlobalScale, before);
  EXPECT_GT(ImGui::GetStyle().Colors[ImGuiCol_WindowBg].x, 0.9f);
  ImGui::GetIO().KeyCtrl = true;
  ui.press(app, GLFW_KEY_MINUS);
  ImGui::GetIO().KeyCtrl = false;
  EXPECT_FLOAT_EQ(ImGui::GetIO().FontGlobalScale, before);
  app.theme = App::Dark;
  app.restyle();
  EXPECT_LT(ImGui::GetStyle().Colors[ImGuiCol_WindowBg].x, 0.5f);
}

TEST(VizUi, LiveRunAppearsBesideLoadedScenarios) {
  Ui ui;
  App app;
  app.open({results_file()});
  ASSERT_TRUE(app.open_scenario(scenario_path("housing_first.yaml")));
  for (auto& l : app.levers->levers)
    if (l.spec->path == "replicates") l.num = 2;
  ASSERT_TRUE(app.start_run());
  EXPECT_FALSE(app.start_run());  // one run at a time
  app.select("charts");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (app.cat.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    ui.frame(app);  // the window keeps drawing while the worker runs
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(app.cat.size(), 3) << app.lever_message;
  const auto& live = app.cat.scenarios()[2];
  EXPECT_EQ(live.origin, "live");
  EXPECT_EQ(live.replicates.size(), 2u);
  EXPECT_NE(live.label.find("live #1"), std::string::npos);
  ui.frame(app);
  EXPECT_EQ(app.shown.size(), 3u);
  EXPECT_TRUE(app.shown[2]);
  // Same seed as the file's scenarios: the comparison pairs replicates.
  const auto rows = compare(app.cat, {0, 2});
  ASSERT_FALSE(rows.empty());
  EXPECT_TRUE(rows[0].diff[1].paired);
}

// ---- A viewer for a room (issue 26): calendar, events, units, labels, levers ----------------

TEST(VizRoom, CalendarTicksAreMonthsAndYearsFromTheStartDate) {
  const Calendar c = calendar_of("2019-01-07");
  ASSERT_TRUE(c.known);
  // Three years, at most 6 ticks: every six months, labelled with month and year.
  const auto t = calendar_ticks(c, 0, 156, 6);
  ASSERT_FALSE(t.empty());
  EXPECT_LE(t.size(), 6u);
  std::vector<std::string> labels;
  for (const auto& x : t) labels.push_back(x.label);
  EXPECT_EQ(labels.front(), "Jul 2019");
  ASSERT_NE(std::find(labels.begin(), labels.end(), "Jan 2020"), labels.end());
  for (const auto& x : t)
    if (x.label == "Jan 2020") {
      EXPECT_NEAR(x.week, 359 / 7.0, 1e-9);  // 2019-01-07 + 359 days
    }
  // Wide spans step in years, short ones in months.
  const auto years = calendar_ticks(c, 0, 520, 6);
  EXPECT_EQ(years.front().label, "2020");
  const auto months = calendar_ticks(c, 0, 26, 8);
  EXPECT_EQ(months.front().label, "Feb 2019");
  EXPECT_EQ(week_text(c, 0), "week 0 (7 Jan 2019)");
  // Without a start date: weeks.
  const auto weeks = calendar_ticks(calendar_of("not a date"), 0, 104, 6);
  ASSERT_FALSE(weeks.empty());
  EXPECT_EQ(weeks[1].label, "20");
  EXPECT_EQ(week_text(Calendar{}, 3), "week 3");
}

// The person timeline takes its axis from the helper of every time chart: calendar dates from the
// scenario's start date (never "week N" when the date is known), and spans of weeks as dates.
TEST(VizRoom, PersonTimelineAxisIsTheCalendar) {
  const Calendar c = calendar_of("2019-01-07");
  // Three years over 1200 pixels, a label about 90 pixels wide: at most 13 ticks, every quarter.
  const auto t = time_ticks(c, 0, 156, 1200, 90);
  ASSERT_GE(t.size(), 6u);
  EXPECT_LE(t.size(), 13u);
  std::vector<std::string> labels;
  for (const auto& x : t) labels.push_back(x.label);
  EXPECT_EQ(labels.front(), "Apr 2019");
  EXPECT_NE(std::find(labels.begin(), labels.end(), "Jan 2020"), labels.end());
  EXPECT_NE(std::find(labels.begin(), labels.end(), "Jul 2021"), labels.end());
  for (std::size_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(t[i].label.find("week"), std::string::npos) << t[i].label;
    EXPECT_GE(t[i].week, 0);
    EXPECT_LE(t[i].week, 156);
    if (i) {
      EXPECT_GT(t[i].week, t[i - 1].week);
    }
  }
  // Narrow: fewer ticks, still dates (years).
  const auto narrow = time_ticks(c, 0, 156, 500, 90);
  ASSERT_FALSE(narrow.empty());
  EXPECT_LE(narrow.size(), 5u);
  EXPECT_EQ(narrow.front().label, "2020");
  EXPECT_GE(time_ticks(c, 0, 156, 10, 90).size(), 1u);
  // Without a start date: weeks, as on the other charts.
  const auto weeks = time_ticks(calendar_of(""), 0, 104, 360, 60);
  ASSERT_GE(weeks.size(), 2u);
  EXPECT_EQ(weeks[1].label, "20");
  // A state's span in the tooltips: dates and weeks.
  EXPECT_EQ(span_text(c, 62, 78), "16 Mar 2020 to 6 Jul 2020 (weeks 62-78)");
  EXPECT_EQ(span_text(Calendar{}, 62, 78), "weeks 62-78");
}

TEST(VizRoom, OverlappingEventsOfOneNameAreOneSpan) {
  const auto spans = merge_events({{"lockdown_activity", "activity", 61, 77, 0.2},
                                   {"lockdown_hiring_may", "hiring", 69, 73, 0.565},
                                   {"new_call", "case_workers", 100, 120, 1.5},
                                   {"lockdown_assessments", "assessment_capacity", 61, 77, 0.3}});
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].label, "lockdown");
  EXPECT_DOUBLE_EQ(spans[0].start, 61);
  EXPECT_DOUBLE_EQ(spans[0].end, 77);
  EXPECT_NE(spans[0].detail.find("lockdown_hiring_may: hiring x0.565"), std::string::npos) << spans[0].detail;
  EXPECT_EQ(spans[1].label, "new call");
}

TEST(VizRoom, ScenariosKeepTheirEventsCalendarAndWarnings) {
  // A live run's info carries the resolved scenario, as a results file does.
  Catalog cat;
  const Scenario lock = load_scenario(scenario_path("lockdown_2020.yaml"));
  out::ScenarioInfo info;
  info.name = lock.name();
  info.weeks = lock.weeks();
  info.resolved_yaml = lock.to_yaml();
  const int s = cat.add_live("lockdown", info, {});
  const ScenarioData& d = cat.scenarios()[static_cast<std::size_t>(s)];
  ASSERT_TRUE(d.calendar.known);
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].label, "lockdown");
  // 9 March 2020 is 427 days after 7 January 2019: week 61.
  EXPECT_NEAR(d.events[0].start, 61, 0.5);
  EXPECT_TRUE(d.warnings.empty()) << d.warnings[0];
  // A lever the scenario ignores is a warning the comparison can show.
  Scenario step = load_scenario(scenario_path("step_model.yaml"));
  step.set("territories[].hf_flats", "20");
  info.name = "step_with_flats";
  info.resolved_yaml = step.to_yaml();
  const int w = cat.add_live("step_with_flats", info, {});
  const auto& ws = cat.scenarios()[static_cast<std::size_t>(w)].warnings;
  ASSERT_FALSE(ws.empty());
  EXPECT_NE(ws[0].find("is ignored"), std::string::npos) << ws[0];
  EXPECT_EQ(ws[0].find("warning:"), std::string::npos) << "without its file:line prefix";
}

TEST(VizRoom, DifferencesInTheIndicatorsOwnUnit) {
  out::Summary d;
  d.n = 10, d.mean = 0.056, d.ci_low = 0.0537, d.ci_high = 0.0583;
  EXPECT_EQ(difference_text("stably_housed_12m", d), "+5.60 pp [+5.37, +5.83]");
  out::Summary v;
  v.n = 10, v.mean = 0.1839, v.ci_low = 0.1766, v.ci_high = 0.1915;
  EXPECT_EQ(value_text("stably_housed_12m", v), "18.39% [17.66%, 19.15%]");
  d.mean = -120, d.ci_low = -300, d.ci_high = 60;
  EXPECT_EQ(difference_text("cost_total", d), "-120 euro [-300, +60.00]");
  EXPECT_EQ(scaled("stably_housed_12m").diff_unit, "pp");
  EXPECT_EQ(scaled("cost_total").value_unit, "euro");
  d.mean = std::nan("");
  EXPECT_EQ(difference_text("stably_housed_12m", d), "n/a");
}

TEST(VizRoom, LabelsWrapAndAreNeverCut) {
  auto chars = [](const std::string& s) { return static_cast<float>(s.size()); };
  const std::string name = "housing_first_sweep:hf_flats=1";
  const auto lines = wrap_label(name, 12, chars);
  std::string joined;
  for (const auto& l : lines) {
    EXPECT_LE(l.size(), 12u) << l;
    joined += l;
  }
  EXPECT_EQ(joined, name);
  EXPECT_EQ(lines[0], "housing_");
  EXPECT_EQ(wrap_label("short", 12, chars), std::vector<std::string>{"short"});
  EXPECT_EQ(wrap_label("averyveryverylongword", 8, chars).size(), 3u);  // cut only where it must
  // Nine target groups, each with its code.
  EXPECT_EQ(group_codes().size(), std::size(kGroupNames));
  EXPECT_EQ(human_name(kGroupNames[8]), "substance use");
}

TEST(VizRoom, LeversSayWhatTheyAreAndWarnBeforeTheRun) {
  LeverSet ls = LeverSet::load(scenario_path("housing_first.yaml"));
  Lever* inflow = nullptr;
  Lever* model = nullptr;
  Lever* flats = nullptr;
  for (auto& l : ls.levers) {
    if (l.spec->path == "territories[].inflow" && l.territory == 0) inflow = &l;
    if (l.spec->path == "housing.model") model = &l;
    if (l.spec->path == "territories[].hf_flats" && l.territory == 0) flats = &l;
  }
  ASSERT_TRUE(inflow && model && flats);
  EXPECT_EQ(lever_label(*flats->spec), "Housing First flats");
  EXPECT_EQ(plausible_text(*inflow->spec), "0.5 to 4 persons/week");
  auto all = [&] {
    std::string t;
    for (const auto& w : ls.warnings())
      for (const auto& x : w) t += x + "\n";
    return t;
  };
  EXPECT_EQ(all(), "");  // the shipped file: nothing to say
  inflow->num = 70;
  EXPECT_TRUE(inflow->implausible());
  auto w = ls.warnings();
  ASSERT_EQ(w[static_cast<std::size_t>(inflow - ls.levers.data())].size(), 1u);
  EXPECT_NE(w[static_cast<std::size_t>(inflow - ls.levers.data())][0].find("outside its plausible range 0.5 to 4"),
            std::string::npos);
  // Housing First flats under the step model are ignored: said beside the flats.
  model->text = "step";
  w = ls.warnings();
  ASSERT_FALSE(w[static_cast<std::size_t>(flats - ls.levers.data())].empty()) << all();
  EXPECT_NE(w[static_cast<std::size_t>(flats - ls.levers.data())][0].find("is ignored"), std::string::npos);
  const auto changes = ls.changes();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0], "Housing model: housing_first -> step");
  EXPECT_EQ(changes[1], "New people in need a week (Novara): 2 -> 70 persons/week");
}

TEST(VizRoom, EveryStateHasItsOwnColour) {
  const int states[3] = {kHousingStates, kWorkStates, kCaseStates};
  for (int f = 0; f < 3; ++f) {
    std::set<ImU32> seen;
    for (int k = 0; k < states[f]; ++k) EXPECT_TRUE(seen.insert(state_color(f, k)).second) << f << " " << k;
  }
  EXPECT_NE(state_color(0, Street), state_color(0, Institution));
}

TEST(VizRoom, ScenariosIndicatorsAndTerritoriesChosenByName) {
  App app;
  app.open({results_file()});
  app.draw_defaults();
  EXPECT_EQ(app.shown, (std::vector<std::uint8_t>{1, 1}));
  EXPECT_EQ(app.tick({"housing_first"}), "");
  EXPECT_EQ(app.shown, (std::vector<std::uint8_t>{0, 1}));
  EXPECT_EQ(app.tick({"1", "no_such"}), "no_such");
  EXPECT_EQ(app.shown, (std::vector<std::uint8_t>{0, 1})) << "unchanged when a name is unknown";
  EXPECT_EQ(app.select_territories({"Asti", "Biella"}), "");
  EXPECT_EQ(app.territories, (std::set<std::string>{"Asti", "Biella"}));
  EXPECT_EQ(app.select_territories({"Atlantis"}), "Atlantis");
  EXPECT_TRUE(app.set_indicator("stably_housed_24m"));
  EXPECT_EQ(app.compare_indicator, "stably_housed_24m");
  EXPECT_TRUE(app.set_indicator("housing_shelter"));
  EXPECT_EQ(app.series, "housing_shelter");
  EXPECT_FALSE(app.set_indicator("no_such_indicator"));
  // Up to kMaxShown scenarios are ticked on opening.
  App many;
  std::vector<out::ReplicateResult> reps = {fake_replicate(0, 5, 1, 1)};
  out::ScenarioInfo info;
  info.weeks = 5;
  for (int k = 0; k < kMaxShown + 3; ++k) many.cat.add_live("s" + std::to_string(k), info, reps);
  many.draw_defaults();
  EXPECT_EQ(std::count(many.shown.begin(), many.shown.end(), 1), kMaxShown);
}

// ---- Headless screenshots ------------------------------------------------------------------

namespace {
struct Png {
  int w = 0, h = 0;
  std::vector<unsigned char> px;  // RGB
};
Png load_png(const std::string& path) {
  Png p;
  int n = 0;
  unsigned char* d = stbi_load(path.c_str(), &p.w, &p.h, &n, 3);
  if (d) {
    p.px.assign(d, d + static_cast<std::size_t>(p.w) * p.h * 3);
    stbi_image_free(d);
  }
  return p;
}
// Distinct colours in a rectangle given as fractions of the image.
std::size_t distinct_colours(const Png& p, double x0, double y0, double x1, double y1) {
  std::set<unsigned> c;
  for (int y = static_cast<int>(y0 * p.h); y < static_cast<int>(y1 * p.h); ++y)
    for (int x = static_cast<int>(x0 * p.w); x < static_cast<int>(x1 * p.w); ++x) {
      const unsigned char* q = &p.px[(static_cast<std::size_t>(y) * p.w + x) * 3];
      c.insert(q[0] << 16 | q[1] << 8 | q[2]);
    }
  return c.size();
}
bool have_xvfb() {
  return shell("command -v xvfb-run > /dev/null 2>&1") == 0;
}
// Runs percorsi-viz --screenshot under xvfb-run and returns the viewer's own exit code (kept in a
// file, since xvfb-run's status also reflects its clean-up); retried if Xvfb did not start.
int screenshot(const std::string& png, const std::string& args) {
  const std::string script = png + ".sh", rcfile = png + ".rc";
  std::ofstream(script) << "'" << PERCORSI_VIZ_BIN << "' --screenshot '" << png << "' " << args << " 2> '" << png
                        << ".log'\necho $? > '" << rcfile << "'\n";
  for (int attempt = 0; attempt < 3; ++attempt) {
    fs::remove(rcfile);
    shell("xvfb-run -a -s '-screen 0 1920x1200x24' sh '" + script + "' > /dev/null 2>&1");
    int rc = -1;
    if (std::ifstream(rcfile) >> rc) return rc;
  }
  return -1;
}
}  // namespace

TEST(VizScreenshot, EveryViewRendersAChart) {
  if (!have_xvfb()) GTEST_SKIP() << "xvfb-run is not installed";
  const std::string h5 = results_file();
  for (const char* view : {"charts", "stacked", "compare", "people", "presentation"}) {
    const std::string png = (temp_dir() / (std::string("shot_") + view + ".png")).string();
    fs::remove(png);
    ASSERT_EQ(screenshot(png, std::string("--view ") + view + " --size 1024x700 '" + h5 + "'"), 0) << view;
    const Png img = load_png(png);
    ASSERT_EQ(img.w, 1024) << view;
    ASSERT_EQ(img.h, 700) << view;
    // The chart area (right of the sidebar, below the tabs) is not blank.
    EXPECT_GE(distinct_colours(img, 0.3, 0.25, 0.95, 0.9), 8u) << view;
  }
}

TEST(VizScreenshot, BadFilesShowErrorsAndExit2) {
  if (!have_xvfb()) GTEST_SKIP() << "xvfb-run is not installed";
  const std::string png = (temp_dir() / "shot_bad.png").string(), text = (temp_dir() / "bad_text.h5").string();
  std::ofstream(text) << "not an HDF5 file\n";
  fs::remove(png);
  EXPECT_EQ(screenshot(png, "'" + (temp_dir() / "missing.h5").string() + "' '" + text + "'"), 2);
  const Png img = load_png(png);
  ASSERT_GT(img.w, 0) << "the window with the errors is still written";
  // The error banner (dark red) is visible.
  std::size_t red = 0;
  for (std::size_t i = 0; i + 2 < img.px.size(); i += 3)
    if (img.px[i] > 90 && img.px[i] < 140 && img.px[i + 1] < 40 && img.px[i + 2] < 40) ++red;
  EXPECT_GT(red, 5000u);
  std::ifstream log(png + ".log");
  const std::string err((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(err.find("missing.h5"), std::string::npos) << err;
  EXPECT_NE(err.find("bad_text.h5"), std::string::npos) << err;
}

// ---- In a real window: read back by OCR (tesseract) at 1600x1000 -----------------------------

namespace {
bool have(const char* program) {
  return shell(std::string("command -v ") + program + " > /dev/null 2>&1") == 0;
}
#define SKIP_WITHOUT(program) \
  if (!have(program)) GTEST_SKIP() << program << " is not installed (Debian: see tools/install-deps.sh)"

std::string read_all(FILE* f) {
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  return out;
}
// The text tesseract reads in a picture, one line per line of text (--psm 6: a block read line by
// line, so that a row's name and its note come out on one line).
std::string ocr(const std::string& png) {
  // One thread: tesseract's OpenMP threads only slow it down on a busy machine.
  FILE* p = ::popen(("OMP_THREAD_LIMIT=1 tesseract '" + png + "' stdout --psm 6 2> /dev/null").c_str(), "r");
  if (!p) return {};
  std::string text = read_all(p);
  ::pclose(p);
  return text;
}
// Letters and digits only, lower case: what OCR reliably gives back of a label.
std::string squeeze(const std::string& s) {
  std::string out;
  for (unsigned char c : s)
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
  return out;
}
// Whether `needle` (squeezed) occurs in `text` (squeezed), or with one letter more that OCR read
// into it: a colon beside other text is read as "i" now and then ("roomihfflats24"). Only a
// letter may be extra, so that a name that is not drawn is still missed when a name differing
// from it in a digit is ("roomhfflats24" is not found in "roomhfflats254").
bool contains_with_one_extra_letter(const std::string& text, const std::string& needle) {
  if (text.find(needle) != std::string::npos) return true;
  const std::size_t n = needle.size();
  for (std::size_t at = 0; at + n + 1 <= text.size(); ++at)
    for (std::size_t skip = 0; skip <= n; ++skip) {
      const char extra = text[at + skip];
      if (!std::isalpha(static_cast<unsigned char>(extra))) continue;
      if (text.compare(at, skip, needle, 0, skip) == 0 && text.compare(at + skip + 1, n - skip, needle, skip, n - skip) == 0)
        return true;
    }
  return false;
}
std::vector<std::string> squeezed_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto nl = text.find('\n', at);
    out.push_back(squeeze(text.substr(at, nl == std::string::npos ? std::string::npos : nl - at)));
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return out;
}
bool has_line_with(const std::vector<std::string>& lines, const std::string& a, const std::string& b) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
    const auto i = l.find(squeeze(a));
    return i != std::string::npos && l.find(squeeze(b), i + squeeze(a).size()) != std::string::npos;
  });
}

// Small scenarios for the room's tests: no warm-up, a third of the people, 2 replicates.
std::string room_scenario(const std::string& name, const std::string& extends, const std::string& more) {
  const std::string path = (temp_dir() / (name + ".yaml")).string();
  std::ofstream(path) << "extends: " << extends << "\nname: " << name
                      << "\nwarmup: 0 weeks\nreplicates: 2\nscale: 0.3\n" << more;
  return path;
}
std::string run_room(const std::string& out_name, const std::vector<std::string>& yamls) {
  const std::string out = (temp_dir() / out_name).string();
  std::string cmd = std::string("'") + PERCORSI_BIN + "' run";
  for (const auto& y : yamls) cmd += " '" + y + "'";
  cmd += " --quiet --force --out '" + out + "' > /dev/null 2>&1";
  EXPECT_EQ(shell(cmd), 0) << cmd;
  return out;
}
// A sweep of 20 Housing First scenarios over a year (names "room:hf_flats=10" to "=29").
const std::string& sweep20_file() {
  static const std::string path = [] {
    std::string flats;
    for (int k = 10; k < 30; ++k) flats += (flats.empty() ? "" : ", ") + std::to_string(k);
    const std::string yaml = room_scenario("room", scenario_path("housing_first.yaml"),
                                           "horizon: 1 year\nsweep:\n  territories[].hf_flats: [" + flats + "]\n");
    return run_room("sweep20.h5", {yaml});
  }();
  return path;
}
// The 2020 lockdown and a baseline over the same three years, named with neither a year nor
// the word "lockdown", so that what OCR reads of them comes from the axis and the event.
const std::string& lockdown_file() {
  static const std::string path = run_room(
      "three_years.h5", {room_scenario("calm", scenario_path("baseline.yaml"), "horizon: 3 years\n"),
                      room_scenario("shock", scenario_path("lockdown_2020.yaml"), "")});
  return path;
}
}  // namespace

// The OCR matcher forgives a letter read into a name, never a digit read wrong or added.
TEST(OcrMatch, OneExtraLetterButNeverADigit) {
  EXPECT_TRUE(contains_with_one_extra_letter("vallsumroomihfflats24x", "roomhfflats24"));
  EXPECT_TRUE(contains_with_one_extra_letter("roomhfflats24", "roomhfflats24"));
  EXPECT_FALSE(contains_with_one_extra_letter("roomhfflats25roomhfflats23", "roomhfflats24"));
  EXPECT_FALSE(contains_with_one_extra_letter("roomhfflats254", "roomhfflats24"));
  EXPECT_FALSE(contains_with_one_extra_letter("roomiihfflats24", "roomhfflats24"));
}

TEST(VizWindow, ComparisonOfManyScenariosReadsBackEveryNameAndDifference) {
  SKIP_WITHOUT("xvfb-run");
  SKIP_WITHOUT("tesseract");
  const std::string h5 = sweep20_file();
  Catalog cat;
  ASSERT_TRUE(cat.open(h5));
  ASSERT_EQ(cat.size(), 20);
  for (int n : {2, 5, 12, 20}) {
    std::string ticked;
    std::vector<int> order;
    for (int k = 0; k < n; ++k) ticked += (k ? "," : "") + std::to_string(k + 1), order.push_back(k);
    const std::string png = (temp_dir() / ("compare" + std::to_string(n) + ".png")).string();
    ASSERT_EQ(screenshot(png, "--view compare --presentation --size 1600x1000 --scenarios " + ticked + " '" + h5 + "'"), 0);
    const auto lines = squeezed_lines(ocr(png));
    // What the chart shows, from viz-core: each row's name, and its difference from the first.
    const auto rows = compare(cat, order);
    ASSERT_FALSE(rows.empty());
    const CompareRow& r = rows[0];
    EXPECT_TRUE(has_line_with(lines, cat.scenarios()[0].info.name, "baseline " + value_text(r.indicator, r.value[0])))
        << n << " scenarios: baseline row";
    for (int k = 1; k < n; ++k) {
      const std::string name = cat.scenarios()[static_cast<std::size_t>(k)].info.name;
      const std::string diff = difference_text(r.indicator, r.diff[static_cast<std::size_t>(k)].summary);
      EXPECT_NE(diff, "n/a");
      EXPECT_TRUE(has_line_with(lines, name, diff)) << n << " scenarios: " << name << " | " << diff;
    }
  }
}

TEST(VizWindow, TwentyScenariosAreReadableAt1280x720) {
  SKIP_WITHOUT("xvfb-run");
  SKIP_WITHOUT("tesseract");
  const std::string h5 = sweep20_file(), png = (temp_dir() / "compare20_small.png").string();
  ASSERT_EQ(screenshot(png, "--view compare --size 1280x720 '" + h5 + "'"), 0);
  const std::string text = squeeze(ocr(png));
  Catalog cat;
  ASSERT_TRUE(cat.open(h5));
  for (const auto& d : cat.scenarios()) EXPECT_TRUE(contains_with_one_extra_letter(text, squeeze(d.info.name))) << d.info.name << "\n" << text;
}

namespace {
// The family-care service over a year (a small run of scenarios/piemonte/family_care.yaml).
const std::string& family_care_file() {
  static const std::string path = run_room("family_care.h5", {room_scenario("fc", scenario_path("family_care.yaml"), "horizon: 1 year\n")});
  return path;
}
const char* const kFunnel[] = {"oriented", "skills_identified", "skills_validated", "trained", "matched", "families_advised",
                               "family_incentives", "regular_contracts"};
}  // namespace

// The Funnel tab's count of each step is the headline fc_<step> with its interval, and that count
// is the step's weekly series summed over the weeks and territories, replicate by replicate.
TEST(VizCore, FunnelCountsAreTheWeeklyStepsSummedWithTheirInterval) {
  Catalog cat;
  ASSERT_TRUE(cat.open(family_care_file()));
  int counted = 0;
  for (const char* step : kFunnel) {
    const auto* h = cat.headline(0, std::string("fc_") + step);
    const auto* w = cat.weekly(0, std::string("fc_") + step + "_week");
    ASSERT_TRUE(h && w) << step;
    ASSERT_EQ(h->size(), w->size()) << step;
    for (std::size_t r = 0; r < h->size(); ++r) {
      double sum = 0;
      for (double x : (*w)[r]) sum += x;
      EXPECT_NEAR((*h)[r], sum, 1e-6 * (1 + sum)) << step << ", replicate " << r;
    }
    const std::string text = funnel_text(cat, 0, step);
    const double mean = ((*h)[0] + (*h)[1]) / 2;
    if (mean > 0) ++counted;
    EXPECT_EQ(text.rfind(format_value(mean) + " [", 0), 0u) << step << ": " << text;
    EXPECT_NE(text.find(']'), std::string::npos) << step << ": " << text;
  }
  EXPECT_GE(counted, 4) << "the service reached no one in a year";
  EXPECT_EQ(funnel_text(cat, 0, "no_such_step"), "n/a");
}

// On the projector: the Funnel tab shows every step with its count and interval.
TEST(VizWindow, FunnelReadsBackEveryStepWithItsInterval) {
  SKIP_WITHOUT("xvfb-run");
  SKIP_WITHOUT("tesseract");
  const std::string h5 = family_care_file(), png = (temp_dir() / "funnel.png").string();
  ASSERT_EQ(screenshot(png, "--view funnel --presentation --size 1600x1000 '" + h5 + "'"), 0);
  const std::string text = squeeze(ocr(png));
  Catalog cat;
  ASSERT_TRUE(cat.open(h5));
  for (const char* step : kFunnel) {
    const std::string label = series_label(std::string("fc_") + step + "_week");
    EXPECT_TRUE(contains_with_one_extra_letter(text, squeeze(label))) << label << "\n" << text;
    EXPECT_TRUE(contains_with_one_extra_letter(text, squeeze(funnel_text(cat, 0, step)))) << step << ": " << funnel_text(cat, 0, step) << "\n" << text;
  }
}

TEST(VizWindow, LockdownChartReadsBackTheYearAndTheEvent) {
  SKIP_WITHOUT("xvfb-run");
  SKIP_WITHOUT("tesseract");
  const std::string h5 = lockdown_file(), png = (temp_dir() / "lockdown.png").string();
  ASSERT_EQ(screenshot(png, "--view charts --presentation --indicator housing_street --size 1600x1000 '" + h5 + "'"), 0);
  const std::string text = ocr(png);
  EXPECT_NE(text.find("2020"), std::string::npos) << text;
  EXPECT_NE(text.find("2021"), std::string::npos) << text;
  EXPECT_NE(text.find("lockdown"), std::string::npos) << text;
  // The same chart of the baseline alone: no event, so no label.
  ASSERT_EQ(screenshot(png, "--view charts --presentation --scenarios calm --indicator housing_street --size 1600x1000 '" +
                                h5 + "'"),
            0);
  EXPECT_EQ(ocr(png).find("lockdown"), std::string::npos);
}

TEST(VizWindow, PeopleViewNamesEveryTargetGroup) {
  SKIP_WITHOUT("xvfb-run");
  SKIP_WITHOUT("tesseract");
  const std::string h5 = lockdown_file(), png = (temp_dir() / "people.png").string();
  ASSERT_EQ(screenshot(png, "--view people --size 1600x1000 '" + h5 + "'"), 0);
  const std::string text = squeeze(ocr(png));
  for (const char* g : kGroupNames) EXPECT_NE(text.find(squeeze(g)), std::string::npos) << g << "\n" << text;
  for (const auto& c : group_codes()) EXPECT_NE(text.find(squeeze("(" + c + ")")), std::string::npos) << c;
}

// The person timeline in calendar time: month-year labels on its axis (not "week N") and the
// lockdown shaded and labelled over it, read back by OCR from the People view of the lockdown.
TEST(VizWindow, PersonTimelineReadsBackCalendarDatesAndTheLockdown) {
  SKIP_WITHOUT("xvfb-run");
  SKIP_WITHOUT("tesseract");
  const std::string h5 = lockdown_file(), png = (temp_dir() / "people_timeline.png").string();
  ASSERT_EQ(screenshot(png, "--view people --presentation --scenarios shock --size 1600x1000 '" + h5 + "'"), 0);
  const std::string text = ocr(png);
  EXPECT_NE(text.find("lockdown"), std::string::npos) << "the event over the timeline\n" << text;
  // The axis's dates: month and year labels on lines other than those giving the person's dates.
  const std::regex date("(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ?(2019|2020|2021|2022)");
  std::set<std::string> found;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("Entry") != std::string::npos || line.find("Timeline") != std::string::npos ||
        line.find("week") != std::string::npos)
      continue;
    for (std::sregex_iterator m(line.begin(), line.end(), date), end; m != end; ++m) found.insert((*m)[1].str() + (*m)[2].str());
  }
  EXPECT_GE(found.size(), 3u) << "calendar labels on the timeline's axis\n" << text;
}

// A comparison written by `percorsi compare --robustness --out`: beside the row's verdict its
// robustness as viz-core gives it, and the legend line under the chart, read back by OCR; after a
// live rerun of the scenario its row says the robustness is stale.
TEST(VizWindow, ComparisonReadsBackTheRobustnessOfEachDifference) {
  SKIP_WITHOUT("xvfb-run");
  SKIP_WITHOUT("tesseract");
  const std::string a = room_scenario("ladder", scenario_path("step_model.yaml"), "horizon: 1 year\n");
  const std::string b = room_scenario("homes", scenario_path("housing_first.yaml"), "horizon: 1 year\n");
  const std::string h5 = (temp_dir() / "robust.h5").string();
  const std::string cmd = std::string("'") + PERCORSI_BIN + "' compare '" + a + "' '" + b +
                          "' --robustness --robustness-points 10 --robustness-replicates 1 --quiet --force --out '" +
                          h5 + "' > /dev/null 2>&1";
  ASSERT_EQ(shell(cmd), 0) << cmd;
  Catalog cat;
  ASSERT_TRUE(cat.open(h5));
  const auto rows = compare(cat, {0, 1});
  const CompareRow* shown = nullptr;
  for (const auto& r : rows)
    if (!shown && r.robustness[1].kind == RobustnessNote::Shown) shown = &r;
  ASSERT_TRUE(shown) << "a difference with its robustness";
  const RobustnessNote& n = shown->robustness[1];
  const std::string png = (temp_dir() / "robust.png").string();
  ASSERT_EQ(screenshot(png, "--view compare --presentation --indicator " + shown->indicator + " --size 1600x1000 '" + h5 +
                                "'"),
            0);
  const std::string text = ocr(png), flat = squeeze(text);
  EXPECT_TRUE(has_line_with(squeezed_lines(text), "homes", difference_text(shown->indicator, shown->diff[1].summary)))
      << text;
  // The note may wrap over lines: read it with the lines joined.
  EXPECT_NE(flat.find(squeeze("robust in " + share_percent(n.share))), std::string::npos) << n.text(true) << "\n" << text;
  if (!n.rests_on.empty()) {
    EXPECT_NE(flat.find(squeeze(n.rests_on[0])), std::string::npos) << n.rests_on[0] << "\n" << text;
  }
  // The legend line (wrapped beside the x axis's label): what the share is, of how many points.
  EXPECT_NE(flat.find(squeeze("the verdict holds at N% of")), std::string::npos) << text;
  EXPECT_NE(flat.find(squeeze("10 points over the plausible ranges")), std::string::npos) << text;
  // The scenario rerun live: its row is stale, the file's row keeps its robustness.
  const std::string live = (temp_dir() / "robust_live.png").string();
  ASSERT_EQ(screenshot(live, "--view compare --presentation --indicator " + shown->indicator + " --scenario '" + b +
                                 "' --run --size 1600x1000 '" + h5 + "'"),
            0);
  const std::string after = squeeze(ocr(live));
  EXPECT_NE(after.find(squeeze("robustness stale (live run)")), std::string::npos) << after;
  EXPECT_NE(after.find(squeeze("robust in " + share_percent(n.share))), std::string::npos) << after;
}

TEST(VizWindow, ALeverTheScenarioIgnoresIsSaidBesideItsDifference) {
  SKIP_WITHOUT("xvfb-run");
  SKIP_WITHOUT("tesseract");
  // Housing First flats under the step model: the difference is nil, and the row says why.
  const std::string base = room_scenario("plain", scenario_path("step_model.yaml"), "horizon: 1 year\n");
  const std::string flats = room_scenario("flats", base, "territories:\n  - {name: Novara, hf_flats: 20}\n");
  const std::string h5 = run_room("ignored.h5", {base, flats}), png = (temp_dir() / "ignored.png").string();
  ASSERT_EQ(screenshot(png, "--view compare --presentation --size 1600x1000 '" + h5 + "'"), 0);
  const auto lines = squeezed_lines(ocr(png));
  EXPECT_TRUE(has_line_with(lines, "flats", "0 pp [0, 0] negligible (!)"));
  EXPECT_TRUE(has_line_with(lines, "", "territories[Novara].hf_flats = 20 is ignored"));  // the note's next line
}

TEST(VizWindow, ScreenshotOptionsRefuseUnknownNames) {
  SKIP_WITHOUT("xvfb-run");
  const std::string h5 = lockdown_file(), png = (temp_dir() / "bad_choice.png").string();
  EXPECT_EQ(screenshot(png, "--view charts --scenarios nobody '" + h5 + "'"), 2);
  EXPECT_EQ(screenshot(png, "--view charts --territory Atlantis '" + h5 + "'"), 2);
  EXPECT_EQ(screenshot(png, "--view charts --indicator no_such '" + h5 + "'"), 2);
  EXPECT_EQ(screenshot(png, "--view charts --theme light --territory Asti,Biella '" + h5 + "'"), 0);
  const Png img = load_png(png);
  ASSERT_GT(img.w, 0);
  EXPECT_GT(img.px[(static_cast<std::size_t>(img.h / 2) * img.w + img.w / 2) * 3], 200) << "a light background";
}

// ---- In a real window: driven with the mouse and keys (xdotool) ------------------------------

extern "C" char** environ;

namespace {
// A process the test started (Xvfb, the viewer), ended by its pid when the test ends.
struct Child {
  pid_t pid = -1;
  ~Child() {
    if (pid > 0) ::kill(pid, SIGTERM), ::waitpid(pid, nullptr, 0);
  }
};
pid_t spawn(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  return ::posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) == 0 ? pid : -1;
}

// The viewer in a real X window on its own Xvfb, driven by xdotool through the places and state
// it writes after each frame (PERCORSI_VIZ_TRACE).
class Window {
 public:
  Window(const std::string& args) : trace_((temp_dir() / "trace.txt").string()) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    xvfb_.pid = spawn({"Xvfb", "-displayfd", std::to_string(fds[1]), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"});
    ::close(fds[1]);
    FILE* f = ::fdopen(fds[0], "r");
    int display = -1;
    if (f && std::fscanf(f, "%d", &display) == 1) display_ = ":" + std::to_string(display);
    if (f) std::fclose(f);
    if (display_.empty()) return;
    viz_.pid = spawn({"sh", "-c",
                      "DISPLAY=" + display_ + " PERCORSI_VIZ_TRACE='" + trace_ + "' exec '" + PERCORSI_VIZ_BIN +
                          "' --size 1600x1000 " + args + " 2> '" + trace_ + ".log'"});
    wait_for("rect tab:Charts ");
  }
  bool ok() const { return !display_.empty() && viz_.pid > 0 && state().find("rect tab:Charts ") != std::string::npos; }
  std::string state() const {
    std::ifstream in(trace_);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  // Waits until the state holds `text` (false after `seconds`).
  bool wait_for(const std::string& text, double seconds = 10) const {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
      if (state().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  int xdotool(const std::string& args) const { return shell("DISPLAY=" + display_ + " xdotool " + args + " > /dev/null 2>&1"); }
  // Clicks the middle of a widget the viewer marked; false when it is not on screen.
  bool click(const std::string& mark) const {
    const std::string s = state();
    const auto at = s.find("rect " + mark + " ");
    if (at == std::string::npos) return false;
    float x0, y0, x1, y1;
    if (std::sscanf(s.c_str() + at + 6 + mark.size(), "%f %f %f %f", &x0, &y0, &x1, &y1) != 4) return false;
    // The backend of ImGui 1.86 polls the button: hold it over a few frames.
    return xdotool("mousemove " + std::to_string(static_cast<int>((x0 + x1) / 2)) + " " +
                   std::to_string(static_cast<int>((y0 + y1) / 2)) + " sleep 0.2 mousedown 1 sleep 0.15 mouseup 1 sleep 0.2") == 0;
  }
  // A key held over a few frames (ImGui 1.86 polls keys too).
  bool key(const std::string& k) const { return xdotool("keydown " + k + " sleep 0.15 keyup " + k + " sleep 0.2") == 0; }
  // A screenshot of the window as it is (F12), read back by OCR.
  std::string screen_text() {
    const std::string want = "shots " + std::to_string(++shots_) + "\n";
    if (!key("F12") || !wait_for(want)) return "";
    return ocr(trace_ + ".png");
  }

 private:
  std::string trace_, display_;
  Child xvfb_, viz_;
  int shots_ = 0;
};
}  // namespace

TEST(VizWindow, TickLeverRunAndSwitchViewWithMouseAndKeys) {
  SKIP_WITHOUT("Xvfb");
  SKIP_WITHOUT("xdotool");
  SKIP_WITHOUT("tesseract");
  const std::string hf = room_scenario("hf_small", scenario_path("housing_first.yaml"), "horizon: 1 year\n");
  const std::string h5 =
      run_room("live_base.h5", {room_scenario("step_small", scenario_path("step_model.yaml"), "horizon: 1 year\n"), hf});
  Window w("--scenario '" + hf + "' '" + h5 + "'");
  ASSERT_TRUE(w.ok()) << w.state();
  EXPECT_TRUE(w.wait_for("shown 1 1\n"));
  // Untick a scenario: the comparison asks for two.
  ASSERT_TRUE(w.click("tick:1"));
  EXPECT_TRUE(w.wait_for("shown 1 0\n")) << w.state();
  ASSERT_TRUE(w.click("tab:Compare"));
  EXPECT_TRUE(w.wait_for("tab Compare\n"));
  EXPECT_NE(squeeze(w.screen_text()).find("ticktwoormorescenarios"), std::string::npos);
  // Tick it again: the chart of one indicator, in percentage points.
  ASSERT_TRUE(w.click("tick:1"));
  EXPECT_TRUE(w.wait_for("shown 1 1\n"));
  const std::string compare = squeeze(w.screen_text());
  EXPECT_NE(compare.find("differencefromstepsmallpp"), std::string::npos) << compare;
  EXPECT_NE(compare.find("baseline"), std::string::npos);
  // Move a lever: Housing First flats in Novara from 12 to 40.
  ASSERT_TRUE(w.click("tab:Levers"));
  ASSERT_TRUE(w.wait_for("rect lever:territories[].hf_flats:0 ")) << w.state();
  ASSERT_TRUE(w.click("lever:territories[].hf_flats:0"));
  w.xdotool("key ctrl+a sleep 0.1 type 40");
  w.key("Return");
  EXPECT_TRUE(w.wait_for("lever territories[].hf_flats:0 40 changed\n")) << w.state();
  // Rerun: the run appears ticked beside the loaded ones, and the panel says what changed.
  ASSERT_TRUE(w.click("run"));
  EXPECT_TRUE(w.wait_for("live_runs 1\n", 120)) << w.state();
  EXPECT_TRUE(w.wait_for("shown 1 1 1\n"));
  const std::string levers = squeeze(w.screen_text());
  EXPECT_NE(levers.find("lastrunhfsmalledit"), std::string::npos) << levers;
  EXPECT_NE(levers.find("housingfirstflatsnovara1240flats"), std::string::npos) << levers;
  EXPECT_NE(levers.find("differencesfromhfsmall"), std::string::npos) << levers;
  // Switch view with a key: presentation mode, then back.
  w.key("p");
  EXPECT_TRUE(w.wait_for("presentation 1\n")) << w.state();
  EXPECT_NE(squeeze(w.screen_text()).find("view"), std::string::npos);
  w.key("Escape");
  EXPECT_TRUE(w.wait_for("presentation 0\n"));
}
