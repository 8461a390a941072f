#include "sim/stats/sensitivity.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/sobol.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace percorsi::sens {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int sign(double x) {
  return (x > 0) - (x < 0);
}

// Mean and sample SD of a list of terms (NaN SD with fewer than two).
std::pair<double, double> moments(const std::vector<double>& v) {
  if (v.empty()) return {kNaN, kNaN};
  const double m = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  if (v.size() < 2) return {m, kNaN};
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return {m, std::sqrt(ss / static_cast<double>(v.size() - 1))};
}
}  // namespace

Design morris_design(int factors, int trajectories, int levels, std::uint64_t seed) {
  if (factors < 1 || trajectories < 1 || levels < 2 || levels % 2 != 0)
    throw std::invalid_argument("morris_design: needs factors >= 1, trajectories >= 1 and an even number of levels");
  boost::random::mt19937_64 rng(seed);
  const int step = levels / 2;  // Delta in grid steps: p / 2 steps of 1 / (p - 1)
  const double unit = 1.0 / (levels - 1);
  Design d;
  d.factors = factors;
  std::vector<int> level(static_cast<std::size_t>(factors)), dir(level.size()), order(level.size());
  for (int t = 0; t < trajectories; ++t) {
    for (int i = 0; i < factors; ++i) {
      const int low = boost::random::uniform_int_distribution<int>(0, levels - 1 - step)(rng);
      dir[i] = boost::random::uniform_int_distribution<int>(0, 1)(rng) ? 1 : -1;
      level[i] = dir[i] > 0 ? low : low + step;
    }
    std::iota(order.begin(), order.end(), 0);
    for (int i = factors - 1; i > 0; --i)  // Fisher-Yates with a portable distribution
      std::swap(order[i], order[boost::random::uniform_int_distribution<int>(0, i)(rng)]);
    auto emit = [&] {
      for (int i = 0; i < factors; ++i) d.x.push_back(level[i] * unit);
    };
    emit();
    for (int i : order) {
      level[i] += dir[i] * step;
      emit();
    }
  }
  return d;
}

std::vector<MorrisIndices> morris_indices(const Design& d, const std::vector<double>& y) {
  const int k = d.factors;
  const std::size_t block = static_cast<std::size_t>(k) + 1;
  if (y.size() != d.points() || d.points() % block != 0)
    throw std::invalid_argument("morris_indices: y does not fit the design");
  std::vector<std::vector<double>> ee(static_cast<std::size_t>(k));
  for (std::size_t start = 0; start < d.points(); start += block)
    for (std::size_t j = start; j + 1 < start + block; ++j)
      for (int i = 0; i < k; ++i) {
        const double dx = d.at(j + 1, i) - d.at(j, i);
        if (dx == 0) continue;
        if (!std::isnan(y[j]) && !std::isnan(y[j + 1])) ee[i].push_back((y[j + 1] - y[j]) / dx);
      }
  std::vector<MorrisIndices> out(static_cast<std::size_t>(k));
  for (int i = 0; i < k; ++i) {
    std::vector<double> abs_ee;
    for (double e : ee[i]) abs_ee.push_back(std::fabs(e));
    out[i].mu_star = moments(abs_ee).first;
    std::tie(out[i].mu, out[i].sigma) = moments(ee[i]);
    out[i].n = static_cast<int>(ee[i].size());
  }
  return out;
}

Design saltelli_design(int factors, int samples) {
  if (factors < 1 || samples < 1) throw std::invalid_argument("saltelli_design: needs factors >= 1 and samples >= 1");
  const std::size_t k = static_cast<std::size_t>(factors), N = static_cast<std::size_t>(samples);
  boost::random::sobol qrng(2 * k);  // its first point is (1/2, ..., 1/2): the origin is skipped
  std::vector<double> base(N * 2 * k);
  for (double& u : base) u = static_cast<double>(qrng()) / 18446744073709551616.0;  // / 2^64
  auto a = [&](std::size_t j, std::size_t i) { return base[j * 2 * k + i]; };
  auto b = [&](std::size_t j, std::size_t i) { return base[j * 2 * k + k + i]; };
  Design d;
  d.factors = factors;
  d.x.reserve(N * (k + 2) * k);
  for (std::size_t j = 0; j < N; ++j)
    for (std::size_t i = 0; i < k; ++i) d.x.push_back(a(j, i));
  for (std::size_t j = 0; j < N; ++j)
    for (std::size_t i = 0; i < k; ++i) d.x.push_back(b(j, i));
  for (std::size_t c = 0; c < k; ++c)
    for (std::size_t j = 0; j < N; ++j)
      for (std::size_t i = 0; i < k; ++i) d.x.push_back(i == c ? b(j, i) : a(j, i));
  return d;
}

std::vector<SobolIndices> sobol_indices(int factors, int samples, const std::vector<double>& y) {
  const std::size_t k = static_cast<std::size_t>(factors), N = static_cast<std::size_t>(samples);
  if (y.size() != N * (k + 2)) throw std::invalid_argument("sobol_indices: y does not fit the design");
  auto fa = [&](std::size_t j) { return y[j]; };
  auto fb = [&](std::size_t j) { return y[N + j]; };
  auto fab = [&](std::size_t i, std::size_t j) { return y[(2 + i) * N + j]; };
  std::vector<double> ab;  // the outputs at A and B: their variance is V(Y)
  for (std::size_t j = 0; j < 2 * N; ++j)
    if (!std::isnan(y[j])) ab.push_back(y[j]);
  const double sd = moments(ab).second, var = sd * sd;
  std::vector<SobolIndices> out(k);
  for (std::size_t i = 0; i < k; ++i) {
    std::vector<double> first, total;
    for (std::size_t j = 0; j < N; ++j) {
      if (std::isnan(fa(j)) || std::isnan(fb(j)) || std::isnan(fab(i, j))) continue;
      first.push_back(fb(j) * (fab(i, j) - fa(j)));
      total.push_back(0.5 * (fa(j) - fab(i, j)) * (fa(j) - fab(i, j)));
    }
    const auto [m1, s1] = moments(first);
    const auto [mt, st] = moments(total);
    const double root_n = std::sqrt(static_cast<double>(first.size()));
    out[i] = {m1 / var, mt / var, s1 / root_n / var, st / root_n / var, static_cast<int>(first.size())};
    if (var == 0) out[i] = {0, 0, 0, 0, out[i].n};  // a constant output: no variance to apportion
  }
  return out;
}

Design latin_hypercube(int factors, int points, std::uint64_t seed) {
  if (factors < 1 || points < 1) throw std::invalid_argument("latin_hypercube: needs factors >= 1 and points >= 1");
  boost::random::mt19937_64 rng(seed);
  Design d;
  d.factors = factors;
  d.x.assign(static_cast<std::size_t>(factors) * static_cast<std::size_t>(points), 0.0);
  std::vector<int> strata(static_cast<std::size_t>(points));
  for (int i = 0; i < factors; ++i) {
    std::iota(strata.begin(), strata.end(), 0);
    for (int j = points - 1; j > 0; --j)  // Fisher-Yates with a portable distribution
      std::swap(strata[j], strata[boost::random::uniform_int_distribution<int>(0, j)(rng)]);
    for (int j = 0; j < points; ++j)
      d.x[static_cast<std::size_t>(j) * factors + i] = (strata[j] + 0.5) / points;
  }
  return d;
}

namespace {
// Ranks from 1, ties given their mean rank.
std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    for (std::size_t t = i; t <= j; ++t) r[order[t]] = 0.5 * static_cast<double>(i + j) + 1;
    i = j + 1;
  }
  return r;
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const auto [ma, sa] = moments(a);
  const auto [mb, sb] = moments(b);
  if (sa == 0 || sb == 0) return 0;
  double c = 0;
  for (std::size_t i = 0; i < a.size(); ++i) c += (a[i] - ma) * (b[i] - mb);
  return c / static_cast<double>(a.size() - 1) / sa / sb;
}
}  // namespace

std::vector<double> rank_correlations(const Design& d, const std::vector<double>& y) {
  std::vector<std::size_t> defined;
  for (std::size_t j = 0; j < d.points() && j < y.size(); ++j)
    if (!std::isnan(y[j])) defined.push_back(j);
  std::vector<double> out(static_cast<std::size_t>(d.factors), kNaN);
  if (defined.size() < 3) return out;
  std::vector<double> yv;
  for (std::size_t j : defined) yv.push_back(y[j]);
  const std::vector<double> ry = ranks(yv);
  for (int i = 0; i < d.factors; ++i) {
    std::vector<double> xv;
    for (std::size_t j : defined) xv.push_back(d.at(j, i));
    out[static_cast<std::size_t>(i)] = pearson(ranks(xv), ry);
  }
  return out;
}

double rank_correlation_threshold(std::size_t factors, int points) {
  if (factors == 0 || points < 3) return kNaN;
  const double z = boost::math::quantile(boost::math::normal(), 1 - 0.025 / static_cast<double>(factors));
  return z / std::sqrt(points - 1.0);
}

double sign_share(const std::vector<double>& y, double reference) {
  if (std::isnan(reference)) return kNaN;
  int defined = 0, same = 0;
  for (double v : y)
    if (!std::isnan(v)) ++defined, same += sign(v) == sign(reference);
  return defined ? static_cast<double>(same) / defined : kNaN;
}

}  // namespace percorsi::sens
