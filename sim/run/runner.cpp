#include "sim/run/runner.hpp"
#include "sim/run/tables.hpp"

#include "sim/model/rules.hpp"
#include "sim/run/csv.hpp"
#include "sim/run/economics.hpp"
#include "sim/stats/stats.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>

#include "sim/engine/parallel.hpp"
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <boost/math/distributions/students_t.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <mutex>
#include <set>
#include <sstream>
#include <yaml-cpp/yaml.h>

#include "sim/registry/outputs.hpp"
#include "output/reader.hpp"
#include "output/files.hpp"
#include "output/recorder.hpp"
#include "sim/run/mpi.hpp"
#include "sim/run/progress.hpp"
#include "sim/engine/world.hpp"

#ifndef PERCORSI_VERSION
#define PERCORSI_VERSION "0.0.0"
#endif
#ifndef PERCORSI_GIT_COMMIT
#define PERCORSI_GIT_COMMIT "unknown"
#endif

namespace percorsi {

std::atomic<bool> g_interrupt{false};

out::ReplicateResult run_replicate(const Scenario& sc, int replicate, const std::function<void()>& on_week, Engine engine) {
  const auto t0 = std::chrono::steady_clock::now();
  World w(sc, replicate, engine);
  for (int k = 0; k < sc.weeks(); ++k) {
    if (g_interrupt) throw Interrupted();
    w.step();
    if (on_week) on_week();
  }
  auto r = w.results();
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

out::Provenance provenance_of(const std::string& command_line, int threads, const std::string& started,
                              std::chrono::steady_clock::time_point start) {
  out::Provenance p;
  p.program_version = PERCORSI_VERSION;
  p.git_commit = PERCORSI_GIT_COMMIT;
  p.command_line = command_line;
  p.threads = threads;
  p.start_time = started;
  p.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  p.ranks = mpi::size();
  return p;
}

void write_results(const std::string& path, const std::vector<Scenario>& scenarios, int replicates,
                   const std::vector<out::ReplicateResult>& results, const out::Provenance& p) {
  out::Recorder rec(path);
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    Scenario sc = scenarios[s];
    sc.set("replicates", std::to_string(replicates));
    const out::ScenarioInfo info = scenario_info(sc);
    rec.begin_scenario(info);
    for (int r = 0; r < replicates; ++r) rec.write_replicate(info.name, results[s * static_cast<std::size_t>(replicates) + r]);
    rec.finish_scenario(info.name);
    rec.write_weekly_summary(info.name);
  }
  rec.commit(p);
}

void write_staged(const std::string& path, const std::string& tag, const std::function<void(const std::string&)>& write) {
  out::remove_stale_temporaries(path, tag);  // of writers killed earlier
  const std::string staged = path + "." + tag + "-" + std::to_string(::getpid());
  try {
    write(staged);
    std::filesystem::rename(staged, path);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(staged, ec);
    throw;
  }
}

namespace {

// Memory for the results the assembly writes from memory rather than reading back (KeptResults):
// about 1 MB a replicate of a regional scenario, 350 MB one of a million people (not kept).
constexpr std::size_t kKeptResultsBudget = std::size_t{256} << 20;

std::string duration_text(double secs) {
  char buf[32];
  if (secs < 120) std::snprintf(buf, sizeof buf, "%.0fs", secs);
  else if (secs < 7200) std::snprintf(buf, sizeof buf, "%.0fm", secs / 60);
  else std::snprintf(buf, sizeof buf, "%.1fh", secs / 3600);
  return buf;
}

// Progress lines for logs (batch jobs, where stderr is not a terminal and the bar is silent):
// tasks done and ETA, at most every 30 seconds.
class LogProgress {
 public:
  LogProgress(std::size_t total, std::string prefix, bool enabled)
      : total_(total), prefix_(std::move(prefix)), enabled_(enabled && !isatty(2)),
        start_(std::chrono::steady_clock::now()), last_(start_) {}
  void task_done() {
    const std::size_t n = ++done_;
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::seconds(30)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "%s%zu/%zu tasks done (%.0f%%), %s elapsed, ETA %s\n", prefix_.c_str(), n, total_,
                 100.0 * static_cast<double>(n) / static_cast<double>(total_), duration_text(secs).c_str(),
                 duration_text(secs * static_cast<double>(total_ - n) / static_cast<double>(n)).c_str());
  }

 private:
  std::size_t total_;
  std::string prefix_;
  bool enabled_;
  std::atomic<std::size_t> done_{0};
  std::chrono::steady_clock::time_point start_, last_;
  std::mutex mu_;
};

out::Provenance provenance(const RunOptions& opt, int threads, const std::string& started,
                           std::chrono::steady_clock::time_point start) {
  out::Provenance p = provenance_of(opt.command_line, threads, started, start);
  p.shard = opt.shard.text();
  return p;
}

std::int64_t weeks_of(const std::vector<Scenario>& scenarios, const std::vector<Task>& tasks) {
  std::int64_t w = 0;
  for (const auto& t : tasks) w += scenarios[t.scenario].weeks();
  return w;
}

// A weekly series of costs (unit euro/week in the output table).
bool is_cost_series(const std::string& name) {
  const out::OutputSpec* o = out::find_output(out::OutputKind::Series, name);
  return o && o->unit == "euro/week";
}

// The sum of a weekly cost series [week][territory] over weeks and territories, each week
// discounted as the cost headlines are (rules::CostRules::discount, docs/economics.md), so that
// the programme's cost and cost_per_person of the offset are alike; undiscounted without rules.
double run_total(const std::vector<double>& values, std::size_t territories, const rules::CostRules* rule) {
  double x = 0;
  for (std::size_t i = 0; i < values.size(); ++i)
    x += values[i] * (rule ? rule->discount(static_cast<int>(i / std::max<std::size_t>(1, territories))) : 1.0);
  return x;
}

// Runs the tasks in memory (no results file): headline values and the run totals of the costs.
std::vector<ScenarioSummary> run_in_memory(const std::vector<Scenario>& scenarios, const std::vector<Task>& tasks,
                                           const RunOptions& opt) {
  std::vector<ScenarioSummary> out;
  for (const auto& sc : scenarios) {
    out.push_back(shape_of(sc));
    out.back().resolved_yaml = sc.to_yaml();
  }
  Progress progress(weeks_of(scenarios, tasks), "running " + std::to_string(tasks.size()) + " runs", opt.progress);
  std::vector<std::map<std::string, double>> headlines(tasks.size()), costs(tasks.size());
  std::vector<std::map<std::string, std::pair<double, double>>> balance(tasks.size());
  parallel::parallel_for(std::size_t{0}, tasks.size(), [&](std::size_t i) {
    const Task& task = tasks[i];
    out::ReplicateResult r =
        run_replicate(scenarios[task.scenario], task.replicate, [&] { progress.add(); }, opt.engine);
    headlines[i] = std::move(r.headline);
    const rules::CostRules rule(scenarios[task.scenario]);
    for (const auto& w : r.weekly)
      if (is_cost_series(w.name)) costs[i][w.name] = run_total(w.values, r.territories.size(), &rule);
    balance[i] = balance_of(r.weekly, scenarios[task.scenario].weeks());
  });
  progress.finish();
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    ScenarioSummary& s = out[tasks[i].scenario];
    s.replicates.push_back(tasks[i].replicate);
    for (const auto& [k, v] : headlines[i]) s.headline[k].push_back(v);
    for (const auto& [k, v] : costs[i]) s.cost_totals[k].push_back(v);
    for (const auto& [k, v] : balance[i]) s.balance[k].push_back(v);
  }
  return out;
}

// Error codes shared between ranks.
enum Code : int { kOk = 0, kBadInput = 2, kFailure = 3, kStop = 130 };

[[noreturn]] void rethrow(int code, const std::string& msg) {
  if (code == kStop) throw Interrupted();
  if (code == kBadInput) throw ScenarioError(msg);
  throw std::runtime_error(msg);
}

std::size_t count_task_files(const std::string& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (f.size() > 3 && f[0] == 's' && f.compare(f.size() - 3, 3, ".h5") == 0) ++n;
  }
  return n;
}
}  // namespace

std::map<std::string, std::pair<double, double>> balance_of(const std::vector<out::WeeklySeries>& weekly, int weeks) {
  std::map<std::string, std::pair<double, double>> b;
  if (weeks < 104) return b;
  for (const auto& w : weekly) {
    if (std::find(kBalanceStocks.begin(), kBalanceStocks.end(), w.name) == kBalanceStocks.end() || w.values.empty()) continue;
    const std::size_t T = w.values.size() / static_cast<std::size_t>(weeks);
    double first = 0, last = 0;
    for (std::size_t k = 0; k < 52; ++k)
      for (std::size_t t = 0; t < T; ++t)
        first += w.values[k * T + t], last += w.values[(static_cast<std::size_t>(weeks) - 52 + k) * T + t];
    b[w.name] = {first / 52, last / 52};
  }
  return b;
}

std::vector<std::string> balance_warnings(const std::vector<ScenarioSummary>& table) {
  std::vector<std::string> out;
  for (const auto& s : table) {
    std::string drift, declared;
    for (const auto& name : kBalanceStocks) {
      const auto it = s.balance.find(name);
      if (it == s.balance.end() || it->second.empty()) continue;
      double first = 0, last = 0;
      for (const auto& [f, l] : it->second) first += f, last += l;
      first /= static_cast<double>(it->second.size()), last /= static_cast<double>(it->second.size());
      if (balance_small_stock(first, last) || std::fabs(last - first) <= kBalanceTolerance * first) continue;
      const auto* spec = out::find_output(out::OutputKind::Series, name);
      char buf[200];
      std::snprintf(buf, sizeof buf, "%s %.0f -> %.0f (%+.0f%%)", spec ? spec->label.c_str() : name.c_str(), first, last,
                    first > 0 ? 100 * (last - first) / first : 100.0);
      if (balance_trend_covers(name) && !s.balance_trend.empty()) {
        declared += (declared.empty() ? "" : "; ") + std::string(buf);
        continue;
      }
      drift += (drift.empty() ? "" : "; ") + std::string(buf);
    }
    if (!declared.empty())
      out.push_back("note: " + s.name + ": " + declared + ", a trend the scenario declares: " + s.balance_trend);
    if (!drift.empty())
      out.push_back("warning: " + s.name + " is not in balance (mean of the first year -> of the last): " + drift +
                    "; its results depend on the horizon (docs/statistics.md, \"Balance\")");
  }
  return out;
}


ScenarioSummary shape_of(const Scenario& sc) {
  ScenarioSummary x;
  x.name = sc.name();
  x.seed = sc.seed();
  x.weeks = sc.weeks();
  x.start_date = sc.at(G::start_date).text;
  x.balance_trend = sc.at(G::balance_trend).text;
  for (std::size_t t = 0; t < sc.territories.size(); ++t) x.territories.push_back(sc.territory_name(int(t)));
  x.levers = sc.sweep;
  return x;
}

void apply_overrides(std::vector<Scenario>& scenarios, const RunOptions& opt) {
  std::set<std::string> names;
  for (auto& sc : scenarios) {
    if (opt.replicates) sc.set("replicates", std::to_string(*opt.replicates));
    if (opt.seed) sc.set("seed", std::to_string(*opt.seed));
    if (!names.insert(sc.name()).second)
      throw ScenarioError(sc.file + ": scenario name '" + sc.name() + "' is used by two scenarios of this run");
  }
}

std::vector<ScenarioSummary> run_scenarios(std::vector<Scenario> scenarios, const RunOptions& opt,
                                           const std::string& out_path) {
  apply_overrides(scenarios, opt);
  const int rank = mpi::rank(), ranks = mpi::size();
  // Each rank uses oneTBB inside; by default the ranks of one node share its cores.
  const int threads = opt.threads > 0 ? opt.threads
                                      : std::max(1, tbb::info::default_concurrency() / std::max(1, mpi::local_size()));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const auto start = std::chrono::steady_clock::now();
  const std::string started = utc_now();
  const std::vector<Task> plan = plan_tasks(scenarios, opt.shard);

  if (out_path.empty()) {
    if (ranks > 1) throw ScenarioError("under MPI, give --out FILE.h5: the ranks' results are joined in that file");
    return run_in_memory(scenarios, plan, opt);
  }
  // One writer at a time for the results file and its work directory, until the end of the run.
  const auto lock = claim_output(out_path, opt.force || opt.resume, "a results file", opt.command_line);
  const std::string dir = work_dir_of(out_path);
  const std::string who = ranks > 1 ? "percorsi (rank " + std::to_string(rank) + "): " : "percorsi: ";

  // 1. Rank 0 makes the work directory ready; every rank learns what is left to do.
  int code = kOk;
  std::string msg;
  WorkState ws;
  if (rank == 0) {
    try {
      ws = prepare_work_dir(out_path, scenarios, plan, opt.shard, opt.resume);
    } catch (const ScenarioError& e) {
      code = kBadInput, msg = e.what();
    } catch (const out::ReadError& e) {
      code = kBadInput, msg = e.what();
    } catch (const std::exception& e) {
      code = kFailure, msg = e.what();
    }
    if (opt.progress)
      for (const auto& n : ws.notes) std::fprintf(stderr, "percorsi: %s\n", n.c_str());
  }
  // [code, already complete, done flags of the plan...]
  std::vector<char> state;
  state.reserve(2 + ws.done.size());
  state.push_back(static_cast<char>(code));
  state.push_back(ws.already_complete ? 1 : 0);
  for (char d : ws.done) state.push_back(d);
  mpi::broadcast(state);
  mpi::broadcast(msg);
  if (state[0] != kOk) rethrow(static_cast<unsigned char>(state[0]), msg);
  if (state[1]) return rank == 0 ? read_summaries(out_path) : std::vector<ScenarioSummary>{};
  const std::vector<char> done(state.begin() + 2, state.end());

  // 2. Each rank runs its share of the tasks left, writing each to the work directory; rank 0
  // also keeps its results in memory for the assembly, within a budget.
  KeptResults kept(kKeptResultsBudget);
  std::vector<Task> mine;
  std::size_t left = 0;
  for (std::size_t i = 0; i < plan.size(); ++i)
    if (!done[i] && left++ % static_cast<std::size_t>(ranks) == static_cast<std::size_t>(rank)) mine.push_back(plan[i]);
  if (rank == 0 && opt.progress && opt.resume && left < plan.size())
    std::fprintf(stderr, "percorsi: resuming: %zu of %zu tasks were done, running the other %zu\n", plan.size() - left,
                 plan.size(), left);
  {
    std::string label = "running " + std::to_string(left) + " tasks";
    if (ranks > 1) label += " on " + std::to_string(ranks) + " ranks (rank 0: " + std::to_string(mine.size()) + ")";
    Progress progress(weeks_of(scenarios, mine), label, opt.progress && rank == 0);
    LogProgress log(mine.size(), ranks > 1 ? "percorsi (rank 0): " : "percorsi: ", opt.progress && rank == 0);
    const out::Provenance task_prov = provenance(opt, threads, started, start);
    std::map<int, out::ScenarioInfo> infos;  // of the scenarios this rank runs
    for (const auto& t : mine)
      if (!infos.count(t.scenario)) infos.emplace(t.scenario, scenario_info(scenarios[t.scenario]));
    code = kOk;
    try {
      parallel::parallel_for(std::size_t{0}, mine.size(), [&](std::size_t i) {
        const Task& t = mine[i];
        out::ReplicateResult r = run_replicate(scenarios[t.scenario], t.replicate, [&] { progress.add(); }, opt.engine);
        write_task_file(dir, infos.at(t.scenario), t, r, task_prov);
        if (rank == 0) kept.offer(t.id, std::move(r));
        log.task_done();
      });
    } catch (const Interrupted&) {
      code = kStop;
    } catch (const std::exception& e) {
      code = kFailure, msg = e.what();
      if (rank != 0) std::fprintf(stderr, "%serror: %s\n", who.c_str(), e.what());
    }
    progress.finish();
  }
  const int all = mpi::max_all(code);
  if (all != kOk) {
    std::size_t kept = 0;
    if (rank == 0) {
      kept = count_task_files(dir);
      std::error_code ec;
      if (kept == 0) std::filesystem::remove_all(dir, ec);
    }
    if (all == kStop) throw Interrupted();
    if (code == kOk) msg = "a task failed on another rank (see its message above)";
    if (kept > 0)
      msg += "; the " + std::to_string(kept) + " finished tasks are kept in " + dir +
             ": run the same command with --resume to run only the others";
    throw std::runtime_error(msg);
  }

  // 3. Rank 0 assembles the results file from the work directory, one task at a time.
  code = kOk;
  if (rank == 0) {
    try {
      assemble(out_path, scenarios, plan, opt.shard, provenance(opt, threads, started, start), &kept);
    } catch (const Interrupted&) {
      code = kStop;
    } catch (const ScenarioError& e) {  // a part that is not this run's, or damaged
      code = kBadInput, msg = e.what();
    } catch (const std::exception& e) {
      code = kFailure;
      msg = std::string(e.what()) + "; the finished tasks are kept in " + dir +
            ": run the same command with --resume to try again";
    }
  }
  std::vector<char> c(1, static_cast<char>(code));
  mpi::broadcast(c);
  mpi::broadcast(msg);
  if (c[0] != kOk) rethrow(static_cast<unsigned char>(c[0]), msg);
  return rank == 0 ? read_summaries(out_path) : std::vector<ScenarioSummary>{};
}

std::vector<ScenarioSummary> read_summaries(const std::string& h5_path) {
  out::Reader rd(h5_path);
  std::vector<ScenarioSummary> out;
  for (const auto& name : rd.scenarios()) {
    ScenarioSummary s;
    s.name = name;
    const out::ScenarioInfo info = rd.scenario(name);
    s.seed = info.seed;
    s.resolved_yaml = info.resolved_yaml;
    s.source = h5_path;
    s.replicates = rd.replicates(name);
    s.weeks = info.weeks;
    s.territories = info.territories;
    try {  // the start date and the sweep point, from the YAML the file keeps
      const YAML::Node y = YAML::Load(info.resolved_yaml);
      if (y["start_date"]) s.start_date = y["start_date"].as<std::string>();
      if (y["balance"] && y["balance"]["trend"]) s.balance_trend = y["balance"]["trend"].as<std::string>();
      if (!info.sweep.empty())
        for (const auto& kv : YAML::Load(info.sweep)) s.levers.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
    } catch (const YAML::Exception&) {
    }
    for (const auto& ind : rd.headline_names(name)) s.headline[ind] = rd.headline(name, ind);
    const std::vector<std::string> weekly_names = rd.weekly_names(name);
    std::optional<rules::CostRules> rule;  // the discounting of the scenario the file keeps
    try {
      rule.emplace(parse_scenario(info.resolved_yaml, h5_path));
    } catch (const std::exception&) {
    }
    for (const auto& series : weekly_names)
      if (is_cost_series(series))
        for (int r : s.replicates)
          s.cost_totals[series].push_back(run_total(rd.weekly(name, r, series), s.territories.size(), rule ? &*rule : nullptr));
    if (s.weeks >= 104)
      for (int r : s.replicates) {
        std::vector<out::WeeklySeries> weekly;
        for (const auto& series : kBalanceStocks)
          if (std::find(weekly_names.begin(), weekly_names.end(), series) != weekly_names.end())
            weekly.push_back({series, rd.weekly(name, r, series)});
        for (const auto& [k, v] : balance_of(weekly, s.weeks)) s.balance[k].push_back(v);
      }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<ScenarioSummary> combine_summaries(const std::vector<ScenarioSummary>& all) {
  std::vector<ScenarioSummary> out;
  std::map<std::string, std::vector<std::size_t>> by_name;  // name -> entries of out
  auto file_name = [](const std::string& src) {
    return src.empty() ? std::string("run") : std::filesystem::path(src).filename().string();
  };
  for (const auto& s : all) {
    auto& variants = by_name[s.name];
    bool joined = false;
    for (std::size_t v : variants) {
      ScenarioSummary& o = out[v];
      if (o.seed != s.seed || o.resolved_yaml != s.resolved_yaml) continue;
      for (std::size_t i = 0; i < s.replicates.size(); ++i)
        if (std::find(o.replicates.begin(), o.replicates.end(), s.replicates[i]) != o.replicates.end())
          throw ScenarioError("scenario '" + s.name + "' replicate " + std::to_string(s.replicates[i]) + " is in both " +
                              o.source + " and " + s.source + " (the same task twice)");
      o.replicates.insert(o.replicates.end(), s.replicates.begin(), s.replicates.end());
      using Values = std::map<std::string, std::vector<double>> ScenarioSummary::*;
      for (Values m : {&ScenarioSummary::headline, &ScenarioSummary::cost_totals})
        for (const auto& [k, v2] : s.*m) {
          auto& dst = (o.*m)[k];
          dst.insert(dst.end(), v2.begin(), v2.end());
        }
      for (const auto& [k, v2] : s.balance) o.balance[k].insert(o.balance[k].end(), v2.begin(), v2.end());
      joined = true;
      break;
    }
    if (!joined) {
      variants.push_back(out.size());
      out.push_back(s);
    }
  }
  for (const auto& [name, variants] : by_name) {
    if (variants.size() < 2) continue;
    std::set<std::string> labels;
    for (std::size_t v : variants) {
      std::string label = name + "@" + file_name(out[v].source);
      if (labels.count(label)) label = name + "@" + (out[v].source.empty() ? "run" : out[v].source);
      if (labels.count(label)) label += "#" + std::to_string(v);
      labels.insert(label);
      out[v].name = label;
    }
  }
  return out;
}

std::vector<ScenarioSummary> select_scenarios(const std::vector<ScenarioSummary>& all,
                                              const std::vector<std::string>& names, const std::string& baseline) {
  auto find = [&](const std::string& n) -> const ScenarioSummary& {
    for (const auto& s : all)
      if (s.name == n) return s;
    std::string list;
    for (std::size_t i = 0; i < all.size() && i < 20; ++i) list += (i ? ", " : "") + all[i].name;
    if (all.size() > 20) list += ", ... (" + std::to_string(all.size()) + " in all)";
    throw ScenarioError("no scenario '" + n + "' in the inputs; they hold: " + list);
  };
  std::vector<ScenarioSummary> out;
  if (names.empty()) out = all;
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (!seen.insert(n).second) throw ScenarioError("--scenarios names '" + n + "' twice");
    out.push_back(find(n));
  }
  if (!baseline.empty()) {
    auto it = std::find_if(out.begin(), out.end(), [&](const ScenarioSummary& s) { return s.name == baseline; });
    if (it == out.end()) {
      find(baseline);  // throws when it is nowhere
      throw ScenarioError("--baseline '" + baseline + "' is not among the scenarios picked with --scenarios");
    }
    std::rotate(out.begin(), it, it + 1);
  }
  return out;
}

}  // namespace percorsi
