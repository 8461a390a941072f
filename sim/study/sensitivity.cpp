#include "sim/study/sensitivity.hpp"

#include "sim/study/robustness.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>

#include "sim/engine/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <sstream>

#include "sim/registry/outputs.hpp"
#include "output/sensitivity_table.hpp"
#include "sim/run/csv.hpp"
#include "sim/run/mpi.hpp"
#include "sim/run/progress.hpp"

namespace percorsi {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
enum Code : int { kOk = 0, kFailure = 3, kStop = 130 };

// The scenarios at run point q: their own values (q = 0) or the design's point q - 1.
std::vector<Scenario> scenarios_at(const SensitivitySpec& spec, const sens::Design& d, std::size_t q) {
  if (q == 0) return spec.scenarios;
  const auto k = static_cast<std::ptrdiff_t>(spec.parameters.size());
  const auto first = d.x.begin() + static_cast<std::ptrdiff_t>(q - 1) * k;
  return spec.at(std::vector<double>(first, first + k));
}

// Paired differences per run point, then per difference and output the sign share and indices.
void reduce(SensitivityResult& r) {
  const std::size_t Q = r.design.points() + 1, S = r.S(), R = static_cast<std::size_t>(r.spec.replicates), O = r.O();
  auto run = [&](std::size_t q, std::size_t s, std::size_t rep, std::size_t o) {
    return r.runs[((q * S + s) * R + rep) * O + o];
  };
  r.diffs.assign(Q * r.D() * O, kNaN);
  for (std::size_t q = 0; q < Q; ++q)
    for (std::size_t d = 0; d < r.D(); ++d)
      for (std::size_t o = 0; o < O; ++o) {
        double sum = 0;
        int n = 0;
        for (std::size_t rep = 0; rep < R; ++rep) {
          const double x = run(q, d + 1, rep, o) - run(q, 0, rep, o);
          if (!std::isnan(x)) sum += x, ++n;
        }
        if (n) r.diffs[(q * r.D() + d) * O + o] = sum / n;
      }
  for (std::size_t d = 0; d < r.D(); ++d)
    for (std::size_t o = 0; o < O; ++o) {
      std::vector<double> y;
      for (std::size_t q = 1; q < Q; ++q) y.push_back(r.diff(q, d, o));
      r.sign_share.push_back(sens::sign_share(y, r.diff(0, d, o)));
      if (r.spec.method == SensitivityMethod::Morris) {
        const auto m = sens::morris_indices(r.design, y);
        r.morris.insert(r.morris.end(), m.begin(), m.end());
      } else if (r.spec.method == SensitivityMethod::Lhs) {
        const auto rho = sens::rank_correlations(r.design, y);
        r.rho.insert(r.rho.end(), rho.begin(), rho.end());
      } else {
        const auto s = sens::sobol_indices(static_cast<int>(r.k()), r.spec.samples, y);
        r.sobol.insert(r.sobol.end(), s.begin(), s.end());
      }
    }
}

out::SensitivityTable table_of(const SensitivityResult& r) {
  out::SensitivityTable t;
  const SensitivitySpec& s = r.spec;
  const bool morris = s.method == SensitivityMethod::Morris;
  t.name = s.name;
  t.source_file = s.file;
  t.method = method_name(s.method);
  t.seed = s.seed;
  t.replicates = s.replicates;
  t.trajectories = morris ? s.trajectories : 0;
  t.levels = morris ? s.levels : 0;
  t.samples = morris ? 0 : s.samples;
  t.rho = r.rho;
  for (const auto& p : s.parameters) t.parameters.push_back(p.spec->path), t.lo.push_back(p.lo), t.hi.push_back(p.hi);
  for (const auto& sc : s.scenarios) t.scenarios.push_back(sc.name());
  for (std::size_t d = 1; d < r.S(); ++d) t.differences.push_back(t.scenarios[d] + " - " + t.scenarios[0]);
  t.outputs = s.outputs;
  t.design_unit = r.design.x;
  for (std::size_t j = 0; j < r.design.x.size(); ++j) t.design.push_back(s.parameters[j % r.k()].value(r.design.x[j]));
  const std::size_t own_runs = r.S() * static_cast<std::size_t>(s.replicates) * r.O(), own_diffs = r.D() * r.O();
  t.default_runs.assign(r.runs.begin(), r.runs.begin() + static_cast<std::ptrdiff_t>(own_runs));
  t.runs.assign(r.runs.begin() + static_cast<std::ptrdiff_t>(own_runs), r.runs.end());
  t.default_values.assign(r.diffs.begin(), r.diffs.begin() + static_cast<std::ptrdiff_t>(own_diffs));
  t.values.assign(r.diffs.begin() + static_cast<std::ptrdiff_t>(own_diffs), r.diffs.end());
  t.sign_share = r.sign_share;
  for (const auto& m : r.morris) t.mu_star.push_back(m.mu_star), t.mu.push_back(m.mu), t.sigma.push_back(m.sigma);
  for (const auto& x : r.sobol)
    t.s1.push_back(x.s1), t.s1_se.push_back(x.s1_se), t.st.push_back(x.st), t.st_se.push_back(x.st_se);
  return t;
}

}  // namespace

int SensitivityResult::defined_points(std::size_t d, std::size_t o) const {
  int n = 0;
  for (std::size_t q = 1; q <= design.points(); ++q) n += !std::isnan(diff(q, d, o));
  return n;
}

double SensitivityResult::influence(std::size_t d, std::size_t o, std::size_t i) const {
  const std::size_t at = (d * O() + o) * k() + i;
  if (spec.method == SensitivityMethod::Lhs) return std::fabs(rho[at]);
  return spec.method == SensitivityMethod::Morris ? morris[at].mu_star : sobol[at].st;
}

std::vector<std::size_t> SensitivityResult::ranking(std::size_t d, std::size_t o) const {
  std::vector<std::size_t> order(k());
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](std::size_t i) {
    const double x = influence(d, o, i);
    return std::isnan(x) ? -std::numeric_limits<double>::infinity() : x;
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) > key(b); });
  return order;
}

std::optional<SensitivityResult> run_sensitivity(const SensitivitySpec& spec, const SensitivityOptions& opt,
                                                 const std::string& out_path) {
  require_comparable(spec.scenarios, spec.scenarios_origin);
  SensitivityResult res;
  res.spec = spec;
  const int k = static_cast<int>(spec.parameters.size());
  res.design = spec.method == SensitivityMethod::Morris ? sens::morris_design(k, spec.trajectories, spec.levels, spec.seed)
               : spec.method == SensitivityMethod::Lhs  ? sens::latin_hypercube(k, spec.samples, spec.seed)
                                                        : sens::saltelli_design(k, spec.samples);
  const std::size_t Q = res.design.points() + 1, S = res.S(), R = static_cast<std::size_t>(spec.replicates),
                    O = res.O();
  const auto rank = static_cast<std::size_t>(mpi::rank()), ranks = static_cast<std::size_t>(mpi::size());
  const int threads =
      opt.threads > 0 ? opt.threads : std::max(1, tbb::info::default_concurrency() / std::max(1, mpi::local_size()));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const auto start = std::chrono::steady_clock::now();
  const std::string started = utc_now();

  // 1. Every rank sets up and checks every run point (so that all report the same first bad
  //    point), and keeps its own: points q with q % ranks == rank.
  std::vector<std::vector<Scenario>> mine(rank < Q ? (Q - rank + ranks - 1) / ranks : 0);
  std::vector<std::string> bad(Q);
  parallel::parallel_for(std::size_t{0}, Q, [&](std::size_t q) {
    try {
      std::vector<Scenario> v = scenarios_at(spec, res.design, q);
      if (q % ranks == rank) mine[q / ranks] = std::move(v);
    } catch (const ScenarioError& e) {
      bad[q] = e.what();
    }
  });
  for (const auto& b : bad)
    if (!b.empty()) throw ScenarioError(b);

  // 2. This rank's runs: point x scenario x replicate, the headline values kept at their place in
  //    point order (the other ranks' places stay 0, for the sum of step 3).
  const std::size_t tasks = mine.size() * S * R;
  const bool keep = rank == 0 && !out_path.empty();  // the runs at the scenarios' values, for /scenarios
  std::vector<double> values(Q * S * R * O, 0.0);
  std::vector<out::ReplicateResult> own(keep ? S * R : 0);
  std::int64_t weeks = 0;
  for (const auto& v : mine)
    for (const auto& sc : v) weeks += static_cast<std::int64_t>(sc.weeks()) * spec.replicates;
  int code = kOk;
  std::string msg;
  {
    std::string label = "sensitivity " + spec.name + " (" + method_name(spec.method) + "): " + std::to_string(Q) +
                        " points x " + std::to_string(S) + " scenarios x " + std::to_string(R) + " replicates";
    if (ranks > 1) label += " on " + std::to_string(ranks) + " ranks";
    Progress progress(weeks, label, opt.progress && rank == 0);
    try {
      parallel::parallel_for(std::size_t{0}, tasks, [&](std::size_t t) {
        const std::size_t m = t / (S * R), s = t / R % S, rep = t % R;
        const std::size_t at = ((m * ranks + rank) * S * R + t % (S * R)) * O;  // point q = m * ranks + rank
        out::ReplicateResult rr = run_replicate(mine[m][s], static_cast<int>(rep), [&] { progress.add(); });
        for (std::size_t o = 0; o < O; ++o) {
          const auto it = rr.headline.find(spec.outputs[o]);
          // + 0.0: a -0 is 0 here as after the sum over ranks (the same bytes for any number of ranks).
          values[at + o] = it != rr.headline.end() ? it->second + 0.0 : kNaN;
        }
        if (keep && m == 0) own[s * R + rep] = std::move(rr);
      });
    } catch (const Interrupted&) {
      code = kStop;
    } catch (const std::exception& e) {
      code = kFailure, msg = e.what();
      if (rank != 0) std::fprintf(stderr, "percorsi (rank %zu): error: %s\n", rank, e.what());
    }
    progress.finish();
  }
  const int all = mpi::max_all(code);
  if (all == kStop) throw Interrupted();
  if (all != kOk) throw std::runtime_error(code == kOk ? "a run failed on another rank (see its message above)" : msg);

  // 3. The ranks' values summed (each place filled by one rank): every run in point order; rank 0
  //    reduces.
  mpi::sum_all(values);
  if (rank != 0) return std::nullopt;
  res.runs = std::move(values);
  reduce(res);
  if (out_path.empty()) return res;

  // 4. The results file: the comparison at the scenarios' values, then /sensitivity; renamed at the end.
  write_staged(out_path, "sensitivity", [&](const std::string& staged) {
    write_results(staged, spec.scenarios, spec.replicates, own,
                  provenance_of(opt.command_line, threads, started, start));
    out::write_sensitivity_table(staged, table_of(res));
  });
  return res;
}

namespace {

// "Stably housed ..." -> "stably housed ..." (not "ICF ..." or "CPI ...").
std::string in_sentence(std::string label) {
  if (label.size() > 1 && std::isupper(static_cast<unsigned char>(label[0])) &&
      std::islower(static_cast<unsigned char>(label[1])))
    label[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(label[0])));
  return label;
}

// "a", "a and b": the two parameters that move a difference most.
std::string drivers(const SensitivityResult& r, std::size_t d, std::size_t o) {
  double least = 0;  // lhs: only correlations beyond the noise of the design
  if (r.spec.method == SensitivityMethod::Lhs) least = sens::rank_correlation_threshold(r.k(), r.defined_points(d, o));
  std::vector<std::string> names;
  for (std::size_t i : r.ranking(d, o))
    if (names.size() < 2 && r.influence(d, o, i) > 0 && !(r.influence(d, o, i) < least))
      names.push_back(r.spec.parameters[i].spec->path);
  if (names.empty()) return "no parameter varied moves it";
  return "driven by " + names[0] + (names.size() > 1 ? " and " + names[1] : "");
}

std::string space(const SensitivitySpec& s) {
  const bool own = std::any_of(s.parameters.begin(), s.parameters.end(), [](const auto& p) { return p.own_range; });
  return own ? "the space varied" : "the plausible space";
}

std::string index_text(double x, double se) {
  if (std::isnan(x)) return "n/a";
  char b[48];
  std::snprintf(b, sizeof b, "%.2f +- %.2f", x, se);
  return b;
}

}  // namespace

std::vector<std::string> sensitivity_conclusions(const SensitivityResult& r) {
  std::vector<std::string> lines;
  const std::string a = r.spec.scenarios.front().name();
  for (std::size_t d = 0; d < r.D(); ++d)
    for (std::size_t o = 0; o < r.O(); ++o) {
      const std::string& ind = r.spec.outputs[o];
      const out::OutputSpec* spec = out::find_output(out::OutputKind::Headline, ind);
      const std::string b = r.spec.scenarios[d + 1].name(), label = in_sentence(spec ? spec->label : ind);
      const double v = r.diff(0, d, o);
      if (std::isnan(v)) {
        lines.push_back(b + " vs " + a + " on " + label + ": not defined at the scenarios' values (nobody counted)");
        continue;
      }
      const int better = spec ? spec->direction() : 0;
      const int side = (v > 0) - (v < 0);
      const std::string relation = side == 0        ? "level with"
                                   : better == 0    ? (side > 0 ? "above" : "below")
                                   : side == better ? "ahead of"
                                                    : "behind";
      lines.push_back(b + " " + relation + " " + a + " on " + label + " in " + share_percent(r.sign_share[d * r.O() + o]) +
                      " of " + space(r.spec) + " (" + format_difference(ind, v) + " at the scenarios' values); " +
                      drivers(r, d, o));
    }
  return lines;
}

std::string format_sensitivity(const SensitivityResult& r, TableFormat fmt, std::size_t top) {
  const SensitivitySpec& s = r.spec;
  const bool morris = s.method == SensitivityMethod::Morris;
  const std::size_t P = r.design.points();
  std::ostringstream os;
  const bool lhs = s.method == SensitivityMethod::Lhs;
  if (fmt == TableFormat::Csv) {
    os << "difference,output,parameter,lo,hi,rank,value_at_defaults,sign_share,"
       << (morris ? "mu_star,mu,sigma" : lhs ? "rho" : "s1,s1_se,st,st_se") << ",n\n";
    const auto num = csv_number;
    for (std::size_t d = 0; d < r.D(); ++d)
      for (std::size_t o = 0; o < r.O(); ++o) {
        const auto order = r.ranking(d, o);
        for (std::size_t rank = 0; rank < order.size(); ++rank) {
          const std::size_t i = order[rank], at = (d * r.O() + o) * r.k() + i;
          const auto& p = s.parameters[i];
          os << csv_cell(s.scenarios[d + 1].name() + " - " + s.scenarios[0].name()) << ',' << s.outputs[o] << ','
             << p.spec->path << ',' << num(p.lo) << ',' << num(p.hi) << ',' << rank + 1 << ',' << num(r.diff(0, d, o))
             << ',' << num(r.sign_share[d * r.O() + o]) << ',';
          if (morris)
            os << num(r.morris[at].mu_star) << ',' << num(r.morris[at].mu) << ',' << num(r.morris[at].sigma) << ','
               << r.morris[at].n << '\n';
          else if (lhs)
            os << num(r.rho[at]) << ',' << r.defined_points(d, o) << '\n';
          else
            os << num(r.sobol[at].s1) << ',' << num(r.sobol[at].s1_se) << ',' << num(r.sobol[at].st) << ','
               << num(r.sobol[at].st_se) << ',' << r.sobol[at].n << '\n';
        }
      }
    return os.str();
  }

  const bool md = fmt == TableFormat::Markdown;
  os << "Sensitivity analysis " << s.name << " (" << s.file << "): " << method_name(s.method) << ", "
     << s.parameters.size() << " parameters, " << P << " design points ("
     << (morris ? std::to_string(s.trajectories) + " trajectories, " + std::to_string(s.levels) + " levels, seed " +
                      std::to_string(s.seed)
                : lhs ? "a Latin hypercube, seed " + std::to_string(s.seed)
                      : std::to_string(s.samples) + " base samples of a Sobol' sequence")
     << ") x " << r.S() << " scenarios x " << s.replicates << (s.replicates == 1 ? " replicate" : " replicates")
     << ", paired by replicate (common random numbers).\n\n"
     << "The share of the design points where each difference keeps the sign it has at the scenarios' own values, "
        "and the parameters that move it most:\n"
     << (md ? "\n" : "");
  for (const auto& line : sensitivity_conclusions(r)) os << (md ? "- " : "  ") << line << "\n";
  os << "\n"
     << (morris ? "mu*: mean absolute elementary effect, the change of the difference as a parameter moves across its "
                  "whole range (Campolongo et al. 2007); mu: its mean (the sign gives the direction); sigma: its SD "
                  "(interactions, non-linearity). In the indicator's unit, shares in percentage points."
                : lhs ? "rho: Spearman's rank correlation between the parameter and the difference over the points "
                        "(+1: the difference grows with the parameter)."
                      : "S1: first-order Sobol index, ST: total index (Saltelli et al. 2010), +- their standard errors.")
     << "\n";
  for (std::size_t d = 0; d < r.D(); ++d)
    for (std::size_t o = 0; o < r.O(); ++o) {
      const std::string& ind = s.outputs[o];
      const out::OutputSpec* spec = out::find_output(out::OutputKind::Headline, ind);
      const auto order = r.ranking(d, o);
      const std::size_t n = std::min(top, order.size());
      double largest = 0;
      for (std::size_t i = 0; i < r.k() && morris; ++i)
        if (!std::isnan(r.influence(d, o, i))) largest = std::max(largest, r.influence(d, o, i));
      std::vector<std::vector<std::string>> rows = {{"rank", "parameter", "range"}};
      for (const char* c :
           morris ? std::vector<const char*>{"mu*", "mu", "sigma"}
           : lhs  ? std::vector<const char*>{"rho"}
                  : std::vector<const char*>{"S1", "ST"})
        rows[0].push_back(c);
      for (std::size_t j = 0; j < n; ++j) {
        const std::size_t i = order[j], at = (d * r.O() + o) * r.k() + i;
        const auto& p = s.parameters[i];
        char range[64];
        std::snprintf(range, sizeof range, "[%g, %g]", p.lo, p.hi);
        std::vector<std::string> row = {std::to_string(j + 1), p.spec->path, range};
        if (morris) {
          row.push_back(format_difference(ind, r.morris[at].mu_star, false, largest));
          row.push_back(format_difference(ind, r.morris[at].mu, true, largest));
          row.push_back(format_difference(ind, r.morris[at].sigma, false, largest));
        } else if (lhs) {
          row.push_back(std::isnan(r.rho[at]) ? "n/a" : format_number(r.rho[at], 2, true));
        } else {
          row.push_back(index_text(r.sobol[at].s1, r.sobol[at].s1_se));
          row.push_back(index_text(r.sobol[at].st, r.sobol[at].st_se));
        }
        rows.push_back(row);
      }
      os << "\n"
         << (md ? "### " : "") << s.scenarios[d + 1].name() << " - " << s.scenarios[0].name() << ": "
         << (spec ? spec->label : ind) << "\n"
         << (md ? "\n" : "  ") << "at the scenarios' values " << format_difference(ind, r.diff(0, d, o))
         << "; the same sign at " << share_percent(r.sign_share[d * r.O() + o]) << " of " << P << " points"
         << (n < order.size()
                 ? "; the first " + std::to_string(n) + " of " + std::to_string(order.size()) + " parameters"
                 : "")
         << "\n"
         << (md ? "\n" : "");
      os << cell_table(rows, fmt, md ? "" : "  ");
    }
  return os.str();
}

}  // namespace percorsi
