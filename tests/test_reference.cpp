// The reference engine proves the fast one (docs/architecture.md, "Two engines"): both run the
// same weekly script and rules, the fast one with its machinery (parallel blocks, batched SIMD
// draws, counting sorts, guide tables, partial rankings, prefetching), the reference one with
// plain serial loops and one stream per draw. They must give bit-identical state (every
// person and firm column, the territories' queues and counters, the census, the series and the
// timeline) after every phase of every week: on every shipped scenario, and on parameter sets
// drawn within the registry's bounds. Pinned hashes of the shipped scenarios, for every
// random-number code path, make "results unchanged" a test.
#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

#include "sim/engine/first_blocks.hpp"
#include "sim/engine/world.hpp"
#include "tests/shipped_scenarios.hpp"

using namespace percorsi;
namespace fs = std::filesystem;

namespace {
const std::string kSrc = PERCORSI_SOURCE_DIR;

// Every shipped scenario and trial file, relative to scenarios/, sorted.
std::vector<std::string> shipped_files() { return shipped::scenario_files(kSrc + "/scenarios"); }

// Runs the fast and the reference engine side by side, phase by phase, and returns where they
// first differ ("" if never): the week, the phase and the part of the state.
std::string first_difference(const Scenario& sc, int weeks, int replicate = 1) {
  World fast(sc, replicate, Engine::Fast), ref(sc, replicate, Engine::Reference);
  auto compare = [&](const std::string& where) -> std::string {
    for (const auto& n : World::state_names())
      if (fast.column_hash(n) != ref.column_hash(n)) return where + ": " + n + " differs";
    return "";
  };
  if (auto d = compare("set-up"); !d.empty()) return d;
  for (int w = 0; w < weeks; ++w) {
    fast.begin_week();
    ref.begin_week();
    for (const auto& ph : World::phases()) {
      (fast.*ph.fn)();
      (ref.*ph.fn)();
      if (auto d = compare("week " + std::to_string(w) + ", after " + ph.name); !d.empty()) return d;
    }
    fast.end_week();
    ref.end_week();
  }
  return "";
}

// A uniform double in [0, 1) from a 64-bit Mersenne twister (specified exactly by the standard).
double unit(std::mt19937_64& g) { return static_cast<double>(g() >> 11) * 0x1p-53; }

// Writes a number as YAML text (integers without a decimal point).
std::string num(double x, bool integer) {
  char buf[64];
  if (integer) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(std::llround(x)));
  else std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

// Draws a value of parameter p within its registry bounds, around its default (within the
// bounds, a range of the default's size either side, so that runs stay small and alive).
std::string draw_value(const ParamSpec& p, double def, std::mt19937_64& g) {
  switch (p.kind) {
    case Kind::Bool: return unit(g) < 0.5 ? "false" : "true";
    case Kind::Choice: return p.choices[static_cast<std::size_t>(unit(g) * static_cast<double>(p.choices.size()))];
    case Kind::Real:
    case Kind::Int:
    case Kind::Duration: {
      const double half = 0.75 * std::fabs(def) + 0.5;
      const double lo = std::max(p.min, def - half), hi = std::min(p.max, def + half);
      const double x = lo + unit(g) * (hi - lo);
      if (p.kind == Kind::Duration) return num(x, true) + " weeks";
      return num(x, p.kind == Kind::Int);
    }
    case Kind::Time: return num(unit(g) * 60, true) + " weeks";  // (events are not drawn: family_care.start, .end)
    case Kind::Text: return "";
  }
  return "";
}
}  // namespace

// One test per shipped file (ctest runs them in parallel).
class ShippedScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedScenario, ReferenceEqualsTheFastEngineAfterEveryPhase) {
  auto scenarios = load_scenarios(kSrc + "/scenarios/" + GetParam());
  scenarios.resize(std::min<std::size_t>(scenarios.size(), 2));  // a sweep: its first points
  for (const auto& sc : scenarios) {
    SCOPED_TRACE(GetParam() + " (" + sc.name() + ")");
    EXPECT_EQ(first_difference(sc, sc.weeks()), "");
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, ShippedScenario, ::testing::ValuesIn(shipped_files()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param.substr(0, i.param.size() - 5);
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(Reference, EveryShippedScenarioIsCompared) { EXPECT_GE(shipped_files().size(), 15u); }

// At least 20 parameter sets drawn within the registry's bounds: every global number, choice
// and switch, and the territories' capacities, on the Piedmont and Tuscany baselines.
TEST(Reference, EqualsTheFastEngineOnParameterSetsDrawnWithinTheBounds) {
  std::mt19937_64 g(20261130);
  const char* bases[] = {"/scenarios/piemonte/baseline.yaml", "/scenarios/toscana/baseline.yaml"};
  const std::vector<std::string> fixed = {"seed", "replicates", "horizon", "scale", "output.timeline", "name", "description",
                                          "extends", "start_date"};
  int sets = 0, tries = 0;
  while (sets < 24 && tries < 200) {
    ++tries;
    Scenario sc = load_scenario(kSrc + bases[sets % 2]);
    try {
      for (const auto& p : registry()) {
        if (std::find(fixed.begin(), fixed.end(), p.path) != fixed.end() || p.scope == Scope::Event) continue;
        if (unit(g) < 0.4) continue;  // keep some defaults
        if (p.scope == Scope::Territory) {
          if (p.key() == "name" || p.key() == "initial_population" || p.key() == "firms") continue;
          for (std::size_t t = 0; t < sc.territories.size(); ++t)
            sc.set(p.path, draw_value(p, sc.territories[t][static_cast<T>(p.index)], g), static_cast<int>(t));
        } else {
          sc.set(p.path, draw_value(p, sc[static_cast<G>(p.index)], g));
        }
      }
      sc.set("horizon", "40 weeks");
      sc.validate();
    } catch (const ScenarioError&) {
      continue;  // a draw that breaks a cross-field check: draw again
    }
    SCOPED_TRACE("parameter set " + std::to_string(sets) + ":\n" + sc.to_yaml());
    EXPECT_EQ(first_difference(sc, sc.weeks(), sets), "");
    ++sets;
  }
  EXPECT_EQ(sets, 24);
}

// The comparison itself sees a difference: two worlds that differ (another replicate) are
// reported at set-up, and one that differs by a lever only from the week it acts.
TEST(Reference, TheComparisonSeesADifference) {
  const Scenario sc = load_scenario(kSrc + "/scenarios/piemonte/step_model.yaml");
  World a(sc, 1), b(sc, 2, Engine::Reference);
  bool differs = false;
  for (const auto& n : World::state_names()) differs |= a.column_hash(n) != b.column_hash(n);
  EXPECT_TRUE(differs);
  for (const auto& n : World::state_names()) EXPECT_NE(a.column_hash(n), 0u) << n;
  EXPECT_EQ(a.column_hash("no such column"), 0u);
}

// Pinned state hashes of the shipped scenarios after their whole horizon (replicate 0), for
// every random-number code path: the batched first blocks of the fast engine in each SIMD
// version this processor runs, and the reference engine's one stream per draw. A change of
// results shows here; when it is meant (a model change), print the new pins with
// PERCORSI_PRINT_PINS=1 and say in the commit which results changed and why.
TEST(Reference, PinnedResultHashesOfTheShippedScenarios) {
  const std::map<std::string, std::uint64_t> pinned = {
#include "pinned_hashes.inc"
  };
  const bool print = std::getenv("PERCORSI_PRINT_PINS") != nullptr;
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 2);
  for (const auto& f : shipped_files()) {
    const Scenario sc = load_scenarios(kSrc + "/scenarios/" + f).front();
    auto run = [&](Engine e) {
      World w(sc, 0, e);
      for (int k = 0; k < sc.weeks(); ++k) w.step();
      return w.state_hash();
    };
    std::map<std::string, std::uint64_t> got;
    for (auto v : {FirstBlocks::Simd::Portable, FirstBlocks::Simd::Avx2, FirstBlocks::Simd::Avx512}) {
      if (!FirstBlocks::supported(v)) continue;
      FirstBlocks::use(v);
      got["fast/simd" + std::to_string(static_cast<int>(v))] = run(Engine::Fast);
    }
    FirstBlocks::use_best();
    got["reference"] = run(Engine::Reference);
    if (print) std::printf("    {\"%s\", 0x%016" PRIx64 "ull},\n", f.c_str(), got["reference"]);
    for (const auto& [path, h] : got) EXPECT_EQ(h, got["reference"]) << f << " with " << path;
    if (print) continue;
    const auto it = pinned.find(f);
    ASSERT_NE(it, pinned.end()) << f << " has no pinned hash: run with PERCORSI_PRINT_PINS=1";
    for (const auto& [path, h] : got) EXPECT_EQ(h, it->second) << f << " with " << path;
  }
}
