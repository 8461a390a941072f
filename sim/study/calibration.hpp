// `percorsi calibrate` (docs/calibration.md): a calibration file names registry parameters with
// their priors and published targets of virtual trials; ABC-SMC (sim/study/abc.hpp) fits the
// parameters to the targets, every evaluation running the trials with their seed and the same
// replicates (common random numbers).
//
//   name: defaults                       # optional (default: the file's stem)
//   method: abc_smc
//   seed: 20260301                       # the algorithm's own draws
//   particles: 100
//   generations: 5                       # after the prior sample
//   epsilon: 1                           # optional: stop when epsilon reaches it
//   quantile: 0.5                        # optional: epsilon_t = this quantile of the last distances
//   kernel: covariance                   # or variance (per parameter)
//   min_acceptance: 0.01                 # optional: stop when acceptance would fall below it
//   replicates: 10                       # optional: replicates per evaluation (default: each trial's own)
//   parameters:                          # registry path (or id) -> prior
//     labour.job_finding_rate: {range: [0.2, 1.5]}
//     territories[].case_workers_per_1000: {range: [0.5, 5], log: true}
//   targets:                             # trial files relative to this file
//     - {trial: ../trials/italy_unemployed.yaml, target: italy_unemployed_to_employed_year}
//     - {trial: ../trials/ips.yaml}      # every target of the trial
//
// Distance of a parameter vector: for every published value v of the chosen targets, with the
// simulated mean m (over the replicates) and the absolute tolerance tol, z = (m - v) / tol; the
// distance is the root mean square of the z's (NaN m: infinite). A target is met when every
// |z| <= 1.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sim/study/abc.hpp"
#include "sim/registry/trial_spec.hpp"

namespace percorsi {

struct CalibrationParameter {
  std::string path;  // registry path; territory keys as "territories[].<key>" (every territory)
  const ParamSpec* spec = nullptr;
  abc::Prior prior;
  Origin origin;
};

struct CalibrationTrial {
  std::string file;  // the trial file, resolved against the calibration file's folder
  Trial trial;
  std::vector<std::string> targets;  // chosen target ids, in the trial's order
};

struct Calibration {
  std::string file, name;
  abc::Settings abc;
  int replicates = 0;  // 0: each trial's own
  std::vector<CalibrationParameter> parameters;
  std::vector<CalibrationTrial> trials;
  int replicates_of(const CalibrationTrial& t) const { return replicates > 0 ? replicates : t.trial.base.replicates(); }
};

// Loads and checks a calibration file and its trials. Throws ScenarioError listing every problem
// at file:line:column (unknown keys with "did you mean", bad priors, unknown trials or targets).
Calibration load_calibration(const std::string& path);
Calibration parse_calibration(const std::string& yaml_text, const std::string& pseudo_file);
// True when the file is a map with `parameters:` and `targets:` (what `percorsi validate` takes
// for a calibration file); false when it cannot be read.
bool is_calibration_file(const std::string& path);

// Gives an arm a parameter's value, except where the arm sets the parameter itself (there its
// value's origin differs from the trial file's): a fitted value belongs to the model, which every
// arm shares, while an arm's own value is one of its levers (docs/calibration.md). Territory keys:
// each territory of the arm likewise. False when the arm sets it everywhere (nothing applied).
bool set_on_arm(Scenario& arm, const Scenario& base, const CalibrationParameter& p, double value);

// One published value of a chosen target, simulated at some parameter values.
struct TargetFit {
  std::string target, trial, arm, measure;
  double published = 0, tolerance = 0, simulated = 0, z = 0;
};
struct Evaluation {
  std::vector<TargetFit> values;
  double distance = 0;  // root mean square of the z's; infinite when a value is undefined
};

struct CalibrationOptions {
  int threads = 0;  // 0: all cores
  bool progress = true;
  bool early_rejection = true;  // EarlyRejection below (the result is the same without it)
};

// Early rejection (docs/calibration.md, "Early rejection"): the arms of the trials of an
// evaluation run one after the other (stages: every arm of every trial), and a vector whose z's
// so far (the chosen rows whose arms have all run) already put its distance above `above` is not
// run on the stages left (its distance is then a lower bound, above `above`). The z's only add
// up, so a vector it stops could not have come within `above`: ABC-SMC's result is the same,
// only cheaper. The stages run in the order that has stopped most vectors per person-week
// simulated in the recent evaluations (`seen`); the order changes the cost, never a result.
struct EarlyRejection {
  double above = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> seen;  // per stage (trial arm, file order): the z^2 it added to the vectors lately run on it
  std::int64_t stopped = 0;               // vectors stopped early so far
  std::int64_t runs_saved = 0;            // vector x trial arm runs not needed
};

// Evaluates parameter vectors (one per entry) on the chosen targets: every trial arm x
// replicate of every vector in parallel (oneTBB), shared between MPI ranks when launched so,
// with the results on every rank. With `early`, arm after arm, each vector stopped as soon as
// its distance is certain to exceed early->above (infinite: never; what each stage added to the
// sums of z^2 is recorded in early->seen either way).
std::vector<Evaluation> evaluate(const Calibration& c, const std::vector<std::vector<double>>& thetas,
                                 const CalibrationOptions& opt, EarlyRejection* early = nullptr);

struct ParameterFit {
  double mean = 0, median = 0, ci_low = 0, ci_high = 0;  // weighted, of the posterior sample
};
struct CalibrationResult {
  abc::Result abc;
  std::vector<ParameterFit> fit;  // per parameter
  Evaluation at_median;           // the targets at the posterior medians
  std::string started;            // UTC, ISO 8601
  double seconds = 0;
  std::int64_t evaluations = 0;       // proposals evaluated, over the generations
  std::int64_t stopped_early = 0;  // of them, stopped before their last trial arm (EarlyRejection)
  std::int64_t runs_saved = 0;     // proposal x trial arm runs early rejection left out
};

// Runs ABC-SMC; progress lines per generation on stderr (rank 0, unless opt.progress is false).
// Throws Interrupted after SIGINT/SIGTERM.
CalibrationResult run_calibration(const Calibration& c, const CalibrationOptions& opt);

// The fit table: each parameter's prior and posterior (mean, median, 95% credible interval), then
// each target's published and simulated values at the posterior median, z and met.
std::string fit_table(const Calibration& c, const CalibrationResult& r);

// The posterior sample, the epsilon schedule and the fitted values as an HDF5 file (through
// output/calibration_file.hpp, under a temporary name and renamed).
void write_calibration_results(const std::string& path, const Calibration& c, const CalibrationResult& r,
                               const std::string& command_line, int threads);

}  // namespace percorsi
