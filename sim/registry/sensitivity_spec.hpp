// Sensitivity files (docs/sensitivity.md): a comparison of scenarios and the parameters to vary
// over their plausible ranges, for `percorsi sensitivity`.
//
//   name: housing_first                       # default: the file's name without .yaml
//   scenarios:                                # two or more; differences from the first
//     - ../piemonte/step_model.yaml           # paths relative to this file
//     - ../piemonte/housing_first.yaml
//   parameters: assumptions                   # every Global parameter with a plausible range, or a list:
//   # parameters:
//   #   - housing_first.tenancy_loss_rate     # a path or an id: its plausible range
//   #   - step.move_on_rate: {range: [0.6, 2.4]}
//   method: morris                            # or sobol, or lhs (Latin hypercube)
//   trajectories: 10                          # Morris r
//   levels: 4                                 # Morris p (even)
//   # samples: 64                             # Sobol base N (method sobol), or points (method lhs)
//   replicates: 2                             # per design point and scenario
//   seed: 1                                   # of the design (the runs use the scenarios' seed)
//   horizon: 2 years                          # optional: overrides the scenarios'
//   outputs: [stably_housed_12m, cost_per_person]  # default: every headline indicator
//
// The scenarios must share their seed (common random numbers: the differences are paired) and be
// comparable (horizon, start date, territories). A parameter whose value differs between the
// scenarios is a lever of the comparison, not an assumption: naming it is an error, and
// `assumptions` leaves it out (with a note). Every error names file:line:column (ScenarioError).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/registry/scenario.hpp"

namespace percorsi {

enum class SensitivityMethod { Morris, Sobol, Lhs };
const char* method_name(SensitivityMethod m);  // "morris" | "sobol" | "lhs"

// One parameter varied over [lo, hi] (its stored unit: durations in weeks).
struct SensitivityParameter {
  const ParamSpec* spec = nullptr;
  double lo = 0, hi = 0;
  bool own_range = false;  // given in the file; else the plausible range
  Origin origin;
  // The value at u in [0, 1] of the unit hypercube: lo + u (hi - lo), rounded for integers.
  double value(double u) const;
};

struct SensitivitySpec {
  std::string file, name, description;
  std::vector<Scenario> scenarios;  // as loaded, with the file's replicates and horizon
  Origin scenarios_origin;
  std::vector<SensitivityParameter> parameters;
  SensitivityMethod method = SensitivityMethod::Morris;
  int trajectories = 10, levels = 4, samples = 64, replicates = 2;
  std::uint64_t seed = 1;
  std::vector<std::string> outputs;  // headline indicators, in the order of the output table
  std::vector<std::string> notes;    // what `assumptions` and the default outputs left out, and why

  std::size_t points() const;  // design points: trajectories x (k + 1), samples x (k + 2) (sobol), or samples (lhs)
  // The scenarios with the parameters at the point `u` of the unit hypercube ([k] values),
  // checked like a file (Scenario::validate); ScenarioError names the point and its values.
  std::vector<Scenario> at(const std::vector<double>& u) const;
};

// The sensitivity analysis of a comparison built without a file (`percorsi compare --robustness`,
// docs/robustness.md): the scenarios as given, method lhs, every planning assumption (a
// scenario-wide number of evidence class `assumption` with a plausible range) over its plausible
// range but those the scenarios differ in (levers, left out with a note), and every headline
// indicator their horizon defines. `name` stands for the file in messages; the caller sets
// samples, replicates and seed.
SensitivitySpec assumptions_of_comparison(const std::vector<Scenario>& scenarios, const std::string& name);

// Loads and checks a sensitivity file and the scenarios it names (ScenarioError listing every
// problem at its file:line:column).
SensitivitySpec load_sensitivity(const std::string& path);
// True when the file is a sensitivity file (its top level has `scenarios:`, which no scenario
// file has); false when it is not, or cannot be read.
bool is_sensitivity_file(const std::string& path);

}  // namespace percorsi
