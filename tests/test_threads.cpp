// The parallel parts give the same results whatever the number of threads (CTest label
// `threads`): the blocks of persons of a world's weekly phases (sim/engine/fast.hpp) and the
// scenario x replicate tasks of a run (sim/run/runner.cpp). The same tests run under
// ThreadSanitizer in build-tsan/ (PERCORSI_TSAN=ON, tools/tsan.sh, docs/fuzzing.md), where they
// must report no data race; they are kept small so that the instrumented run stays short.
#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "sim/engine/world.hpp"
#include "sim/registry/scenario.hpp"
#include "sim/run/runner.hpp"

using namespace percorsi;

namespace {

const std::string kSrc = PERCORSI_SOURCE_DIR;

Scenario shipped(const std::string& name) { return load_scenario(kSrc + "/scenarios/piemonte/" + name + ".yaml"); }

std::uint64_t world_hash(const Scenario& sc, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  World w(sc, 1);
  for (int k = 0; k < sc.weeks(); ++k) w.step();
  return w.state_hash();
}

// Same bits (NaN equal to NaN: an undefined indicator is undefined in both).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

}  // namespace

// About 20,000 people: three blocks of persons per phase (sim/engine/fast.hpp, kBlock 8192), so
// that two or more threads share every per-person phase and the end-of-week census.
TEST(Threads, WorldSameHashForAnyThreadCount) {
  Scenario sc = shipped("housing_first");
  sc.set("scale", "20");
  sc.set("horizon", "4 weeks");
  const std::uint64_t one = world_hash(sc, 1);
  EXPECT_NE(one, 0u);
  EXPECT_EQ(world_hash(sc, 2), one);
  // The hash tells worlds apart: another replicate's differs (so equality above means something).
  World other(sc, 2);
  for (int k = 0; k < sc.weeks(); ++k) other.step();
  EXPECT_NE(other.state_hash(), one);
}

// A run of two scenarios x 4 replicates, tasks in parallel (and each world's phases too): every
// headline value of every replicate is the same with 1 and 2 threads.
TEST(Threads, EnsembleSameResultsForAnyThreadCount) {
  std::vector<Scenario> scenarios = {shipped("step_model"), shipped("housing_first")};
  for (Scenario& s : scenarios) s.set("horizon", "8 weeks");
  auto run = [&](int threads) {
    RunOptions opt;
    opt.threads = threads;
    opt.replicates = 4;
    opt.progress = false;
    return run_scenarios(scenarios, opt, "");
  };
  const auto one = run(1), two = run(2);
  ASSERT_EQ(one.size(), 2u);
  ASSERT_EQ(two.size(), one.size());
  for (std::size_t i = 0; i < one.size(); ++i) {
    SCOPED_TRACE(one[i].name);
    EXPECT_EQ(two[i].name, one[i].name);
    EXPECT_EQ(two[i].replicates, one[i].replicates);
    ASSERT_EQ(one[i].replicates.size(), 4u);
    ASSERT_FALSE(one[i].headline.empty());
    ASSERT_EQ(two[i].headline.size(), one[i].headline.size());
    for (const auto& [name, values] : one[i].headline) {
      ASSERT_TRUE(two[i].headline.count(name)) << name;
      EXPECT_TRUE(same_bits(two[i].headline.at(name), values)) << name;
    }
  }
  // The two policies differ somewhere (the comparison above is not of empty or constant data).
  bool differ = false;
  for (const auto& [name, values] : one[0].headline)
    differ |= one[1].headline.count(name) && !same_bits(one[1].headline.at(name), values);
  EXPECT_TRUE(differ);
}
