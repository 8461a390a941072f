#include "sim/study/calibration.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "output/calibration_file.hpp"
#include "sim/registry/yaml_input.hpp"
#include "sim/run/interrupt.hpp"
#include "sim/run/mpi.hpp"
#include "sim/run/progress.hpp"
#include "sim/run/runner.hpp"
#include "sim/run/tables.hpp"
#include "sim/study/trial.hpp"

namespace percorsi {

namespace fs = std::filesystem;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The shortest text that reads back as x ("0.61", not "0.60999999999999999").
std::string shortest(double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

const std::vector<std::string> kKeys = {"name",     "method", "seed",           "particles",  "generations", "epsilon",
                                        "quantile", "kernel", "min_acceptance", "replicates", "parameters",  "targets"};

// The calibration file as read: settings checked one key at a time, errors gathered.
struct Reader {
  std::string file;
  Errors errs;
  Calibration c;

  // A number within [lo, hi] (an integer when `integer`); false with an error otherwise.
  bool number(const YAML::Node& key, const YAML::Node& v, double lo, double hi, bool integer, double& out) {
    double x = 0;
    const bool ok =
        v.IsScalar() && parse_number(v.Scalar(), x) && x >= lo && x <= hi && (!integer || x == std::floor(x));
    if (ok)
      out = x;
    else
      errs.add(origin_of(v, file), "'" + key.Scalar() + "' expects " + (integer ? "an integer" : "a number") +
                                       " from " + shortest(lo) + " to " + shortest(hi) + ", got " +
                                       (v.IsScalar() ? "'" + v.Scalar() + "'" : std::string(node_kind(v))));
    return ok;
  }
  bool choice(const YAML::Node& key, const YAML::Node& v, const std::vector<std::string>& names) {
    if (v.IsScalar() && std::find(names.begin(), names.end(), v.Scalar()) != names.end()) return true;
    errs.add(origin_of(v, file), "unknown " + key.Scalar() + " '" + (v.IsScalar() ? v.Scalar() : "?") + "'" +
                                     hint(v.IsScalar() ? v.Scalar() : "", names));
    return false;
  }

  void setting(const YAML::Node& key, const YAML::Node& v) {
    const std::string k = key.Scalar();
    double x = 0;
    abc::Settings& s = c.abc;
    if (k == "name") {
      if (v.IsScalar() && scenario_name_problem(v.Scalar()).empty())
        c.name = v.Scalar();
      else
        errs.add(origin_of(v, file), "'name' expects a name (letters, digits, '_', '-', ...)");
    } else if (k == "method") {
      choice(key, v, {"abc_smc"});  // the one method (history matching is not offered)
    } else if (k == "seed") {
      if (number(key, v, 0, 9007199254740992.0, true, x)) s.seed = static_cast<std::uint64_t>(x);
    } else if (k == "particles") {
      if (number(key, v, 2, 100000, true, x)) s.particles = static_cast<int>(x);
    } else if (k == "generations") {
      if (number(key, v, 0, 1000, true, x)) s.generations = static_cast<int>(x);
    } else if (k == "epsilon") {
      if (number(key, v, 0, 1e9, false, x)) s.final_epsilon = x;
    } else if (k == "quantile") {
      if (number(key, v, 0.01, 0.99, false, x)) s.quantile = x;
    } else if (k == "kernel") {
      if (choice(key, v, {"covariance", "variance"}))
        s.kernel = v.Scalar() == "variance" ? abc::Kernel::Variance : abc::Kernel::Covariance;
    } else if (k == "min_acceptance") {
      if (number(key, v, 0.001, 1, false, x)) s.min_acceptance = x;
    } else if (k == "replicates") {
      if (number(key, v, 1, 100000, true, x)) c.replicates = static_cast<int>(x);
    }
  }

  void parameter(const YAML::Node& key, const YAML::Node& v) {
    CalibrationParameter p;
    p.origin = origin_of(key, file);
    const std::string name = key.IsScalar() ? key.Scalar() : "";
    std::vector<std::string> names;
    for (const auto& spec : registry()) {
      if (spec.path == name || spec.id == name) p.spec = &spec;
      names.push_back(spec.path);
    }
    if (!p.spec)
      return errs.add(p.origin, "unknown parameter '" + name + "'" + closest(name, names) +
                                    " (a registry path such as labour.job_finding_rate, or "
                                    "territories[].<key>; docs/parameters.md)");
    p.path = p.spec->path;
    if (p.spec->scope == Scope::Event)
      return errs.add(p.origin, "'" + name + "': event parameters cannot be calibrated");
    if (p.spec->kind != Kind::Real || p.path == "scale")
      return errs.add(p.origin, "'" + name + "' cannot be calibrated: only real-valued model parameters can (" +
                                    (p.path == "scale" ? std::string("it is the trial's scale")
                                                       : std::string("its kind is ") + kind_name(p.spec->kind)) +
                                    ")");
    for (const auto& q : c.parameters)
      if (q.spec == p.spec)
        return errs.add(p.origin, "parameter '" + p.path + "' is given twice (first at line " +
                                      std::to_string(q.origin.line) + ")");
    if (!v.IsMap())
      return errs.add(origin_of(v, file),
                      "parameter '" + name + "' expects a map such as {range: [0.2, 1.5]}, got " + node_kind(v));
    bool has_range = false, ok = true;
    for (const auto& kv : v) {
      const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (k == "range") {
        has_range = true;
        if (!kv.second.IsSequence() || kv.second.size() != 2 || !parse_number(kv.second[0].Scalar(), p.prior.lo) ||
            !parse_number(kv.second[1].Scalar(), p.prior.hi)) {
          errs.add(origin_of(kv.second, file), "'range' expects two numbers [lo, hi]");
          ok = false;
        } else if (!(p.prior.lo < p.prior.hi) || p.prior.lo < p.spec->min || p.prior.hi > p.spec->max) {
          errs.add(origin_of(kv.second, file), "the range of '" + p.path +
                                                   "' must have lo < hi within the registry's bounds [" +
                                                   shortest(p.spec->min) + ", " + shortest(p.spec->max) + "]");
          ok = false;
        }
      } else if (k == "log") {
        if (!kv.second.IsScalar() || (kv.second.Scalar() != "true" && kv.second.Scalar() != "false")) {
          errs.add(origin_of(kv.second, file), "'log' expects true or false");
          ok = false;
        }
        p.prior.log = kv.second.IsScalar() && kv.second.Scalar() == "true";
      } else {
        errs.add(origin_of(kv.first, file),
                 "unknown key '" + k + "' in parameter '" + name + "'" + hint(k, {"range", "log"}));
        ok = false;
      }
    }
    if (!has_range) return errs.add(p.origin, "parameter '" + name + "' needs its prior 'range: [lo, hi]'");
    if (ok && p.prior.log && !(p.prior.lo > 0))
      return errs.add(origin_of(v["range"], file), "a log-uniform prior ('log: true') needs lo > 0");
    if (ok) c.parameters.push_back(p);
  }

  void target(const YAML::Node& entry) {
    if (!entry.IsMap() || !entry["trial"])
      return errs.add(origin_of(entry, file),
                      "a target is a map {trial: FILE, target: ID} (target optional: every "
                      "target of the trial), got " +
                          std::string(node_kind(entry)));
    for (const auto& kv : entry) {
      const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (k != "trial" && k != "target")
        return errs.add(origin_of(kv.first, file),
                        "unknown key '" + k + "' in a target" + hint(k, {"trial", "target"}));
    }
    const YAML::Node tn = entry["trial"], id = entry["target"];
    if (!tn.IsScalar() || (id && !id.IsScalar()))
      return errs.add(origin_of(entry, file), "'trial' expects a file name and 'target' a target id");
    fs::path path = tn.Scalar();
    if (path.is_relative()) path = fs::path(file).parent_path() / path;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
      return errs.add(origin_of(tn, file), "trial file '" + tn.Scalar() + "' not found (" + path.string() +
                                               "; paths are relative to the calibration file)");
    const std::string key = path.lexically_normal().string();
    auto it = std::find_if(c.trials.begin(), c.trials.end(), [&](const CalibrationTrial& t) { return t.file == key; });
    if (it == c.trials.end()) {
      try {
        c.trials.push_back(CalibrationTrial{key, load_trial(key), {}});
      } catch (const ScenarioError& e) {
        return errs.add(e);
      }
      it = c.trials.end() - 1;
    }
    const TrialSpec& spec = it->trial.spec;
    std::vector<std::string> ids;
    for (const auto& t : spec.targets) ids.push_back(t.id);
    if (id && !spec.target(id.Scalar()))
      return errs.add(origin_of(id, file),
                      "trial '" + it->trial.name() + "' has no target '" + id.Scalar() + "'" + hint(id.Scalar(), ids));
    if (ids.empty()) return errs.add(origin_of(tn, file), "trial '" + it->trial.name() + "' has no targets");
    for (const auto& t : spec.targets) {
      if (id && t.id != id.Scalar()) continue;
      if (std::find(it->targets.begin(), it->targets.end(), t.id) != it->targets.end())
        return errs.add(origin_of(id ? id : tn, file), "target '" + t.id + "' is chosen twice");
      if (!(t.tolerance > 0))
        return errs.add(origin_of(id ? id : tn, file),
                        "target '" + t.id + "' has tolerance 0: a distance needs a positive tolerance");
      it->targets.push_back(t.id);
    }
  }

  void read(const YAML::Node& root) {
    if (!root.IsMap())
      return errs.add(Origin{file, 1, 1}, "a calibration file is a map of settings, parameters and targets");
    std::map<std::string, int> seen;
    for (const auto& kv : root) {
      const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
      const Origin o = origin_of(kv.first, file);
      if (std::find(kKeys.begin(), kKeys.end(), k) == kKeys.end()) {
        errs.add(o, "unknown key '" + k + "'" + hint(k, kKeys));
        continue;
      }
      if (auto [it, fresh] = seen.emplace(k, o.line); !fresh) {
        errs.add(o, "'" + k + "' is given twice (first at line " + std::to_string(it->second) + ")");
        continue;
      }
      if (k == "parameters") {
        if (!kv.second.IsMap() || kv.second.size() == 0)
          errs.add(origin_of(kv.second, file),
                   "'parameters' expects a map of registry paths to priors, e.g. "
                   "{labour.job_finding_rate: {range: [0.2, 1.5]}}");
        else
          for (const auto& p : kv.second) parameter(p.first, p.second);
      } else if (k == "targets") {
        if (!kv.second.IsSequence() || kv.second.size() == 0)
          errs.add(origin_of(kv.second, file), "'targets' expects a list of {trial: FILE, target: ID}");
        else
          for (const auto& t : kv.second) target(t);
      } else {
        setting(kv.first, kv.second);
      }
    }
    for (const char* k : {"seed", "parameters", "targets"})
      if (!seen.count(k)) errs.add(Origin{file, 1, 1}, std::string("the calibration has no '") + k + "'");
  }

  // Every parameter must reach some arm of every trial.
  void check_reach() {
    for (const auto& p : c.parameters)
      for (const auto& t : c.trials) {
        bool reaches = false;
        for (const auto& arm : t.trial.arms) {
          Scenario copy = arm;
          reaches = reaches || set_on_arm(copy, t.trial.base, p, p.prior.lo);
        }
        if (!reaches)
          errs.add(p.origin, "every arm of trial '" + t.trial.name() + "' sets '" + p.path +
                                 "' itself: a fitted value would not reach it");
      }
  }
};

Calibration parse(const std::string& text, const std::string& file) {
  Reader r;
  r.file = file;
  r.c.file = file;
  r.c.name = fs::path(file).stem().string();
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ScenarioError(Origin{file, e.mark.line + 1, e.mark.column + 1}.where() + ": malformed YAML: " + e.msg);
  }
  r.read(root);
  if (r.errs.list.empty()) r.check_reach();
  r.errs.raise();
  return r.c;
}

}  // namespace

Calibration parse_calibration(const std::string& yaml_text, const std::string& pseudo_file) {
  return parse(yaml_text, pseudo_file);
}

Calibration load_calibration(const std::string& path) {
  std::ifstream f(path);
  std::error_code ec;
  if (!f || fs::is_directory(path, ec)) throw ScenarioError(path + ": cannot open calibration file: no such file");
  std::stringstream s;
  s << f.rdbuf();
  return parse(s.str(), path);
}

bool is_calibration_file(const std::string& path) {
  try {
    const YAML::Node n = YAML::LoadFile(path);
    return n.IsMap() && n["parameters"] && n["targets"];
  } catch (...) {
    return false;
  }
}

namespace {
bool same(const Origin& a, const Origin& b) {
  return a.file == b.file && a.line == b.line && a.column == b.column;
}
}  // namespace

bool set_on_arm(Scenario& arm, const Scenario& base, const CalibrationParameter& p, double value) {
  const Value v{value, shortest(value), Origin{"<calibrate " + p.path + ">", 0, 0}};
  const int i = p.spec->index;
  if (p.spec->scope == Scope::Global) {
    if (!same(arm.global[i].origin, base.global[i].origin)) return false;
    arm.global[i] = v;
    return true;
  }
  bool applied = false;
  for (std::size_t t = 0; t < arm.territories.size(); ++t) {
    const Value* in_base = nullptr;  // the trial file's value of the same territory, if it has one
    for (const auto& bt : base.territories)
      if (bt.at(T::name).text == arm.territories[t].at(T::name).text) in_base = &bt.v[i];
    if (in_base && !same(arm.territories[t].v[i].origin, in_base->origin)) continue;
    arm.territories[t].v[i] = v;
    applied = true;
  }
  return applied;
}

namespace {

// Whether a row of a trial's table is a published value of the calibration's chosen targets.
bool chosen(const CalibrationTrial& ct, const TrialRow& row) {
  return row.published && std::find(ct.targets.begin(), ct.targets.end(), row.target) != ct.targets.end();
}

// The measures a trial's chosen targets read (each published value's measure, and the one it is
// a difference from): the others are not computed, and a run whose wanted measures read the
// cohort's states alone keeps its states only (measure_arm).
std::vector<bool> wanted_measures(const CalibrationTrial& ct) {
  const auto& spec = ct.trial.spec;
  std::vector<bool> wanted(spec.measures.size(), false);
  auto want = [&](const std::string& id) {
    for (std::size_t m = 0; m < spec.measures.size(); ++m)
      if (spec.measures[m].id == id) wanted[m] = true;
  };
  for (const auto& id : ct.targets)
    if (const TargetSpec* t = spec.target(id))
      for (const auto& pv : t->published) {
        want(pv.a.measure);
        if (pv.minus) want(pv.minus->measure);
      }
  return wanted;
}

// The number of published values a trial's chosen targets give the distance (the table's rows do
// not depend on the values simulated).
std::size_t chosen_values(const CalibrationTrial& ct) {
  const Trial& t = ct.trial;
  const std::vector<std::vector<std::vector<MeasureValue>>> none(
      t.arms.size(), std::vector<std::vector<MeasureValue>>(t.spec.measures.size(), {MeasureValue{std::nan(""), 0}}));
  std::size_t n = 0;
  for (const auto& row : trial_table_of(t, none).rows) n += chosen(ct, row);
  return n;
}

// The stages of an evaluation: every arm of every trial (file order), each run for the vectors
// still in play; a row of a trial's table counts once every arm it reads has run.
struct Stage {
  std::size_t u, a;  // trial, arm
};
std::vector<Stage> stages_of(const Calibration& c) {
  std::vector<Stage> v;
  for (std::size_t u = 0; u < c.trials.size(); ++u)
    for (std::size_t a = 0; a < c.trials[u].trial.arms.size(); ++a) v.push_back({u, a});
  return v;
}

// Person-weeks simulated to run one parameter vector on one arm of a trial: the arm's cohort and
// weeks, every replicate.
double stage_cost(const Calibration& c, const Stage& s) {
  const CalibrationTrial& ct = c.trials[s.u];
  return std::max(1.0, static_cast<double>(ct.trial.arms[s.a].weeks()) * std::max(1, ct.trial.spec.cohort) * c.replicates_of(ct));
}

// A vector's measures on one trial: [arm][measure][replicate] (NaN where not run).
using TrialValues = std::vector<std::vector<std::vector<MeasureValue>>>;

// One stage of the evaluation: the vectors `run` (indices into thetas) on arm a of trial u, every
// replicate in parallel and shared between ranks; each vector's measures into values[v][a].
void run_arm(const Calibration& c, const Stage& st, const std::vector<std::vector<double>>& thetas, const std::vector<std::size_t>& run,
             const CalibrationOptions& opt, const std::string& label, std::vector<TrialValues>& values) {
  // One task per vector x replicate; its measures go to flat[offset ...] as (value, n) pairs.
  // Rank k of K runs the tasks i with i % K == k; the sum over ranks is the whole.
  struct Task {
    std::size_t v;
    int r;
    std::size_t offset;
  };
  const CalibrationTrial& ct = c.trials[st.u];
  const Trial& t = ct.trial;
  const Scenario& arm0 = t.arms[st.a];
  const int R = c.replicates_of(ct);
  const std::size_t M = t.spec.measures.size();
  std::vector<Task> tasks;
  std::int64_t weeks = 0;
  for (const std::size_t v : run)
    for (int r = 0; r < R; ++r) {
      if (static_cast<int>(tasks.size()) % mpi::size() == mpi::rank()) weeks += arm0.weeks();
      tasks.push_back({v, r, tasks.size() * 2 * M});
    }
  std::vector<double> flat(tasks.size() * 2 * M, 0.0);
  const std::vector<bool> wanted = wanted_measures(ct);
  {
    Progress progress(weeks, label, opt.progress && mpi::rank() == 0);
    const std::size_t ranks = static_cast<std::size_t>(mpi::size()), rank = static_cast<std::size_t>(mpi::rank());
    tbb::parallel_for(std::size_t{0}, (tasks.size() + ranks - 1 - rank) / ranks, [&](std::size_t j) {
      const Task& k = tasks[j * ranks + rank];
      Scenario arm = arm0;
      for (std::size_t i = 0; i < c.parameters.size(); ++i) set_on_arm(arm, t.base, c.parameters[i], thetas[k.v][i]);
      std::vector<MeasureValue> mv(M, MeasureValue{std::nan(""), 0});
      try {
        arm.validate();
        mv = measure_arm(t, arm, k.r, nullptr, &wanted);
      } catch (const ScenarioError&) {  // values that break a cross-field check: the targets undefined
      }
      for (std::size_t m = 0; m < M; ++m) flat[k.offset + 2 * m] = mv[m].value, flat[k.offset + 2 * m + 1] = mv[m].n;
      progress.add(arm.weeks());
    });
  }
  mpi::sum_all(flat);
  for (const Task& k : tasks)
    for (std::size_t m = 0; m < M; ++m) values[k.v][st.a][m][static_cast<std::size_t>(k.r)] = {flat[k.offset + 2 * m], flat[k.offset + 2 * m + 1]};
}

// The sum of z^2 of a vector's chosen rows on trial u whose arms have all run (`done`); with
// `fits`, those rows' values too (in the table's order).
double trial_z2(const CalibrationTrial& ct, const TrialValues& v, const std::vector<char>& done, std::vector<TargetFit>* fits) {
  const Trial& t = ct.trial;
  const auto rows = trial_table_of(t, v).rows;
  const auto arms = trial_row_arms(t.spec);
  double sum = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const TrialRow& row = rows[i];
    if (!chosen(ct, row) || !std::all_of(arms[i].begin(), arms[i].end(), [&](std::size_t a) { return done[a] != 0; })) continue;
    const double z = (row.summary.mean - *row.published) / *row.tolerance;
    if (fits) fits->push_back({row.target, t.name(), row.arm, row.measure, *row.published, *row.tolerance, row.summary.mean, z});
    sum += std::isnan(z) ? kInf : z * z;
  }
  return sum;
}

// The distance sqrt(sum / n) of a sum of z^2 over n values.
double rms(double sum_z2, std::size_t n) { return std::sqrt(sum_z2 / static_cast<double>(n)); }

// Early rejection stops a vector when the z's so far give a distance above `above` by more
// than the rounding of sums taken in another order could ever account for.
constexpr double kRejectMargin = 1e-9;
bool beyond(double sum_z2, std::size_t n, double above) { return rms(sum_z2, n) > above * (1 + kRejectMargin); }

// The order of the stages for early rejection: most vectors stopped by the stage's own z's (the
// sums of z^2 it added in the recent evaluations, at the present tolerance) per person-week,
// first; ties in file order.
std::vector<std::size_t> rejection_order(const Calibration& c, const std::vector<Stage>& stages, const EarlyRejection& early, std::size_t n) {
  std::vector<double> score(stages.size());
  for (std::size_t s = 0; s < stages.size(); ++s) {
    const std::vector<double> none;
    const auto& seen = s < early.seen.size() ? early.seen[s] : none;
    std::size_t stops = 0;
    for (const double z2 : seen) stops += beyond(z2, n, early.above);
    score[s] = (static_cast<double>(stops) + 1) / (static_cast<double>(seen.size()) + 2) / stage_cost(c, stages[s]);
  }
  std::vector<std::size_t> order(stages.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  return order;
}

constexpr std::size_t kSeenKept = 500;  // the recent sums of z^2 kept per stage for the order

}  // namespace

std::vector<Evaluation> evaluate(const Calibration& c, const std::vector<std::vector<double>>& thetas,
                                 const CalibrationOptions& opt, EarlyRejection* early) {
  const std::size_t V = thetas.size(), U = c.trials.size();
  const std::vector<Stage> stages = stages_of(c);
  const std::size_t S = stages.size();
  std::size_t n = 0;  // published values in the distance
  for (const auto& ct : c.trials) n += chosen_values(ct);
  const bool may_stop = early != nullptr && std::isfinite(early->above);
  std::vector<std::size_t> order(S);
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (may_stop) order = rejection_order(c, stages, *early, n);
  if (early != nullptr && early->seen.size() < S) early->seen.resize(S);

  // values[u][v]: vector v's measures on trial u; done[u][a]: arm a of trial u has run; z2[v][u]:
  // the sum of vector v's z^2 over the rows of trial u complete so far; fits[u][v]: its published
  // values of trial u, in the table's order, once every arm has run.
  std::vector<std::vector<TrialValues>> values(U);
  std::vector<std::vector<char>> done(U);
  for (std::size_t u = 0; u < U; ++u) {
    const Trial& t = c.trials[u].trial;
    const auto R = static_cast<std::size_t>(c.replicates_of(c.trials[u]));
    values[u].assign(V, TrialValues(t.arms.size(), std::vector<std::vector<MeasureValue>>(
                                                       t.spec.measures.size(), std::vector<MeasureValue>(R, MeasureValue{std::nan(""), 0}))));
    done[u].assign(t.arms.size(), 0);
  }
  std::vector<std::vector<double>> z2(V, std::vector<double>(U, 0.0));
  std::vector<std::vector<std::vector<TargetFit>>> fits(U, std::vector<std::vector<TargetFit>>(V));
  std::vector<char> stopped(V, 0);
  std::vector<double> so_far(V, 0.0);
  for (std::size_t k = 0; k < S; ++k) {
    const Stage& st = stages[order[k]];
    const CalibrationTrial& ct = c.trials[st.u];
    std::vector<std::size_t> run;
    for (std::size_t v = 0; v < V; ++v)
      if (!stopped[v]) run.push_back(v);
    if (early != nullptr) early->runs_saved += static_cast<std::int64_t>(V - run.size());
    if (run.empty()) continue;
    std::string label = "evaluating " + std::to_string(run.size()) + " parameter sets";
    if (S > 1)
      label += " on " + ct.trial.name() + (ct.trial.arms.size() > 1 ? ", arm " + ct.trial.spec.arms[st.a] : std::string()) + " (" +
               std::to_string(k + 1) + " of " + std::to_string(S) + ")";
    run_arm(c, st, thetas, run, opt, label, values[st.u]);
    done[st.u][st.a] = 1;
    const bool complete = std::all_of(done[st.u].begin(), done[st.u].end(), [](char d) { return d != 0; });
    for (const std::size_t v : run) {
      const double before = z2[v][st.u];
      z2[v][st.u] = trial_z2(ct, values[st.u][v], done[st.u], complete ? &fits[st.u][v] : nullptr);
      so_far[v] = 0;
      for (std::size_t u = 0; u < U; ++u) so_far[v] += z2[v][u];
      if (early != nullptr) {
        auto& seen = early->seen[order[k]];
        seen.push_back(std::isinf(before) ? 0.0 : z2[v][st.u] - before);  // what this stage added
        if (seen.size() > kSeenKept) seen.erase(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(seen.size() - kSeenKept));
      }
      if (may_stop && k + 1 < S && beyond(so_far[v], n, early->above)) stopped[v] = 1, early->stopped++;
    }
  }

  std::vector<Evaluation> out(V);
  for (std::size_t v = 0; v < V; ++v) {
    Evaluation& e = out[v];
    double sum = 0;  // in the trials' and rows' order, whatever order they ran in
    for (std::size_t u = 0; u < U; ++u)
      for (const TargetFit& f : fits[u][v]) {
        e.values.push_back(f);
        sum += std::isnan(f.z) ? kInf : f.z * f.z;
      }
    e.distance = stopped[v] ? rms(so_far[v], n) : rms(sum, e.values.size());
  }
  return out;
}

CalibrationResult run_calibration(const Calibration& c, const CalibrationOptions& opt) {
  const int threads = opt.threads > 0 ? opt.threads : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const auto start = std::chrono::steady_clock::now();
  CalibrationResult res;
  res.started = utc_now();
  const bool talk = opt.progress && mpi::rank() == 0;
  std::vector<abc::Prior> priors;
  for (const auto& p : c.parameters) priors.push_back(p.prior);
  EarlyRejection early;
  auto distances = [&](const std::vector<abc::Proposal>& batch, double epsilon) {
    std::vector<std::vector<double>> thetas;
    for (const auto& p : batch) thetas.push_back(p.theta);
    std::vector<double> d;
    early.above = opt.early_rejection ? epsilon : kInf;
    for (const auto& e : evaluate(c, thetas, opt, &early)) d.push_back(e.distance);
    res.evaluations += static_cast<std::int64_t>(batch.size());
    return d;
  };
  auto report = [&](const abc::Population& p) {
    if (!talk) return;
    const double best = *std::min_element(p.distance.begin(), p.distance.end());
    std::fprintf(
        stderr, "generation %d: epsilon %s, acceptance %.1f%% (%lld proposals), best distance %.3g, ESS %.0f, %.1f s\n",
        p.generation, std::isinf(p.epsilon) ? "inf (prior)" : shortest(std::round(p.epsilon * 1e4) / 1e4).c_str(),
        100 * p.acceptance(), static_cast<long long>(p.proposals), best, p.ess(), p.seconds);
  };
  res.abc = abc::smc(priors, c.abc, distances, report);
  res.stopped_early = early.stopped;
  res.runs_saved = early.runs_saved;
  if (talk) {
    std::fprintf(stderr, "stopped: %s\n", res.abc.stop.c_str());
    std::fprintf(stderr, "early rejection: %lld of %lld proposals stopped before their last trial arm; %lld of %lld proposal x trial arm runs not needed\n",
                 static_cast<long long>(res.stopped_early), static_cast<long long>(res.evaluations),
                 static_cast<long long>(res.runs_saved), static_cast<long long>(res.evaluations * static_cast<std::int64_t>(stages_of(c).size())));
  }
  const abc::Population& post = res.abc.populations.back();
  std::vector<double> median;
  for (std::size_t j = 0; j < c.parameters.size(); ++j) {
    const std::vector<double> x = abc::column(post, j);
    res.fit.push_back({abc::weighted_mean(x, post.weight), abc::weighted_quantile(x, post.weight, 0.5),
                       abc::weighted_quantile(x, post.weight, 0.025), abc::weighted_quantile(x, post.weight, 0.975)});
    median.push_back(res.fit.back().median);
  }
  res.at_median = evaluate(c, {median}, opt).front();
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return res;
}

namespace {
// Parameter values: 4 significant digits.
std::string sig(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}
std::string prior_text(const abc::Prior& p) {
  return std::string(p.log ? "log-uniform" : "uniform") + " [" + sig(p.lo) + ", " + sig(p.hi) + "]";
}
}  // namespace

std::string fit_table(const Calibration& c, const CalibrationResult& r) {
  const abc::Population& post = r.abc.populations.back();
  std::string eps;
  for (const auto& p : r.abc.populations)
    eps += (eps.empty() ? "" : ", ") + (std::isinf(p.epsilon) ? std::string("inf") : sig(p.epsilon));
  std::string replicates = c.replicates > 0 ? std::to_string(c.replicates) : "each trial's own";
  std::string out = "calibration " + c.name + " (" + c.file + "): ABC-SMC, " + std::to_string(post.theta.size()) +
                    " particles, " + std::to_string(post.generation) + " generations after the prior sample, " +
                    replicates + " replicates per evaluation with the trials' seeds (common random numbers), seed " +
                    std::to_string(c.abc.seed) + "\nepsilon schedule: " + eps + " (" + r.abc.stop + ")\n\n";
  std::vector<std::vector<std::string>> rows = {
      {"parameter", "prior", "posterior mean", "median", "95% credible interval"}};
  for (std::size_t j = 0; j < c.parameters.size(); ++j) {
    const ParameterFit& f = r.fit[j];
    rows.push_back({c.parameters[j].path, prior_text(c.parameters[j].prior), sig(f.mean), sig(f.median),
                    "[" + sig(f.ci_low) + ", " + sig(f.ci_high) + "]"});
  }
  out += cell_table(rows, TableFormat::Text) + "\n";
  rows = {{"target", "trial", "arm", "measure", "published", "simulated", "tolerance", "z", "met"}};
  for (const auto& v : r.at_median.values) {
    char z[32];
    std::snprintf(z, sizeof z, "%+.2f", v.z);
    rows.push_back({v.target, v.trial, v.arm, v.measure, format_measure(v.published), format_measure(v.simulated),
                    format_measure(v.tolerance), z, std::fabs(v.z) <= 1 ? "yes" : "NO"});
  }
  out += cell_table(rows, TableFormat::Text);
  char tail[200];
  std::snprintf(tail, sizeof tail, "distance %.3g (root mean square of z)", r.at_median.distance);
  return out +
         "\nsimulated: the mean over the replicates at the posterior medians; z = (simulated - published) / "
         "tolerance; met when |z| <= 1; " +
         tail + "\n";
}

}  // namespace percorsi

namespace percorsi {

// PERCORSI_VERSION and PERCORSI_GIT_COMMIT: compile definitions of percorsi_study (sim/CMakeLists.txt).
void write_calibration_results(const std::string& path, const Calibration& c, const CalibrationResult& r,
                               const std::string& command_line, int threads) {
  out::CalibrationFile f;
  f.name = c.name;
  f.source_file = c.file;
  f.method = "abc_smc";
  f.kernel = c.abc.kernel == abc::Kernel::Variance ? "variance" : "covariance";
  f.stop = r.abc.stop;
  f.program_version = PERCORSI_VERSION;
  f.git_commit = PERCORSI_GIT_COMMIT;
  f.command_line = command_line;
  f.start_time = r.started;
  f.wall_seconds = r.seconds;
  f.quantile = c.abc.quantile;
  f.final_epsilon = c.abc.final_epsilon.value_or(std::nan(""));
  f.threads = threads;
  f.ranks = mpi::size();
  f.particles = c.abc.particles;
  f.replicates = c.replicates;
  f.seed = c.abc.seed;
  for (std::size_t j = 0; j < c.parameters.size(); ++j) {
    const auto& p = c.parameters[j];
    f.parameter.push_back(p.path);
    f.prior_low.push_back(p.prior.lo);
    f.prior_high.push_back(p.prior.hi);
    f.prior_log.push_back(p.prior.log);
    f.mean.push_back(r.fit[j].mean);
    f.median.push_back(r.fit[j].median);
    f.ci_low.push_back(r.fit[j].ci_low);
    f.ci_high.push_back(r.fit[j].ci_high);
  }
  const abc::Population& post = r.abc.populations.back();
  for (const auto& th : post.theta) f.theta.insert(f.theta.end(), th.begin(), th.end());
  f.weight = post.weight;
  f.distance = post.distance;
  for (const auto& p : r.abc.populations) {
    f.epsilon.push_back(p.epsilon);
    f.acceptance.push_back(p.acceptance());
    f.ess.push_back(p.ess());
    f.proposals.push_back(static_cast<std::int32_t>(p.proposals));
  }
  for (const auto& v : r.at_median.values) {
    f.target.push_back(v.target);
    f.trial.push_back(v.trial);
    f.arm.push_back(v.arm);
    f.measure.push_back(v.measure);
    f.published.push_back(v.published);
    f.tolerance.push_back(v.tolerance);
    f.simulated.push_back(v.simulated);
    f.z.push_back(v.z);
    f.met.push_back(std::fabs(v.z) <= 1);
  }
  write_staged(path, "calibrate", [&](const std::string& staged) { out::write_calibration_file(staged, f); });
}

}  // namespace percorsi
