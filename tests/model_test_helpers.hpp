// Helpers of the tests of model meaning (test_model_rules.cpp, test_model_accounts.cpp):
// scenarios from YAML text, weeks driven phase by phase with hooks, and observed event
// counts compared with the sum of the hazards' probabilities within k standard deviations.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "sim/registry/scenario.hpp"
#include "sim/engine/world.hpp"

namespace percorsi::mt {

inline Scenario yaml(const std::string& text) { return parse_scenario(text, "t.yaml"); }

// Weekly probability of a hazard: 1 - exp(-rate_per_year / 52 * exp(lp)).
inline double hz(double rate_per_year, double lp = 0) { return -std::expm1(-rate_per_year / 52.0 * std::exp(lp)); }
inline double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }
inline float clamp01(float x) { return x < 0 ? 0.f : (x > 1 ? 1.f : x); }

// Runs one week: begin_week, the phases named in `only` (all when empty) in the model's
// order, end_week; hook(phase, false) before and hook(phase, true) after each phase run.
using Hook = std::function<void(const std::string& phase, bool after)>;
inline void run_week(World& w, const Hook& hook = {}, std::initializer_list<const char*> only = {}) {
  w.begin_week();
  for (const auto& ph : World::phases()) {
    const std::string name = ph.name;
    if (only.size() && std::none_of(only.begin(), only.end(), [&](const char* o) { return name == o; })) continue;
    if (hook) hook(name, false);
    (w.*ph.fn)();
    if (hook) hook(name, true);
  }
  w.end_week();
}

// Hook that calls before() / after() around one named phase only.
inline Hook around(const std::string& phase, std::function<void()> before, std::function<void()> after) {
  return [=](const std::string& name, bool is_after) {
    if (name != phase) return;
    if (is_after) {
      if (after) after();
    } else if (before) {
      before();
    }
  };
}

// Bernoulli trials with known probabilities, in named bins (e.g. covariate low / high):
// the observed count of events in each bin must be within k sd of the sum of probabilities.
struct Trials {
  struct Bin {
    double n = 0, expected = 0, var = 0, observed = 0;
  };
  std::map<std::string, Bin> bins;
  void add(const std::string& bin, double p, bool hit) {
    auto& b = bins[bin];
    b.n++, b.expected += p, b.var += p * (1 - p), b.observed += hit ? 1 : 0;
  }
  // Every bin within k sd (plus half an event, for bins whose probability is 0 or 1); bins
  // with at least min_expected expected events are required for each name in `required`.
  void check(const std::string& what, std::initializer_list<const char*> required = {}, double min_expected = 30,
             double k = 4.5) const {
    for (const char* r : required) {
      const auto it = bins.find(r);
      ASSERT_TRUE(it != bins.end()) << what << ": no trials in bin " << r;
      EXPECT_GE(it->second.expected, min_expected) << what << ": too few expected events in bin " << r << " to test";
    }
    for (const auto& [name, b] : bins)
      EXPECT_NEAR(b.observed, b.expected, k * std::sqrt(b.var) + 0.5)
          << what << " [" << name << "]: observed " << b.observed << " events in " << b.n << " trials, expected "
          << b.expected << " (sd " << std::sqrt(b.var) << ")";
  }
};

// "low" / "mid" / "high" of a trait in [0, 1].
inline const char* tercile(float x) { return x < 0.4f ? "low" : (x < 0.6f ? "mid" : "high"); }

inline std::size_t series_index(const std::string& name) {
  const auto& n = World::series_names();
  const auto it = std::find(n.begin(), n.end(), name);
  EXPECT_NE(it, n.end()) << name;
  return static_cast<std::size_t>(it - n.begin());
}

}  // namespace percorsi::mt
