#include "sim/study/robustness.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "sim/registry/outputs.hpp"
#include "sim/registry/sensitivity_spec.hpp"
#include "sim/run/runner.hpp"
#include "sim/run/tables.hpp"
#include "sim/study/sensitivity.hpp"
#include "sim/stats/sensitivity.hpp"

namespace percorsi {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

void check_robustness_options(const RobustnessOptions& opt) {
  if (opt.points < 10 || opt.points > 100000)
    throw ScenarioError("--robustness-points expects a whole number from 10 to 100000 (points of the Latin "
                        "hypercube), got " + std::to_string(opt.points));
  if (opt.replicates < 1 || opt.replicates > 1000)
    throw ScenarioError("--robustness-replicates expects a whole number from 1 to 1000 (replicates per point and "
                        "scenario), got " + std::to_string(opt.replicates));
}

std::optional<Robustness> run_robustness(const std::vector<Scenario>& scenarios, const RobustnessOptions& opt) {
  check_robustness_options(opt);
  if (scenarios.size() < 2) throw ScenarioError("--robustness needs two or more scenarios to compare");
  SensitivitySpec spec = assumptions_of_comparison(scenarios, "compare --robustness");
  if (spec.parameters.empty())
    throw ScenarioError("--robustness: the scenarios leave no assumption to vary (every parameter of evidence class "
                        "'assumption' with a plausible range is a lever of this comparison)");
  spec.samples = opt.points;
  spec.replicates = opt.replicates;
  spec.seed = opt.seed;
  for (auto& sc : spec.scenarios) sc.set("replicates", std::to_string(opt.replicates));
  return robustness_of(std::move(spec), opt);
}

std::optional<Robustness> robustness_of(SensitivitySpec spec, const RobustnessOptions& opt) {
  if (spec.method != SensitivityMethod::Lhs) throw ScenarioError(spec.file + ": robustness takes method lhs");
  // The indicators, then their denominators (a point gives no verdict on too few people).
  Robustness rb;
  rb.indicators = spec.outputs;
  for (const auto& ind : rb.indicators) {
    const out::OutputSpec* o = out::find_output(out::OutputKind::Headline, ind);
    if (const out::OutputSpec* den = o ? o->denominator_output() : nullptr)
      if (std::find(spec.outputs.begin(), spec.outputs.end(), den->name) == spec.outputs.end())
        spec.outputs.push_back(den->name);
  }
  SensitivityOptions so;
  so.threads = opt.threads;
  so.progress = opt.progress;
  const auto res = run_sensitivity(spec, so);
  if (!res) return std::nullopt;

  for (const auto& sc : spec.scenarios) rb.scenarios.push_back(sc.name());
  for (const auto& p : spec.parameters) rb.parameters.push_back(p.spec->path);
  rb.points = spec.samples, rb.replicates = spec.replicates, rb.seed = spec.seed;
  rb.notes = spec.notes;
  rb.threshold = sens::rank_correlation_threshold(spec.parameters.size(), spec.samples);
  const std::size_t S = res->S(), R = static_cast<std::size_t>(spec.replicates), P = res->design.points(),
                    O = res->O();
  auto mean_run = [&](std::size_t q, std::size_t s, std::size_t o) {  // over the replicates defining it
    double sum = 0;
    int n = 0;
    for (std::size_t rep = 0; rep < R; ++rep)
      if (const double x = res->runs[((q * S + s) * R + rep) * O + o]; !std::isnan(x)) sum += x, ++n;
    return n ? sum / n : kNaN;
  };
  auto index_of = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(spec.outputs.begin(), spec.outputs.end(), name) - spec.outputs.begin());
  };
  for (std::size_t d = 0; d < res->D(); ++d)
    for (std::size_t o = 0; o < rb.indicators.size(); ++o) {
      const out::OutputSpec* os = out::find_output(out::OutputKind::Headline, rb.indicators[o]);
      const out::OutputSpec* den = os ? os->denominator_output() : nullptr;
      RobustnessCell c;
      for (std::size_t q = 1; q <= P; ++q) {
        const double diff = res->diff(q, d, o);
        if (std::isnan(diff)) continue;
        if (den && (too_few(mean_run(q, 0, index_of(den->name))) || too_few(mean_run(q, d + 1, index_of(den->name)))))
          continue;  // no verdict on a handful, as in the table
        const double mid = os ? os->mid_against(mean_run(q, 0, o)) : kNaN;
        ++c.side[static_cast<std::size_t>(verdict_side(diff, mid) + 1)];
      }
      const double threshold = sens::rank_correlation_threshold(spec.parameters.size(), res->defined_points(d, o));
      for (std::size_t i : res->ranking(d, o)) {
        const double rho = res->rho[(d * O + o) * res->k() + i];
        if (c.rests_on.size() >= kRestsOnMax || std::isnan(rho) || std::fabs(rho) < threshold) break;
        c.rests_on.push_back(rb.parameters[i]);
        c.rho.push_back(rho);
      }
      rb.cells.push_back(std::move(c));
    }
  return rb;
}

}  // namespace percorsi
