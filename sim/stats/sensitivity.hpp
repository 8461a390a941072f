// Global sensitivity analysis in the unit hypercube (docs/sensitivity.md): the designs (Morris
// trajectories; Saltelli's A, B and A_B^i matrices on a Sobol' sequence) and the indices of an
// output computed at their points (Morris mu*, mu, sigma; Sobol' first-order and total indices),
// and the share of points where a value keeps a sign. Plain numbers: no model, no parameters,
// so that the estimators are checked on analytic functions (tests/test_sensitivity.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace percorsi::sens {

// Points of the unit hypercube [0, 1]^factors, row-major [points, factors].
struct Design {
  int factors = 0;
  std::vector<double> x;
  std::size_t points() const { return factors > 0 ? x.size() / static_cast<std::size_t>(factors) : 0; }
  double at(std::size_t point, int factor) const { return x[point * static_cast<std::size_t>(factors) + factor]; }
};

// Morris (1991) trajectories, as Campolongo et al. (2007) use them: `trajectories` blocks of
// factors + 1 points on the grid {0, 1/(p-1), ..., 1} of p = `levels` (even) levels. Each
// block starts at a random grid point and changes one factor at a time, each factor once, in a
// random order, by +Delta or -Delta, Delta = p / (2 (p - 1)). The same seed gives the same
// design (Boost's mt19937_64 and its integer distribution: the same on every platform).
Design morris_design(int factors, int trajectories, int levels, std::uint64_t seed);

struct MorrisIndices {
  double mu_star = 0;  // mean of |EE| (Campolongo et al. 2007): the overall influence
  double mu = 0;       // mean of EE: its sign says the direction when it does not change
  double sigma = 0;    // sample SD of EE: interactions and non-linearity (NaN with one EE)
  int n = 0;           // elementary effects defined (both points' outputs not NaN)
};
// The indices of each factor from an output `y` at the points of a Morris design. An elementary
// effect is (y(x + Delta e_i) - y(x)) / Delta in the output's unit per unit of the hypercube,
// i.e. the change of the output as the factor moves across its whole range.
std::vector<MorrisIndices> morris_indices(const Design& d, const std::vector<double>& y);

// Saltelli (2010): the first `samples` points (after the origin) of a Sobol' sequence in
// 2 x factors dimensions give A (first half of the coordinates) and B (second half); the design
// is A, then B, then for each factor i the matrix A_B^i (A with column i from B): samples x
// (factors + 2) points.
Design saltelli_design(int factors, int samples);

struct SobolIndices {
  double s1 = 0, st = 0;        // first-order and total indices
  double s1_se = 0, st_se = 0;  // their standard errors (of the means of the estimators' terms)
  int n = 0;                    // base samples used (all their outputs defined)
};
// Saltelli et al. (2010) estimators of S_i (their eq. (b)) and Jansen's S_Ti (eq. (f)), over
// the variance of the outputs at A and B, from an output at the points of a Saltelli design.
// Base samples with an undefined (NaN) output among A, B and A_B^i are left out of factor i.
std::vector<SobolIndices> sobol_indices(int factors, int samples, const std::vector<double>& y);

// A Latin hypercube of `points` points (McKay et al. 1979): each factor's range cut into `points`
// equal strata, each stratum used once, at its midpoint, the strata of each factor in a random
// order (Fisher-Yates on Boost's mt19937_64 seeded with `seed`: the same design everywhere).
// Every factor's values are spread evenly over [0, 1] whatever the number of factors, and the
// factors are uncorrelated on average: the design for shares of the space and rank correlations.
Design latin_hypercube(int factors, int points, std::uint64_t seed);

// Spearman's rank correlation between each factor of a design and an output `y` at its points
// (ties get their mean rank; points with an undefined y are left out): how much, and in which
// direction, the output moves with the factor over the whole space. 0 when y or the factor is
// constant over the defined points, NaN with fewer than three of them.
std::vector<double> rank_correlations(const Design& d, const std::vector<double>& y);

// The smallest |rho| of rank_correlations() over `points` points that stands out of the noise for
// one of `factors` factors: the two-sided 5% critical value of a correlation of zero,
// z / sqrt(points - 1), Bonferroni-corrected over the factors (a factor without effect passes in
// about one output in twenty). NaN with fewer than three points.
double rank_correlation_threshold(std::size_t factors, int points);

// The share of the defined values of `y` with the sign (-1, 0, +1) of `reference`; NaN when
// `reference` or every value is undefined.
double sign_share(const std::vector<double>& y, double reference);

}  // namespace percorsi::sens
