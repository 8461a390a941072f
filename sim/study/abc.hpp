// Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC; Toni et al. 2009, J R Soc
// Interface 6:187; Beaumont et al. 2009, Biometrika 96:983), independent of the simulator: the
// caller gives the priors and a function that returns the distance of each proposed parameter
// vector from the data (docs/calibration.md).
//
// Generation 0 samples the priors (every proposal with a finite distance is accepted). Each later
// generation t sets its tolerance epsilon_t to the `quantile` of the previous population's
// distances (weighted), never below `final_epsilon`; proposes by picking a particle of the
// previous population by its weight and moving it with a Gaussian kernel of twice the weighted
// covariance of that population (or twice each parameter's weighted variance); accepts the
// proposals with distance <= epsilon_t, in proposal order, until it has `particles`; and weights
// each accepted particle by prior / sum_j w_j K(theta | theta_j). The run stops after
// `generations` generations, at the generation whose epsilon is `final_epsilon`, or when a
// generation would need more than particles / min_acceptance proposals (the last complete
// population is then the posterior).
//
// Priors are uniform on [lo, hi], or log-uniform (`log`): the algorithm works on the log of such
// a parameter, where its prior is uniform, and reports values on the parameter's own scale.
//
// Reproducible: proposal k of generation t is drawn from its own counter-based stream (Random123
// Philox keyed by the seed, counter (t, k)), and proposals are accepted in their order, so the
// result depends on the seed and on the distances only, not on how (or in what batches, threads
// or processes) the caller evaluates them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace percorsi::abc {

struct Prior {
  double lo = 0, hi = 1;
  bool log = false;  // log-uniform: uniform on [log lo, log hi]
};

enum class Kernel { Covariance, Variance };

struct Settings {
  int particles = 100;
  int generations = 5;                  // generations after generation 0 (the prior sample)
  std::optional<double> final_epsilon;  // stop at the generation whose epsilon reaches it
  double quantile = 0.5;                // epsilon_t: this quantile of the previous distances
  Kernel kernel = Kernel::Covariance;
  double min_acceptance = 0.01;  // stop when a generation's acceptance rate would be lower
  std::uint64_t seed = 0;
};

// One proposal: its generation, its index within the generation and its parameter values (on
// the parameters' own scale). The index lets a stochastic model key its own noise; a
// simulator run with common random numbers ignores it.
struct Proposal {
  int generation = 0;
  std::int64_t index = 0;
  std::vector<double> theta;
};

// The distance of each proposal of a batch, in order (NaN or infinite: never accepted). `epsilon`
// is the generation's tolerance (+infinity for generation 0): a proposal whose distance is
// above it is rejected whatever its value, so the evaluation may stop early on it and return
// any value above epsilon (a lower bound of its distance, say) instead of the distance.
using Evaluate = std::function<std::vector<double>(const std::vector<Proposal>& batch, double epsilon)>;
// The same, for an evaluation that always computes every distance in full.
using EvaluateAll = std::function<std::vector<double>(const std::vector<Proposal>& batch)>;

struct Population {
  int generation = 0;
  double epsilon = 0;                      // +infinity for generation 0
  std::vector<std::vector<double>> theta;  // [particle][parameter], the parameters' own scale
  std::vector<double> weight;              // normalised to sum 1
  std::vector<double> distance;
  std::int64_t proposals = 0;  // proposals up to the last accepted one (acceptance = particles / proposals)
  std::int64_t evaluated = 0;  // proposals evaluated (the last batch may go beyond the last accepted one)
  double seconds = 0;
  double acceptance() const;
  double ess() const;  // effective sample size, 1 / sum w^2
};

struct Result {
  std::vector<Population> populations;  // the last one is the posterior
  std::string stop;                     // why the run ended
};

// Throws std::invalid_argument on bad priors or settings; whatever `evaluate` throws passes
// through (an interruption, for example). `on_population` is called after each generation.
Result smc(const std::vector<Prior>& priors, const Settings& settings, const Evaluate& evaluate,
           const std::function<void(const Population&)>& on_population = {});
Result smc(const std::vector<Prior>& priors, const Settings& settings, const EvaluateAll& evaluate,
           const std::function<void(const Population&)>& on_population = {});

// Weighted summaries of one parameter of a population.
double weighted_mean(const std::vector<double>& x, const std::vector<double>& w);
// The smallest x whose cumulative weight reaches q (q in [0, 1]).
double weighted_quantile(const std::vector<double>& x, const std::vector<double>& w, double q);
// Column `j` of a population's particles.
std::vector<double> column(const Population& p, std::size_t j);

}  // namespace percorsi::abc
