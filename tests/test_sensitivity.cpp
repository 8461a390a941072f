// Plausible ranges of the registry (sim/registry/plausible.def).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "sim/registry/scenario.hpp"

using namespace percorsi;

namespace {
std::string number(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", x);
  return b;
}
bool numeric(Kind k) { return k == Kind::Real || k == Kind::Int || k == Kind::Duration; }
}  // namespace

// Every assumption that is a number (Global or Territory) has a plausible range, or is marked a
// run setting. After a merge that adds parameters, each failure names the line to add.
TEST(Plausible, EveryAssumptionHasARange) {
  for (const auto& p : registry()) {
    if (p.scope == Scope::Event || !numeric(p.kind) || !p.assumption()) continue;
    const char* macro = p.scope == Scope::Global ? "PLAUSIBLE" : "PLAUSIBLE_T";
    EXPECT_TRUE(p.plausible || !p.run_setting.empty())
        << "'" << p.id << "' (" << p.path << ") is an assumption without a plausible range: add `" << macro << "("
        << p.id << ", lo, hi, \"reason\")` to sim/registry/plausible.def (bounds [" << number(p.min) << ", "
        << number(p.max) << "], default '" << p.default_text << "', unit '" << p.unit
        << "'; durations in weeks), or RUN_SETTING(" << p.id << ", \"reason\") if the analyst chooses it";
  }
}

// Each range is a narrower interval than the bounds, holds the default, and fits its kind.
TEST(Plausible, RangesLieWithinTheBoundsAndHoldTheDefault) {
  const Scenario defaults = parse_scenario("seed: 1\nterritories:\n  - {name: A}\n", "defaults.yaml");
  int ranges = 0;
  for (const auto& p : registry()) {
    if (!p.run_setting.empty()) {
      EXPECT_FALSE(p.plausible) << p.id << ": both a run setting and a plausible range";
    }
    if (!p.plausible) continue;
    ++ranges;
    const auto [lo, hi, why] = *p.plausible;
    const std::string at = "plausible range of '" + p.id + "' [" + number(lo) + ", " + number(hi) + "]: ";
    ASSERT_TRUE(numeric(p.kind) && p.scope != Scope::Event) << at << "only numbers of Global or Territory scope have ranges";
    const double def = p.scope == Scope::Global ? defaults.global[p.index].num : defaults.territories[0].v[p.index].num;
    EXPECT_LT(lo, hi) << at << "empty";
    EXPECT_TRUE(p.min <= lo && hi <= p.max) << at << "outside the bounds [" << number(p.min) << ", " << number(p.max) << "]";
    EXPECT_TRUE(p.min < lo || hi < p.max) << at << "no narrower than the bounds";
    EXPECT_TRUE(lo <= def && def <= hi) << at << "leaves out the default " << number(def);
    if (p.kind == Kind::Int) {
      EXPECT_TRUE(lo == std::round(lo) && hi == std::round(hi)) << at << "an integer parameter takes integer ends";
    }
    EXPECT_FALSE(why.empty()) << at << "no reason";
  }
  // Every line of plausible.def reached a parameter (a repeated id would overwrite another line).
  int lines = 0;
#define PLAUSIBLE(...) ++lines;
#define PLAUSIBLE_T(...) ++lines;
#define RUN_SETTING(...)
#include "sim/registry/plausible.def"
#undef PLAUSIBLE
#undef PLAUSIBLE_T
#undef RUN_SETTING
  EXPECT_EQ(lines, ranges) << "sim/registry/plausible.def names a parameter twice";
}

// The initial shares of the population stay within 1 everywhere in their plausible ranges.
TEST(Plausible, InitialSharesFitTogether) {
  double top = 0;
  for (G id : {G::population_initial_street, G::population_initial_shelter, G::population_initial_transitional})
    top += plausible(id)->hi;
  EXPECT_LE(top, 1 + 1e-12);
  EXPECT_LE(plausible(G::population_age_min)->hi, plausible(G::population_age_max)->lo);
}
