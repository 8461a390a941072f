// Balance (docs/model.md, "Warm-up"; ../shared/MODEL.md, "Evidence, balance and money"): every
// shipped baseline stands in the state its inflow, exits and capacities produce. People present,
// people sleeping rough, each queue and days to a signed plan change by less than 10% between
// the first and the last year of the run; and the warm-up leaves the arms of a comparison paired.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "sim/engine/world.hpp"
#include "sim/run/runner.hpp"

using namespace percorsi;

namespace {

const std::string kSrc = PERCORSI_SOURCE_DIR;
constexpr int kReplicates = 8;

// Relative drift between two yearly means, per replicate: its mean and standard error.
struct Drift {
  double first = 0, mean = 0, se = 0;
};
Drift drift_of(const std::vector<std::pair<double, double>>& years) {
  Drift d;
  std::vector<double> rel;
  for (const auto& [a, b] : years) d.first += a / static_cast<double>(years.size()), rel.push_back(a > 0 ? (b - a) / a : 0.0);
  for (double r : rel) d.mean += r / static_cast<double>(rel.size());
  double ss = 0;
  for (double r : rel) ss += (r - d.mean) * (r - d.mean);
  d.se = std::sqrt(ss / static_cast<double>(rel.size() - 1) / static_cast<double>(rel.size()));
  return d;
}

// The drift may exceed 10% only by Monte Carlo noise: the test fails when it is beyond 10% by
// more than two standard errors of the mean over the replicates.
void expect_balanced(const std::string& what, const Drift& d) {
  if (balance_small_stock(d.first, d.first * (1 + d.mean))) return;  // small stocks aside (compare's rule)
  EXPECT_LE(std::abs(d.mean) - 2 * d.se, kBalanceTolerance)
      << what << ": first-year mean " << d.first << ", drift " << 100 * d.mean << "% +- " << 200 * d.se << "%";
}

class ShippedBaseline : public ::testing::TestWithParam<const char*> {};

TEST_P(ShippedBaseline, StandsStillFromTheFirstToTheLastYear) {
  const Scenario sc = load_scenario(kSrc + "/scenarios/" + GetParam());
  ASSERT_GT(sc[G::warmup], 0) << "a shipped baseline warms up";
  const int weeks = sc.weeks();
  ASSERT_GE(weeks, 104);
  std::map<std::string, std::vector<std::pair<double, double>>> stocks;
  std::vector<std::pair<double, double>> days_to_plan;
  for (int r = 0; r < kReplicates; ++r) {
    World w(sc, r);
    while (w.week() < weeks) w.step();
    for (const auto& [k, v] : balance_of(w.results().weekly, weeks)) stocks[k].push_back(v);
    // Days from the first contact to the first plan, over plans first signed in the first and in
    // the last year.
    const Persons& P = w.persons();
    double n0 = 0, s0 = 0, n1 = 0, s1 = 0;
    for (std::size_t p = 0; p < P.size(); ++p) {
      const int plan = P.first_plan[p], contact = P.first_contact[p];
      if (plan < 0 || contact == -1 || plan < contact) continue;
      if (plan < 52) n0++, s0 += 7.0 * (plan - contact);
      if (plan >= weeks - 52) n1++, s1 += 7.0 * (plan - contact);
    }
    ASSERT_GT(n0, 0);
    ASSERT_GT(n1, 0);
    days_to_plan.emplace_back(s0 / n0, s1 / n1);
  }
  for (const auto& name : kBalanceStocks) {
    ASSERT_EQ(stocks[name].size(), static_cast<std::size_t>(kReplicates)) << name;
    if (balance_trend_covers(name) && !sc.at(G::balance_trend).text.empty()) continue;  // a trend the scenario declares
    expect_balanced(name, drift_of(stocks[name]));
  }
  expect_balanced("days to a signed plan", drift_of(days_to_plan));
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ShippedBaseline,
                         ::testing::Values("piemonte/baseline.yaml", "piemonte/baseline_3y.yaml", "toscana/baseline.yaml"));

// Without the warm-up the same baseline drifts (the test above could fail): people present rise
// by more than 10% from the first to the second year when the run starts from the file's
// initial population.
TEST(Warmup, WithoutItThePiedmontBaselineDrifts) {
  Scenario sc = load_scenario(kSrc + "/scenarios/piemonte/baseline.yaml");
  sc.set("warmup", "0 weeks");
  std::vector<std::pair<double, double>> cases;
  for (int r = 0; r < 4; ++r) {
    World w(sc, r);
    while (w.week() < sc.weeks()) w.step();
    cases.push_back(balance_of(w.results().weekly, sc.weeks()).at("queue_case"));
  }
  EXPECT_GT(drift_of(cases).mean, 0.10);
}

// The warm-up runs the baseline: a Housing First arm starts from the very state of the step
// model at week 0 (same people, same housing, same queues), so that the arms stay paired, and
// Housing First starts at week 0 (tracks assigned, no tenant yet).
TEST(Warmup, ArmsStartFromTheBaselinesState) {
  const Scenario step = load_scenario(kSrc + "/scenarios/piemonte/step_model.yaml");
  const Scenario hf = load_scenario(kSrc + "/scenarios/piemonte/housing_first.yaml");
  const Scenario warm = hf.warmup_scenario();
  EXPECT_EQ(warm.choice<G::housing_model>(), choice::housing_model::step);
  EXPECT_EQ(warm.territories[0][T::hf_flats], 0);
  EXPECT_EQ(warm[G::warmup], 0);
  const World a(step, 3), b(hf, 3);
  const Persons &A = a.persons(), &B = b.persons();
  ASSERT_EQ(A.size(), B.size());
  ASSERT_GT(A.size(), 500u);
  int tracks = 0;
  for (std::size_t p = 0; p < A.size(); ++p) {
    ASSERT_EQ(A.housing[p], B.housing[p]) << p;
    ASSERT_EQ(A.kase[p], B.kase[p]) << p;
    ASSERT_EQ(A.entry[p], 0);
    ASSERT_TRUE(A.active(p));
    EXPECT_NE(B.housing[p], HfFlat);
    EXPECT_FALSE(A.flags[p] & FHfTrack);
    tracks += (B.flags[p] & FHfTrack) != 0;
  }
  EXPECT_GT(tracks, 0) << "people homeless at week 0 join the Housing First track when the programme starts";
  for (std::size_t t = 0; t < a.territories().size(); ++t)
    EXPECT_EQ(a.territories()[t].case_queue, b.territories()[t].case_queue);
}

// An assumption varied around a scenario (Scenario::set) varies its warm-up too; a lever of the
// file does not.
TEST(Warmup, AssumptionsSetOnTheScenarioReachTheWarmup) {
  Scenario hf = load_scenario(kSrc + "/scenarios/piemonte/housing_first.yaml");
  hf.set("exits.rate", "0.2");
  const Scenario warm = hf.warmup_scenario();
  EXPECT_DOUBLE_EQ(warm[G::exits_rate], 0.2);
  EXPECT_EQ(warm.choice<G::housing_model>(), choice::housing_model::step);
}

// A file extending a baseline that sets a setting of the run (scale, horizon) is not setting a
// lever: the warm-up runs at its scale.
TEST(Warmup, SettingsOfTheRunAreNotLevers) {
  const std::string f = ::testing::TempDir() + "/scaled_hf.yaml";
  std::ofstream(f) << "extends: " << kSrc << "/scenarios/piemonte/housing_first.yaml\nname: scaled\nscale: 0.2\nhorizon: 1 year\n";
  const Scenario warm = load_scenario(f).warmup_scenario();
  EXPECT_DOUBLE_EQ(warm[G::scale], 0.2);
  EXPECT_EQ(warm.weeks(), 52);
  EXPECT_EQ(warm.choice<G::housing_model>(), choice::housing_model::step);
}

// Shared warm-ups (World::share_warmups) are the warm-ups the world would have run: a world built
// after others whose warm-ups differ in one assumption, in the replicate, or only in the levers
// of their files is, column for column, the world built with sharing off.
TEST(Warmup, SharedWarmupsAreTheOnesTheWorldWouldRun) {
  const Scenario step = load_scenario(kSrc + "/scenarios/piemonte/step_model.yaml");
  const Scenario hf = load_scenario(kSrc + "/scenarios/piemonte/housing_first.yaml");
  Scenario other = step;
  other.set("exits.rate", "0.2");
  const std::size_t budget = World::share_warmups(0);  // off: each world runs its own warm-up
  const std::uint64_t alone_step = World(step, 2).state_hash(), alone_hf = World(hf, 2).state_hash(),
                      alone_other = World(other, 2).state_hash(), alone_step1 = World(step, 1).state_hash();
  World::share_warmups(std::size_t{64} << 20);
  EXPECT_EQ(World(other, 2).state_hash(), alone_other);
  EXPECT_EQ(World(step, 2).state_hash(), alone_step) << "not the warm-up of another assumption";
  EXPECT_EQ(World(step, 1).state_hash(), alone_step1) << "not the warm-up of another replicate";
  EXPECT_EQ(World(hf, 2).state_hash(), alone_hf) << "the step model's warm-up, then Housing First's start";
  EXPECT_EQ(World(step, 2).state_hash(), alone_step) << "taken from the store";
  World::share_warmups(budget);
}

}  // namespace
