// Running a sensitivity analysis (`percorsi sensitivity`, docs/sensitivity.md): the comparison of
// a sensitivity file at the scenarios' own values and at every point of a Morris, Sobol or Latin
// hypercube design,
// each scenario for the same replicates (common random numbers), in parallel (oneTBB) and across
// MPI ranks (points round-robin, summed over the ranks and reduced on rank 0 in point order: the
// results do not depend on threads or ranks); the paired differences, their indices and sign
// shares; the tables and the conclusions a planner reads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/registry/sensitivity_spec.hpp"
#include "sim/run/runner.hpp"
#include "sim/run/tables.hpp"
#include "sim/stats/sensitivity.hpp"

namespace percorsi {

struct SensitivityOptions {
  int threads = 0;  // 0: all cores (shared by the ranks of a node)
  bool progress = true;
  std::string command_line;
};

struct SensitivityResult {
  SensitivitySpec spec;
  sens::Design design;  // P points of the unit hypercube
  // Run points: 0 is the scenarios' own values, p + 1 the design's point p.
  std::vector<double> runs;                 // [P + 1, S, R, O] headline values (NaN: nobody counted)
  std::vector<double> diffs;                // [P + 1, D, O] paired differences, mean over replicates
  std::vector<double> sign_share;           // [D, O]
  std::vector<sens::MorrisIndices> morris;  // [D, O, k] (method morris)
  std::vector<sens::SobolIndices> sobol;    // [D, O, k] (method sobol)
  std::vector<double> rho;                  // [D, O, k] Spearman's rank correlation (method lhs)

  std::size_t k() const { return spec.parameters.size(); }
  std::size_t S() const { return spec.scenarios.size(); }
  std::size_t D() const { return S() - 1; }
  std::size_t O() const { return spec.outputs.size(); }
  // The difference d (scenario d + 1 minus the first) of output o at run point q.
  double diff(std::size_t q, std::size_t d, std::size_t o) const { return diffs[(q * D() + d) * O() + o]; }
  // The design points where difference d of output o is defined.
  int defined_points(std::size_t d, std::size_t o) const;
  // How much parameter i moves difference d of output o: mu* (Morris), the total index (Sobol) or
  // |rho| (Latin hypercube).
  double influence(std::size_t d, std::size_t o, std::size_t i) const;
  // The parameters by influence on (d, o), most first (ties: registry order).
  std::vector<std::size_t> ranking(std::size_t d, std::size_t o) const;
};

// Runs the analysis; with `out_path`, writes a results file holding the comparison at the
// scenarios' own values (/scenarios) and /sensitivity (output/sensitivity_table.hpp), under a
// temporary name renamed when complete. The result on rank 0; other ranks get nullopt. Throws
// ScenarioError (bad design points, scenarios that cannot be compared) and Interrupted.
std::optional<SensitivityResult> run_sensitivity(const SensitivitySpec& spec, const SensitivityOptions& opt,
                                                 const std::string& out_path = "");

// One line per difference and output: "housing_first ahead of step_model on <label> in 97% of the
// plausible space (+7.4 pp at the scenarios' values); driven by a and b".
std::vector<std::string> sensitivity_conclusions(const SensitivityResult& r);

// The conclusions, then per difference and output the parameters by influence (text and
// Markdown: the first `top`; CSV: every parameter, one row each, with the columns
// difference,output,parameter,lo,hi,rank,value_at_defaults,sign_share,<indices>,n where the
// indices are mu_star,mu,sigma (morris), s1,s1_se,st,st_se (sobol) or rho (lhs); raw units:
// shares as fractions).
std::string format_sensitivity(const SensitivityResult& r, TableFormat fmt, std::size_t top = 10);

}  // namespace percorsi
