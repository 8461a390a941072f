// The weight of the assumptions beside every difference (`percorsi compare --robustness`,
// docs/robustness.md): the comparison rerun at the points of a Latin hypercube over the plausible
// ranges of the planning assumptions (run_sensitivity, method lhs, common random numbers), and per
// difference of each headline indicator the points on each side of its verdict (better, worse or
// negligible, from the paired mean against the indicator's minimum important difference) and the
// assumptions that move it most (Spearman's rank correlation between an assumption and the
// difference, named only when it stands out of the noise of the design).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/registry/scenario.hpp"
#include "sim/run/robustness_result.hpp"
#include "sim/registry/sensitivity_spec.hpp"

namespace percorsi {

// Defaults of `compare --robustness`: 200 points x 3 replicates, measured on the main job in
// docs/robustness.md.
inline constexpr int kRobustnessPoints = 200, kRobustnessReplicates = 3;
inline constexpr std::size_t kRestsOnMax = 3;  // assumptions named per difference

struct RobustnessOptions {
  int points = kRobustnessPoints;          // of the Latin hypercube (at least 10)
  int replicates = kRobustnessReplicates;  // per point and scenario (common random numbers)
  std::uint64_t seed = 1;                  // of the design
  int threads = 0;                         // 0: all cores
  bool progress = true;
};

// Checks the options: ScenarioError with the option's name and its valid range.
void check_robustness_options(const RobustnessOptions& opt);

// Runs the comparison of `scenarios` (two or more, comparable; the first is the reference) at
// every point of the design; the result on MPI rank 0 (others: nullopt). Throws ScenarioError
// (no assumption to vary, a design point that makes a scenario invalid) and Interrupted.
std::optional<Robustness> run_robustness(const std::vector<Scenario>& scenarios, const RobustnessOptions& opt);

// The same over the design of a sensitivity analysis of method lhs (its samples, replicates and
// seed; opt: threads and progress only): the indicators of `spec.outputs`, their denominators
// added to the runs. run_robustness builds `spec` with assumptions_of_comparison().
std::optional<Robustness> robustness_of(SensitivitySpec spec, const RobustnessOptions& opt);

}  // namespace percorsi
