#include "sim/study/abc.hpp"

#include <Random123/philox.h>
// after philox.h, which sets up Random123's features
#include <Random123/MicroURNG.hpp>
#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace percorsi::abc {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
using Urng = r123::MicroURNG<r123::Philox4x32>;

// The stream of proposal k of generation t: key = the seed, counter = (t, k), the last word
// left to the generator's own count.
Urng stream(std::uint64_t seed, int generation, std::int64_t k) {
  const Urng::ukey_type key = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  const Urng::ctr_type ctr = {{static_cast<std::uint32_t>(generation), static_cast<std::uint32_t>(k),
                               static_cast<std::uint32_t>(static_cast<std::uint64_t>(k) >> 32), 0}};
  return Urng(ctr, key);
}

// The algorithm's coordinates: a log-uniform parameter as its log, where its prior is uniform.
struct Box {
  std::vector<double> lo, hi;
  std::vector<bool> log;
  explicit Box(const std::vector<Prior>& priors) {
    for (const auto& p : priors) {
      lo.push_back(p.log ? std::log(p.lo) : p.lo);
      hi.push_back(p.log ? std::log(p.hi) : p.hi);
      log.push_back(p.log);
    }
  }
  std::size_t dim() const { return lo.size(); }
  bool inside(const std::vector<double>& u) const {
    for (std::size_t j = 0; j < dim(); ++j)
      if (!(u[j] >= lo[j] && u[j] <= hi[j])) return false;
    return true;
  }
  std::vector<double> to_theta(std::vector<double> u) const {
    for (std::size_t j = 0; j < dim(); ++j)
      if (log[j]) u[j] = std::exp(u[j]);
    return u;
  }
  std::vector<double> to_u(std::vector<double> theta) const {
    for (std::size_t j = 0; j < dim(); ++j)
      if (log[j]) theta[j] = std::log(theta[j]);
    return theta;
  }
};

// The perturbation kernel: a Gaussian of covariance `sigma` = L L^T (Cholesky factor L).
struct Perturbation {
  std::size_t d = 0;
  std::vector<double> L;  // lower triangular, row-major d x d

  // Twice the weighted covariance of the population (or its diagonal only), each variance at
  // least a millionth of the squared prior width so that a collapsed population still moves.
  Perturbation(const std::vector<std::vector<double>>& u, const std::vector<double>& w, const Box& box, bool diagonal)
      : d(box.dim()), L(d * d, 0.0) {
    std::vector<double> mean(d, 0.0), cov(d * d, 0.0);
    for (std::size_t i = 0; i < u.size(); ++i)
      for (std::size_t a = 0; a < d; ++a) mean[a] += w[i] * u[i][a];
    for (std::size_t i = 0; i < u.size(); ++i)
      for (std::size_t a = 0; a < d; ++a)
        for (std::size_t b = 0; b <= a; ++b) cov[a * d + b] += 2 * w[i] * (u[i][a] - mean[a]) * (u[i][b] - mean[b]);
    for (std::size_t a = 0; a < d; ++a) {
      const double width = box.hi[a] - box.lo[a];
      cov[a * d + a] = std::max(cov[a * d + a], 1e-6 * width * width);
      if (diagonal)
        for (std::size_t b = 0; b < a; ++b) cov[a * d + b] = 0;
    }
    if (!cholesky(cov))  // not positive definite (parameters exactly collinear): the diagonal
      for (std::size_t a = 0; a < d; ++a)
        for (std::size_t b = 0; b <= a; ++b) L[a * d + b] = a == b ? std::sqrt(cov[a * d + a]) : 0.0;
  }
  bool cholesky(const std::vector<double>& c) {
    for (std::size_t a = 0; a < d; ++a)
      for (std::size_t b = 0; b <= a; ++b) {
        double s = c[a * d + b];
        for (std::size_t k = 0; k < b; ++k) s -= L[a * d + k] * L[b * d + k];
        if (a == b) {
          if (!(s > 0)) return false;
          L[a * d + a] = std::sqrt(s);
        } else {
          L[a * d + b] = s / L[b * d + b];
        }
      }
    return true;
  }
  // mu + L z, z standard normal.
  std::vector<double> move(const std::vector<double>& mu, Urng& g) const {
    boost::random::normal_distribution<double> normal;
    std::vector<double> z(d), x = mu;
    for (auto& v : z) v = normal(g);
    for (std::size_t a = 0; a < d; ++a)
      for (std::size_t b = 0; b <= a; ++b) x[a] += L[a * d + b] * z[b];
    return x;
  }
  // The log of the kernel density of x around mu, up to its constant: -|L^-1 (x - mu)|^2 / 2.
  double log_density(const std::vector<double>& x, const std::vector<double>& mu) const {
    std::vector<double> y(d);
    double q = 0;
    for (std::size_t a = 0; a < d; ++a) {
      double s = x[a] - mu[a];
      for (std::size_t b = 0; b < a; ++b) s -= L[a * d + b] * y[b];
      y[a] = s / L[a * d + a];
      q += y[a] * y[a];
    }
    return -0.5 * q;
  }
};

void check(const std::vector<Prior>& priors, const Settings& s) {
  if (priors.empty()) throw std::invalid_argument("abc: no parameters");
  for (const auto& p : priors)
    if (!(p.lo < p.hi) || !std::isfinite(p.lo) || !std::isfinite(p.hi) || (p.log && !(p.lo > 0)))
      throw std::invalid_argument("abc: a prior needs finite lo < hi (and lo > 0 when log-uniform)");
  if (s.particles < 2 || s.generations < 0 || !(s.quantile > 0 && s.quantile < 1) ||
      !(s.min_acceptance > 0 && s.min_acceptance <= 1))
    throw std::invalid_argument("abc: particles >= 2, generations >= 0, quantile and min_acceptance in (0, 1)");
}

}  // namespace

double Population::acceptance() const {
  return proposals > 0 ? static_cast<double>(theta.size()) / static_cast<double>(proposals) : 0.0;
}

double Population::ess() const {
  double s = 0;
  for (double x : weight) s += x * x;
  return s > 0 ? 1 / s : 0;
}

double weighted_mean(const std::vector<double>& x, const std::vector<double>& w) {
  double s = 0, sw = 0;
  for (std::size_t i = 0; i < x.size(); ++i) s += w[i] * x[i], sw += w[i];
  return sw > 0 ? s / sw : std::numeric_limits<double>::quiet_NaN();
}

double weighted_quantile(const std::vector<double>& x, const std::vector<double>& w, double q) {
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  double c = 0;
  for (std::size_t i : order) {
    c += w[i];
    if (c >= q * total * (1 - 1e-12)) return x[i];
  }
  return order.empty() ? std::numeric_limits<double>::quiet_NaN() : x[order.back()];
}

std::vector<double> column(const Population& p, std::size_t j) {
  std::vector<double> v;
  for (const auto& t : p.theta) v.push_back(t[j]);
  return v;
}

Result smc(const std::vector<Prior>& priors, const Settings& s, const Evaluate& evaluate,
           const std::function<void(const Population&)>& on_population) {
  check(priors, s);
  const Box box(priors);
  const std::size_t N = static_cast<std::size_t>(s.particles);
  const auto max_proposals = static_cast<std::int64_t>(std::ceil(static_cast<double>(N) / s.min_acceptance));
  Result result;
  for (int t = 0; t <= s.generations; ++t) {
    const auto start = std::chrono::steady_clock::now();
    const Population* prev = t > 0 ? &result.populations.back() : nullptr;
    Population pop;
    pop.generation = t;
    pop.epsilon = prev ? weighted_quantile(prev->distance, prev->weight, s.quantile) : kInf;
    if (prev && s.final_epsilon) pop.epsilon = std::max(pop.epsilon, *s.final_epsilon);

    // The previous population in the algorithm's coordinates, its kernel and cumulative weights.
    std::vector<std::vector<double>> prev_u;
    std::vector<double> cumulative;
    std::optional<Perturbation> kernel;
    if (prev) {
      for (const auto& th : prev->theta) prev_u.push_back(box.to_u(th));
      std::partial_sum(prev->weight.begin(), prev->weight.end(), std::back_inserter(cumulative));
      kernel.emplace(prev_u, prev->weight, box, s.kernel == Kernel::Variance);
    }
    auto propose = [&](std::int64_t k) {
      Urng g = stream(s.seed, t, k);
      boost::random::uniform_01<double> uniform;
      for (int attempt = 0; attempt < 100000; ++attempt) {
        std::vector<double> u(box.dim());
        if (!prev) {
          for (std::size_t j = 0; j < box.dim(); ++j) u[j] = box.lo[j] + (box.hi[j] - box.lo[j]) * uniform(g);
        } else {
          const double r = uniform(g) * cumulative.back();
          const auto i = std::min<std::size_t>(
              std::upper_bound(cumulative.begin(), cumulative.end(), r) - cumulative.begin(), cumulative.size() - 1);
          u = kernel->move(prev_u[i], g);
        }
        if (box.inside(u)) return Proposal{t, k, box.to_theta(std::move(u))};
      }
      throw std::runtime_error("abc: the perturbation kernel keeps leaving the prior's support");
    };

    // Batches of proposals until N are accepted (in proposal order). The batch size only
    // affects how much is evaluated beyond the last accepted proposal, never the result.
    const double rate = prev ? std::max(prev->acceptance(), s.min_acceptance) : 1.0;
    std::vector<std::vector<double>> accepted_u;
    while (pop.theta.size() < N && pop.evaluated < max_proposals) {
      const auto want = static_cast<std::int64_t>(std::ceil(static_cast<double>(N - pop.theta.size()) / rate));
      const std::int64_t n = std::min(std::max<std::int64_t>(want, 1), max_proposals - pop.evaluated);
      std::vector<Proposal> batch;
      for (std::int64_t k = pop.evaluated; k < pop.evaluated + n; ++k) batch.push_back(propose(k));
      const std::vector<double> d = evaluate(batch, pop.epsilon);
      if (d.size() != batch.size()) throw std::logic_error("abc: evaluate returned the wrong number of distances");
      for (std::size_t i = 0; i < batch.size() && pop.theta.size() < N; ++i)
        if (std::isfinite(d[i]) && d[i] <= pop.epsilon) {
          accepted_u.push_back(box.to_u(batch[i].theta));
          pop.theta.push_back(std::move(batch[i].theta));
          pop.distance.push_back(d[i]);
          pop.proposals = batch[i].index + 1;
        }
      pop.evaluated += n;
    }
    if (pop.theta.size() < N) {
      result.stop = "generation " + std::to_string(t) + " accepted " + std::to_string(pop.theta.size()) + " of " +
                    std::to_string(N) + " particles in " + std::to_string(pop.evaluated) +
                    " proposals (acceptance below min_acceptance)";
      if (!prev)
        throw std::runtime_error("abc: " + result.stop + ": no parameter values in the prior give a finite distance");
      return result;
    }

    // Importance weights: the prior is constant on the support (in the algorithm's coordinates),
    // so w_i is proportional to 1 / sum_j w_j K(u_i | u_j) (sums of logs, kept from underflow).
    std::vector<double> log_mix(N, 0.0);
    if (prev)
      for (std::size_t i = 0; i < N; ++i) {
        std::vector<double> terms;
        for (std::size_t j = 0; j < prev_u.size(); ++j)
          terms.push_back(std::log(prev->weight[j]) + kernel->log_density(accepted_u[i], prev_u[j]));
        const double top = *std::max_element(terms.begin(), terms.end());
        double sum = 0;
        for (double x : terms) sum += std::exp(x - top);
        log_mix[i] = top + std::log(sum);
      }
    const double least = *std::min_element(log_mix.begin(), log_mix.end());
    for (double l : log_mix) pop.weight.push_back(std::exp(least - l));
    const double total = std::accumulate(pop.weight.begin(), pop.weight.end(), 0.0);
    for (double& w : pop.weight) w /= total;
    pop.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.populations.push_back(std::move(pop));
    if (on_population) on_population(result.populations.back());
    if (t > 0 && s.final_epsilon && result.populations.back().epsilon <= *s.final_epsilon) {
      result.stop = "epsilon reached the final epsilon";
      return result;
    }
  }
  result.stop = "ran " + std::to_string(s.generations) + " generations after the prior sample";
  return result;
}

Result smc(const std::vector<Prior>& priors, const Settings& s, const EvaluateAll& evaluate,
           const std::function<void(const Population&)>& on_population) {
  return smc(priors, s, Evaluate([&](const std::vector<Proposal>& batch, double) { return evaluate(batch); }), on_population);
}

}  // namespace percorsi::abc
