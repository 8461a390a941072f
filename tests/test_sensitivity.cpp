// Sensitivity analysis: the plausible ranges of the registry (sim/registry/plausible.def), the
// Morris design and the Sobol estimators on analytic functions, the sensitivity file, the command.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "sim/registry/scenario.hpp"
#include "sim/stats/sensitivity.hpp"

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

// ---- The designs and the estimators (sim/stats/sensitivity.hpp) ----------------------------------

TEST(Morris, EachTrajectoryMovesOneFactorAtATimeByDeltaOnTheGrid) {
  const int k = 5, r = 20, p = 4;
  const sens::Design d = sens::morris_design(k, r, p, 7);
  ASSERT_EQ(d.points(), static_cast<std::size_t>(r * (k + 1)));
  const double delta = p / (2.0 * (p - 1));
  for (std::size_t j = 0; j < d.points(); ++j)
    for (int i = 0; i < k; ++i) {
      const double level = d.at(j, i) * (p - 1);
      EXPECT_NEAR(level, std::round(level), 1e-12) << "point " << j << " factor " << i << " is off the grid";
      EXPECT_TRUE(d.at(j, i) >= 0 && d.at(j, i) <= 1) << j << " " << i;
    }
  for (int t = 0; t < r; ++t) {
    std::vector<int> moved(k, 0);
    for (int s = 0; s < k; ++s) {
      const std::size_t j = static_cast<std::size_t>(t * (k + 1) + s);
      int changed = 0;
      for (int i = 0; i < k; ++i)
        if (d.at(j + 1, i) != d.at(j, i)) {
          ++changed, ++moved[i];
          EXPECT_NEAR(std::fabs(d.at(j + 1, i) - d.at(j, i)), delta, 1e-12) << "trajectory " << t << " step " << s;
        }
      EXPECT_EQ(changed, 1) << "trajectory " << t << " step " << s;
    }
    EXPECT_EQ(moved, std::vector<int>(k, 1)) << "trajectory " << t << ": each factor moves once";
  }
  // Reproducible from the seed, and another seed gives another design.
  EXPECT_EQ(sens::morris_design(k, r, p, 7).x, d.x);
  EXPECT_NE(sens::morris_design(k, r, p, 8).x, d.x);
  EXPECT_THROW(sens::morris_design(k, r, 3, 7), std::invalid_argument);  // odd levels: Delta is off the grid
}

TEST(Morris, IndicesOfALinearFunctionAndAFactorWithoutEffect) {
  const sens::Design d = sens::morris_design(3, 12, 6, 1);
  std::vector<double> y;
  for (std::size_t j = 0; j < d.points(); ++j) y.push_back(3 * d.at(j, 0) - 2 * d.at(j, 1) + 0 * d.at(j, 2));
  const auto m = sens::morris_indices(d, y);
  EXPECT_NEAR(m[0].mu, 3, 1e-9);
  EXPECT_NEAR(m[0].mu_star, 3, 1e-9);
  EXPECT_NEAR(m[1].mu, -2, 1e-9);
  EXPECT_NEAR(m[1].mu_star, 2, 1e-9);
  EXPECT_NEAR(m[1].sigma, 0, 1e-9);
  EXPECT_EQ(m[2].mu_star, 0);  // no effect: every elementary effect is exactly zero
  EXPECT_EQ(m[2].n, 12);
  // An undefined output leaves out the two effects it takes part in.
  y[1] = std::nan("");
  const auto n = sens::morris_indices(d, y);
  EXPECT_EQ(n[0].n + n[1].n + n[2].n, 3 * 12 - 2);
}

TEST(Morris, SignShare) {
  EXPECT_EQ(sens::sign_share({0.1, 0.2, 3, std::nan("")}, 0.5), 1.0);
  EXPECT_EQ(sens::sign_share({0.1, -0.2, 0, 1}, 0.5), 0.5);
  EXPECT_TRUE(std::isnan(sens::sign_share({0.1}, std::nan(""))));
}

namespace {
// Sobol' indices of f over the unit cube; each estimate within 4 standard errors (which shrink
// as 1/sqrt(N)) of the analytic value.
template <class F>
void expect_sobol(F f, int k, int N, const std::vector<double>& s1, const std::vector<double>& st) {
  const sens::Design d = sens::saltelli_design(k, N);
  ASSERT_EQ(d.points(), static_cast<std::size_t>(N * (k + 2)));
  std::vector<double> y;
  for (std::size_t j = 0; j < d.points(); ++j) y.push_back(f(&d.x[j * k]));
  const auto s = sens::sobol_indices(k, N, y);
  for (int i = 0; i < k; ++i) {
    EXPECT_LT(s[i].s1_se + s[i].st_se, 8.0 / std::sqrt(N)) << i;  // the tolerance is tight enough to mean something
    EXPECT_NEAR(s[i].s1, s1[i], 4 * s[i].s1_se + 1e-9) << "S1 of factor " << i << ", N = " << N;
    EXPECT_NEAR(s[i].st, st[i], 4 * s[i].st_se + 1e-9) << "ST of factor " << i << ", N = " << N;
  }
}
}  // namespace

TEST(Sobol, IshigamiFunction) {
  const double pi = std::acos(-1.0), a = 7, b = 0.1;
  auto f = [&](const double* u) {
    const double x1 = -pi + 2 * pi * u[0], x2 = -pi + 2 * pi * u[1], x3 = -pi + 2 * pi * u[2];
    return std::sin(x1) + a * std::sin(x2) * std::sin(x2) + b * std::pow(x3, 4) * std::sin(x1);
  };
  // Analytic indices (Ishigami & Homma 1990; Sobol' & Levitan 1999).
  const double v1 = 0.5 * std::pow(1 + b * std::pow(pi, 4) / 5, 2), v2 = a * a / 8;
  const double v13 = std::pow(b, 2) * std::pow(pi, 8) * (1.0 / 18 - 1.0 / 50), v = v1 + v2 + v13;
  expect_sobol(f, 3, 4096, {v1 / v, v2 / v, 0}, {(v1 + v13) / v, v2 / v, v13 / v});
}

TEST(Sobol, LinearFunction) {
  auto f = [](const double* u) { return u[0] + 2 * u[1] + 3 * u[2] + 0 * u[3]; };
  expect_sobol(f, 4, 4096, {1 / 14.0, 4 / 14.0, 9 / 14.0, 0}, {1 / 14.0, 4 / 14.0, 9 / 14.0, 0});
}
