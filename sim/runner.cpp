#include "sim/runner.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <mutex>
#include <set>
#include <sstream>

#include "output/reader.hpp"
#include "output/recorder.hpp"
#include "sim/progress.hpp"
#include "sim/world.hpp"

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
}  // namespace

std::vector<ScenarioSummary> run_scenarios(std::vector<Scenario> scenarios, const RunOptions& opt,
                                           const std::string& out_path) {
  const int threads = opt.threads > 0 ? opt.threads : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  std::set<std::string> names;
  for (auto& sc : scenarios) {
    if (opt.replicates) sc.set("replicates", std::to_string(*opt.replicates));
    if (opt.seed) sc.set("seed", std::to_string(*opt.seed));
    if (!names.insert(sc.name()).second)
      throw ScenarioError(sc.file + ": scenario name '" + sc.name() + "' is used by two scenarios of this run");
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string started = utc_now();
  std::optional<out::Recorder> rec;
  if (!out_path.empty()) rec.emplace(out_path);

  struct Task {
    int scenario, replicate;
  };
  std::vector<Task> tasks;
  std::int64_t total_weeks = 0;
  std::vector<ScenarioSummary> out(scenarios.size());
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    const Scenario& sc = scenarios[s];
    out[s].name = sc.name();
    out[s].seed = sc.seed();
    for (int r = 0; r < sc.replicates(); ++r) {
      tasks.push_back({static_cast<int>(s), r});
      out[s].replicates.push_back(r);
      total_weeks += sc.weeks();
    }
    if (rec) {
      out::ScenarioInfo info;
      info.name = sc.name();
      info.resolved_yaml = sc.to_yaml();
      info.source_file = sc.file;
      info.seed = sc.seed();
      info.replicates = sc.replicates();
      info.weeks = sc.weeks();
      for (int t = 0; t < static_cast<int>(sc.territories.size()); ++t) info.territories.push_back(sc.territory_name(t));
      rec->begin_scenario(info);
    }
  }
  Progress progress(total_weeks, "running " + std::to_string(tasks.size()) + " runs", opt.progress);
  std::mutex mu;
  std::vector<std::map<std::string, double>> headlines(tasks.size());
  tbb::parallel_for(std::size_t{0}, tasks.size(), [&](std::size_t i) {
    const Task& task = tasks[i];
    auto r = run_replicate(scenarios[task.scenario], task.replicate, [&] { progress.add(); });
    headlines[i] = r.headline;
    if (rec) {
      std::lock_guard<std::mutex> lock(mu);
      rec->write_replicate(scenarios[task.scenario].name(), r);
    }
  });
  progress.finish();
  for (std::size_t i = 0; i < tasks.size(); ++i)
    for (const auto& [k, v] : headlines[i]) out[tasks[i].scenario].headline[k].push_back(v);
  if (rec) {
    for (const auto& sc : scenarios) rec->finish_scenario(sc.name());
    out::Provenance p;
    p.program_version = PERCORSI_VERSION;
    p.git_commit = PERCORSI_GIT_COMMIT;
    p.command_line = opt.command_line;
    p.threads = threads;
    p.start_time = started;
    p.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rec->commit(p);
  }
  return out;
}

std::vector<ScenarioSummary> read_summaries(const std::string& h5_path) {
  out::Reader rd(h5_path);
  std::vector<ScenarioSummary> out;
  for (const auto& name : rd.scenarios()) {
    ScenarioSummary s;
    s.name = name;
    s.seed = rd.scenario(name).seed;
    s.replicates = rd.replicates(name);
    for (const auto& ind : rd.headline_names(name)) s.headline[ind] = rd.headline(name, ind);
    out.push_back(std::move(s));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Statistics

out::Summary welch(const std::vector<double>& a, const std::vector<double>& b) {
  const out::Summary sa = out::summarize(a), sb = out::summarize(b);
  out::Summary d;
  d.n = std::min(sa.n, sb.n);
  d.mean = sb.mean - sa.mean;
  if (sa.n < 2 || sb.n < 2) {
    d.ci_low = d.ci_high = d.mean;
    return d;
  }
  const double va = sa.sd * sa.sd / sa.n, vb = sb.sd * sb.sd / sb.n;
  const double se = std::sqrt(va + vb);
  d.sd = se;
  if (se == 0) {
    d.ci_low = d.ci_high = d.mean;
    return d;
  }
  const double df = (va + vb) * (va + vb) / (va * va / (sa.n - 1) + vb * vb / (sb.n - 1));
  const double q = boost::math::quantile(boost::math::students_t(df), 0.975);
  d.ci_low = d.mean - q * se;
  d.ci_high = d.mean + q * se;
  return d;
}

Difference difference(const std::vector<double>& a, const std::vector<int>& ra, const std::vector<double>& b,
                      const std::vector<int>& rb, bool paired) {
  Difference d;
  auto clean = [](const std::vector<double>& v) {
    std::vector<double> o;
    for (double x : v)
      if (!std::isnan(x)) o.push_back(x);
    return o;
  };
  if (paired) {
    std::vector<double> diffs;
    for (std::size_t i = 0; i < a.size() && i < ra.size(); ++i)
      for (std::size_t j = 0; j < b.size() && j < rb.size(); ++j)
        if (ra[i] == rb[j] && !std::isnan(a[i]) && !std::isnan(b[j])) diffs.push_back(b[j] - a[i]);
    if (diffs.size() >= 2) {
      d.summary = out::summarize(diffs);
      d.paired = true;
      return d;
    }
  }
  d.summary = welch(clean(a), clean(b));
  return d;
}

namespace {
std::string num(double x) {
  if (std::isnan(x)) return "n/a";
  std::ostringstream os;
  const double ax = std::fabs(x);
  os << std::fixed << std::setprecision(ax >= 1000 ? 0 : ax >= 10 ? 1 : 3) << x;
  return os.str();
}
std::string signed_num(double x) { return (x > 0 ? "+" : "") + num(x); }

const std::vector<std::string> kOrder = {"stably_housed_12m",     "stably_housed_24m",    "time_stably_housed",
                                         "returns_to_street_12m", "days_to_stable_housing", "cost_per_person",
                                         "cost_per_person_year",  "cost_per_stable_year",   "cost_total",
                                         "persons_total"};
}  // namespace

std::string comparison_table(const std::vector<ScenarioSummary>& s, TableFormat fmt) {
  std::vector<std::string> inds;
  std::set<std::string> all;
  for (const auto& x : s)
    for (const auto& [k, v] : x.headline) all.insert(k);
  for (const auto& k : kOrder)
    if (all.erase(k)) inds.push_back(k);
  for (const auto& k : all) inds.push_back(k);

  std::vector<std::string> header = {"indicator"};
  for (const auto& x : s) header.push_back(x.name + " (mean [95% CI], n=" + std::to_string(x.replicates.size()) + ")");
  for (std::size_t i = 1; i < s.size(); ++i) header.push_back(s[i].name + " - " + s[0].name);
  std::vector<std::vector<std::string>> rows;
  for (const auto& ind : inds) {
    std::vector<std::string> row = {ind};
    for (const auto& x : s) {
      auto it = x.headline.find(ind);
      if (it == x.headline.end()) {
        row.push_back("n/a");
        continue;
      }
      std::vector<double> v;
      for (double y : it->second)
        if (!std::isnan(y)) v.push_back(y);
      const auto m = out::summarize(v);
      row.push_back(v.empty() ? "n/a" : num(m.mean) + " [" + num(m.ci_low) + ", " + num(m.ci_high) + "]");
    }
    for (std::size_t i = 1; i < s.size(); ++i) {
      auto a = s[0].headline.find(ind), b = s[i].headline.find(ind);
      if (a == s[0].headline.end() || b == s[i].headline.end()) {
        row.push_back("n/a");
        continue;
      }
      const auto d = difference(a->second, s[0].replicates, b->second, s[i].replicates, s[0].seed == s[i].seed);
      const bool excl = d.summary.ci_low > 0 || d.summary.ci_high < 0;
      row.push_back(signed_num(d.summary.mean) + " [" + signed_num(d.summary.ci_low) + ", " +
                    signed_num(d.summary.ci_high) + "] " + (d.paired ? "paired" : "unpaired") + (excl ? " *" : ""));
    }
    rows.push_back(row);
  }
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
    return os.str();
  }
  std::vector<std::size_t> w(header.size(), 0);
  for (std::size_t i = 0; i < header.size(); ++i) w[i] = header[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    for (std::size_t i = 0; i < r.size(); ++i) os << std::left << std::setw(static_cast<int>(w[i]) + 2) << r[i];
    os << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  os << "\n* the 95% interval of the difference excludes zero. Paired: same seed and replicate "
        "(common random numbers).\n";
  return os.str();
}

}  // namespace percorsi
