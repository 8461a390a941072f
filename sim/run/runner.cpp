#include "sim/run/runner.hpp"
#include "sim/stats/stats.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <unistd.h>

#include <algorithm>
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

#include "output/outputs.hpp"
#include "output/reader.hpp"
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

out::ReplicateResult run_replicate(const Scenario& sc, int replicate, const std::function<void()>& on_week) {
  const auto t0 = std::chrono::steady_clock::now();
  World w(sc, replicate);
  for (int k = 0; k < sc.weeks(); ++k) {
    if (g_interrupt) throw Interrupted();
    w.step();
    if (on_week) on_week();
  }
  auto r = w.results();
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

namespace {
std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

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
  out::Provenance p;
  p.program_version = PERCORSI_VERSION;
  p.git_commit = PERCORSI_GIT_COMMIT;
  p.command_line = opt.command_line;
  p.threads = threads;
  p.start_time = started;
  p.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  p.shard = opt.shard.text();
  p.ranks = mpi::size();
  return p;
}

std::int64_t weeks_of(const std::vector<Scenario>& scenarios, const std::vector<Task>& tasks) {
  std::int64_t w = 0;
  for (const auto& t : tasks) w += scenarios[t.scenario].weeks();
  return w;
}

// Runs the tasks in memory (no results file): headline values only.
std::vector<ScenarioSummary> run_in_memory(const std::vector<Scenario>& scenarios, const std::vector<Task>& tasks,
                                           const RunOptions& opt) {
  std::vector<ScenarioSummary> out(scenarios.size());
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    out[s].name = scenarios[s].name();
    out[s].seed = scenarios[s].seed();
    out[s].resolved_yaml = scenarios[s].to_yaml();
  }
  Progress progress(weeks_of(scenarios, tasks), "running " + std::to_string(tasks.size()) + " runs", opt.progress);
  std::vector<std::map<std::string, double>> headlines(tasks.size());
  tbb::parallel_for(std::size_t{0}, tasks.size(), [&](std::size_t i) {
    const Task& task = tasks[i];
    headlines[i] = run_replicate(scenarios[task.scenario], task.replicate, [&] { progress.add(); }).headline;
  });
  progress.finish();
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    out[tasks[i].scenario].replicates.push_back(tasks[i].replicate);
    for (const auto& [k, v] : headlines[i]) out[tasks[i].scenario].headline[k].push_back(v);
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

  // 2. Each rank runs its share of the tasks left, writing each to the work directory.
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
      tbb::parallel_for(std::size_t{0}, mine.size(), [&](std::size_t i) {
        const Task& t = mine[i];
        const out::ReplicateResult r = run_replicate(scenarios[t.scenario], t.replicate, [&] { progress.add(); });
        write_task_file(dir, infos.at(t.scenario), t, r, task_prov);
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
      assemble(out_path, scenarios, plan, opt.shard, provenance(opt, threads, started, start));
    } catch (const Interrupted&) {
      code = kStop;
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
    for (const auto& ind : rd.headline_names(name)) s.headline[ind] = rd.headline(name, ind);
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
      for (const auto& [k, v2] : s.headline) {
        auto& dst = o.headline[k];
        dst.insert(dst.end(), v2.begin(), v2.end());
      }
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

// ---------------------------------------------------------------------------------------------
// Statistics



namespace {
std::string num(double x) {
  if (std::isnan(x)) return "n/a";
  std::ostringstream os;
  const double ax = std::fabs(x);
  os << std::fixed << std::setprecision(ax >= 1000 ? 0 : ax >= 10 ? 1 : 3) << x;
  return os.str();
}
std::string signed_num(double x) { return (x > 0 ? "+" : "") + num(x); }

}  // namespace

std::vector<std::string> headline_order(const std::vector<ScenarioSummary>& s) {
  std::set<std::string> all;
  for (const auto& x : s)
    for (const auto& [k, v] : x.headline) all.insert(k);
  std::vector<std::string> inds;
  for (const auto& k : out::output_names(out::OutputKind::Headline))
    if (all.erase(k)) inds.push_back(k);
  for (const auto& k : all) inds.push_back(k);  // not in the table (older files): by name
  return inds;
}

std::string comparison_table(const std::vector<ScenarioSummary>& s, TableFormat fmt) {
  const std::vector<std::string> inds = headline_order(s);
  const bool csv = fmt == TableFormat::Csv;
  // Text and Markdown: the table's label and unit (a policy-dependent denominator marked with a
  // dagger and given below); CSV: the raw name first (scripts read it), label and unit last.
  std::vector<std::string> header = {"indicator"};
  if (!csv) header.push_back("unit");
  for (const auto& x : s) header.push_back(x.name + " (mean [95% CI], n=" + std::to_string(x.replicates.size()) + ")");
  for (std::size_t i = 1; i < s.size(); ++i) header.push_back(s[i].name + " - " + s[0].name);
  if (csv)
    for (const char* h : {"label", "unit", "better", "counted", "denominator", "min_important_difference"}) header.push_back(h);
  std::vector<std::vector<std::string>> rows;
  std::vector<const out::OutputSpec*> notes;  // indicators shown with their policy-dependent denominator
  bool any_important = false;
  for (const auto& ind : inds) {
    const out::OutputSpec* o = out::find_output(out::OutputKind::Headline, ind);
    std::vector<std::string> row;
    if (csv) {
      row.push_back(ind);
    } else {
      row.push_back(o ? o->label + (o->policy_denominator() ? " \u2020" : "") : ind);
      row.push_back(o ? o->unit : "");
      if (o && o->policy_denominator()) notes.push_back(o);
    }
    for (const auto& x : s) {
      auto it = x.headline.find(ind);
      if (it == x.headline.end()) {
        row.push_back(csv ? "n/a" : "n/a (not in the results)");
        continue;
      }
      std::vector<double> v;
      for (double y : it->second)
        if (!std::isnan(y)) v.push_back(y);
      const auto m = summarize(v);
      row.push_back(v.empty() ? (csv ? "n/a" : "n/a (no one counted)")
                              : num(m.mean) + " [" + num(m.ci_low) + ", " + num(m.ci_high) + "]");
    }
    for (std::size_t i = 1; i < s.size(); ++i) {
      auto a = s[0].headline.find(ind), b = s[i].headline.find(ind);
      auto defined = [](const std::vector<double>& v) {
        return std::any_of(v.begin(), v.end(), [](double x) { return !std::isnan(x); });
      };
      if (a == s[0].headline.end() || b == s[i].headline.end() || !defined(a->second) || !defined(b->second)) {
        row.push_back("n/a");
        continue;
      }
      const auto d = difference(a->second, s[0].replicates, b->second, s[i].replicates, s[0].seed == s[i].seed);
      const bool excl = d.summary.ci_low > 0 || d.summary.ci_high < 0;
      // "!": the whole interval lies beyond the minimum important difference of the table.
      const bool important = o && !std::isnan(o->mid) && (d.summary.ci_low >= o->mid || d.summary.ci_high <= -o->mid);
      any_important |= important;
      row.push_back(signed_num(d.summary.mean) + " [" + signed_num(d.summary.ci_low) + ", " +
                    signed_num(d.summary.ci_high) + "] " + (d.paired ? "paired" : "unpaired") + (excl ? " *" : "") +
                    (important ? " !" : ""));
    }
    if (csv) {
      row.push_back(o ? o->label : "");
      row.push_back(o ? o->unit : "");
      row.push_back(o ? out::better_name(o->better) : "");
      row.push_back(o ? o->counted : "");
      row.push_back(!o ? "" : o->denominator == out::Denominator::Policy ? "policy" : o->denominator == out::Denominator::Fixed ? "fixed" : "none");
      row.push_back(o ? out::mid_text(*o) : "");
    }
    rows.push_back(row);
  }
  // Footnotes of the text and Markdown tables.
  std::string foot = "* the 95% interval of the difference excludes zero. Paired: same seed and replicate "
                     "(common random numbers).\n";
  if (any_important)
    foot += "! the whole interval lies beyond the smallest difference a planner would call important "
            "(docs/outputs.md).\n";
  for (const auto* o : notes)
    foot += "\u2020 " + o->label + ": among " + o->counted + "; this denominator depends on the policy.\n";
  std::ostringstream os;
  if (fmt == TableFormat::Csv) {
    auto q = [](const std::string& x) { return x.find_first_of(",\"") == std::string::npos ? x : "\"" + x + "\""; };
    for (std::size_t i = 0; i < header.size(); ++i) os << (i ? "," : "") << q(header[i]);
    os << "\n";
    for (const auto& r : rows) {
      for (std::size_t i = 0; i < r.size(); ++i) os << (i ? "," : "") << q(r[i]);
      os << "\n";
    }
    return os.str();
  }
  if (fmt == TableFormat::Markdown) {
    os << "|";
    for (const auto& h : header) os << " " << h << " |";
    os << "\n|";
    for (std::size_t i = 0; i < header.size(); ++i) os << (i ? "---|" : "---|");
    os << "\n";
    for (const auto& r : rows) {
      os << "|";
      for (const auto& c : r) os << " " << c << " |";
      os << "\n";
    }
    os << "\n";
    std::istringstream lines(foot);
    for (std::string l; std::getline(lines, l);) os << l << "  \n";  // Markdown line breaks
    return os.str();
  }
  // Widths in characters (UTF-8: the dagger is one character of three bytes).
  auto width = [](const std::string& x) {
    return static_cast<std::size_t>(std::count_if(x.begin(), x.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  };
  std::vector<std::size_t> w(header.size(), 0);
  for (std::size_t i = 0; i < header.size(); ++i) w[i] = width(header[i]);
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], width(r[i]));
  auto line = [&](const std::vector<std::string>& r) {
    for (std::size_t i = 0; i < r.size(); ++i) os << r[i] << std::string(w[i] + 2 - width(r[i]), ' ');
    os << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  os << "\n" << foot;
  return os.str();
}

}  // namespace percorsi
