#include "sim/run/ensemble.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "output/files.hpp"
#include "output/reader.hpp"
#include "output/recorder.hpp"
#include "output/validate.hpp"
#include "sim/run/interrupt.hpp"
#include "sim/run/mpi.hpp"

namespace fs = std::filesystem;

namespace percorsi {

// ---------------------------------------------------------------------------------------------
// Shards and tasks

std::string Shard::text() const {
  return all() ? "all" : std::to_string(index) + "/" + std::to_string(count);
}

Shard parse_shard(const std::string& text) {
  const std::string usage = "--shard expects K/N with 1 <= K <= N (shard K of N, e.g. 3/10), got '" + text + "'";
  const auto slash = text.find('/');
  if (slash == std::string::npos) throw ScenarioError(usage);
  auto parse = [&](const std::string& s, int& v) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
  };
  Shard sh;
  if (!parse(text.substr(0, slash), sh.index) || !parse(text.substr(slash + 1), sh.count)) throw ScenarioError(usage);
  if (sh.count < 1) throw ScenarioError(usage + ": N must be at least 1");
  if (sh.index < 1 || sh.index > sh.count)
    throw ScenarioError(usage + ": K must be between 1 and " + std::to_string(sh.count) +
                        " (shards count from 1; with `sbatch --array=1-N` pass $SLURM_ARRAY_TASK_ID)");
  return sh;
}

std::vector<Task> plan_tasks(const std::vector<Scenario>& scenarios, const Shard& shard) {
  std::vector<Task> out;
  int id = 0;
  for (int s = 0; s < static_cast<int>(scenarios.size()); ++s)
    for (int r = 0; r < scenarios[s].replicates(); ++r, ++id)
      if (id % shard.count == shard.index - 1) out.push_back({id, s, r});
  return out;
}

std::string work_dir_of(const std::string& out) {
  return out + ".parts";
}

std::string task_file(const std::string& work_dir, const Task& t) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "s%04d-r%04d.h5", t.scenario, t.replicate);
  return (fs::path(work_dir) / buf).string();
}

std::string task_listing(const std::vector<Scenario>& scenarios, const std::vector<Task>& tasks, const Shard& shard,
                         const std::string& work_dir) {
  std::error_code ec;
  const bool status = !work_dir.empty() && fs::is_directory(work_dir, ec);
  std::ostringstream os;
  os << "# " << tasks.size() << " tasks" << (shard.all() ? "" : " of shard " + shard.text()) << "\n";
  os << "task\tscenario\treplicate\tseed\tweeks" << (status ? "\tstatus" : "") << "\n";
  for (const auto& t : tasks) {
    const Scenario& sc = scenarios[t.scenario];
    os << t.id << "\t" << sc.name() << "\t" << t.replicate << "\t" << sc.seed() << "\t" << sc.weeks();
    if (status) os << "\t" << (fs::exists(task_file(work_dir, t), ec) ? "done" : "todo");
    os << "\n";
  }
  return os.str();
}

std::optional<out::OutputLock> claim_output(const std::string& path, bool force, const std::string& what,
                                            const std::string& command_line) {
  std::optional<out::OutputLock> lock;
  std::vector<char> code(1, 0);  // 0 claimed, 2 refused, 3 failed
  std::string msg;
  if (mpi::rank() == 0) {
    try {
      lock.emplace(path, command_line);
      out::refuse_existing(path, force, what);
    } catch (const out::OutputRefused& e) {
      lock.reset();
      code[0] = 2, msg = e.what();
    } catch (const std::exception& e) {
      lock.reset();
      code[0] = 3, msg = e.what();
    }
  }
  mpi::broadcast(code);
  mpi::broadcast(msg);
  if (code[0] == 2) throw out::OutputRefused(msg);
  if (code[0] == 3) throw std::runtime_error(msg);
  return lock;
}

out::ScenarioInfo scenario_info(const Scenario& sc) {
  out::ScenarioInfo info;
  info.name = sc.name();
  info.resolved_yaml = sc.to_yaml();
  info.source_file = sc.file;
  info.seed = sc.seed();
  info.replicates = sc.replicates();
  info.weeks = sc.weeks();
  for (int t = 0; t < static_cast<int>(sc.territories.size()); ++t) info.territories.push_back(sc.territory_name(t));
  info.sweep = sc.sweep_yaml();
  return info;
}

std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream ia(a), ib(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ga = static_cast<bool>(std::getline(ia, la)), gb = static_cast<bool>(std::getline(ib, lb));
    if (!ga && !gb) return "no difference";
    if (!ga) la = "<end>";
    if (!gb) lb = "<end>";
    if (la != lb || !ga || !gb) return "line " + std::to_string(line) + ": '" + la + "' vs '" + lb + "'";
  }
}

// ---------------------------------------------------------------------------------------------
// The work directory

namespace {

// "s0003-r0012.h5" -> (3, 12).
bool parse_task_name(const std::string& name, int& s, int& r) {
  if (name.size() < 9 || name[0] != 's' || name.compare(name.size() - 3, 3, ".h5") != 0) return false;
  const auto dash = name.find("-r");
  if (dash == std::string::npos) return false;
  const std::string a = name.substr(1, dash - 1), b = name.substr(dash + 2, name.size() - 3 - dash - 2);
  auto num = [](const std::string& x, int& v) {
    const auto res = std::from_chars(x.data(), x.data() + x.size(), v);
    return !x.empty() && res.ec == std::errc() && res.ptr == x.data() + x.size();
  };
  return num(a, s) && num(b, r);
}

// Why a results file does not hold exactly `sc` with replicates `reps` ("" when it does).
std::string mismatch(const out::Reader& rd, const Scenario& sc, const out::ScenarioInfo& want,
                     const std::vector<int>& reps) {
  const auto names = rd.scenarios();
  if (std::find(names.begin(), names.end(), sc.name()) == names.end())
    return "it holds no scenario '" + sc.name() + "'";
  const out::ScenarioInfo have = rd.scenario(sc.name());
  if (have.seed != want.seed)
    return "scenario '" + sc.name() + "' has seed " + std::to_string(have.seed) + ", this run " +
           std::to_string(want.seed);
  if (have.resolved_yaml != want.resolved_yaml)
    return "scenario '" + sc.name() + "' has other parameters than this run's (resolved YAML, " +
           first_difference(have.resolved_yaml, want.resolved_yaml) + ")";
  if (rd.replicates(sc.name()) != reps) return "scenario '" + sc.name() + "' holds other replicates than this run's";
  return "";
}

// Whether a task file of the work directory is task (sc, replicate) of this run, checked before
// it is reused or assembled: `foreign` when it is another run's (one scenario of the same name,
// resolved YAML and seed, that replicate alone, a task file), `damaged` when its data fail the
// results validator or their checksum (cut or changed after it was written). Throws
// out::ReadError when the file cannot be read.
struct PartCheck {
  std::string foreign, damaged;
  std::string why() const { return foreign.empty() ? damaged : foreign; }
};
PartCheck check_part(const std::string& path, const Scenario& sc, const out::ScenarioInfo& want, int replicate) {
  PartCheck c;
  out::Reader rd(path);
  c.foreign = mismatch(rd, sc, want, {replicate});
  if (c.foreign.empty() && rd.scenarios().size() != 1) c.foreign = "it holds more than one scenario";
  if (c.foreign.empty() && rd.provenance().shard != "task")
    c.foreign = "it is no task file (shard " + rd.provenance().shard + ")";
  if (c.foreign.empty()) c.damaged = out::results_damage(path, true, out::Isolation::here);
  return c;
}

void write_readme(const std::string& dir, const std::string& out) {
  std::ofstream f(fs::path(dir) / "README.txt");
  f << "Work directory of a percorsi run writing " << out << ".\n"
    << "Each s<scenario>-r<replicate>.h5 is one finished task (a complete results file of one replicate).\n"
    << "The run assembles " << out << " from them and removes this directory when every task is done.\n"
    << "If the run was interrupted, run the same command again with --resume to run only the missing tasks.\n";
}

}  // namespace

WorkState prepare_work_dir(const std::string& out, const std::vector<Scenario>& scenarios,
                           const std::vector<Task>& tasks, const Shard& shard, bool resume) {
  WorkState ws;
  ws.done.assign(tasks.size(), 0);
  const std::string dir = work_dir_of(out);
  std::error_code ec;
  out::remove_stale_temporaries(out);
  if (!fs::exists(dir, ec)) {
    if (resume && fs::exists(out, ec)) {
      // The run finished already: nothing to do if the file is this run's.
      out::Reader rd(out);
      std::string why;
      if (rd.provenance().shard != shard.text())
        why = "it is shard " + rd.provenance().shard + ", this run " + shard.text();
      std::map<int, std::vector<int>> reps;
      for (const auto& t : tasks) reps[t.scenario].push_back(t.replicate);
      for (int s = 0; s < static_cast<int>(scenarios.size()) && why.empty(); ++s)
        why = mismatch(rd, scenarios[s], scenario_info(scenarios[s]), reps[s]);
      if (why.empty() && rd.scenarios().size() != scenarios.size()) why = "it holds other scenarios too";
      if (!why.empty())
        throw ScenarioError(out + " exists and is not the result of this run (" + why +
                            "); there is no work directory " + dir + " to resume: remove " + out +
                            " or run without --resume");
      ws.already_complete = true;
      ws.notes.push_back(out + " is already complete: nothing to resume");
      return ws;
    }
    fs::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create work directory '" + dir + "': " + ec.message());
    write_readme(dir, out);
    return ws;
  }
  if (!fs::is_directory(dir, ec)) throw ScenarioError(dir + " exists and is not a directory: remove it");

  std::map<std::pair<int, int>, std::size_t> index;  // (scenario, replicate) -> task
  for (std::size_t i = 0; i < tasks.size(); ++i) index[{tasks[i].scenario, tasks[i].replicate}] = i;
  std::vector<fs::path> found;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp-") != std::string::npos) {
      fs::remove(e.path(), ec);  // a task killed while being written
      continue;
    }
    int s = 0, r = 0;
    if (e.is_regular_file() && parse_task_name(name, s, r)) found.push_back(e.path());
  }
  std::sort(found.begin(), found.end());
  if (!resume && !found.empty())
    throw ScenarioError(dir + " holds " + std::to_string(found.size()) +
                        " finished tasks of an earlier run that did not finish: add --resume to reuse them and run "
                        "only the missing tasks, or remove the directory to start over");
  std::vector<out::ScenarioInfo> infos;
  for (const auto& sc : scenarios) infos.push_back(scenario_info(sc));
  for (const auto& p : found) {
    int s = 0, r = 0;
    parse_task_name(p.filename().string(), s, r);
    auto it = index.find({s, r});
    if (it == index.end())
      throw ScenarioError(p.string() + " is not a task of this run (scenario #" + std::to_string(s) + ", replicate " +
                          std::to_string(r) +
                          "): the scenarios, --replicates or --shard differ from the interrupted "
                          "run's; run it as it was, or remove " +
                          dir + " to start over");
    std::string why;
    try {
      const PartCheck c = check_part(p.string(), scenarios[s], infos[s], r);
      if (!c.damaged.empty()) throw out::ReadError("damaged: " + c.damaged);  // run it again
      why = c.foreign;
    } catch (const out::ReadError& e) {
      ws.notes.push_back(p.string() + " is unreadable (" + e.what() + "): running that task again");
      fs::remove(p, ec);
      continue;
    }
    if (!why.empty())
      throw ScenarioError(p.string() + " does not belong to this run: " + why +
                          ". Did the scenario files change since the interrupted run? Run them as they were, or "
                          "remove " +
                          dir + " to start over");
    ws.done[it->second] = 1;
    ++ws.reused;
  }
  if (!fs::exists(fs::path(dir) / "README.txt", ec)) write_readme(dir, out);
  return ws;
}

void write_task_file(const std::string& work_dir, const out::ScenarioInfo& sc, const Task& t,
                     const out::ReplicateResult& r, const out::Provenance& p) {
  out::Recorder rec(task_file(work_dir, t), /*compress=*/false);
  rec.begin_scenario(sc);
  rec.write_replicate(sc.name, r);
  out::Provenance q = p;
  q.shard = "task";
  q.wall_seconds = r.wall_seconds;
  rec.commit(q);
}

namespace {
std::size_t bytes_of(const out::ReplicateResult& r) {
  std::size_t b = sizeof r;
  for (const auto& s : r.weekly) b += s.values.size() * sizeof(double) + s.name.size();
  for (const auto* cols : {&r.persons, &r.timeline})
    for (const auto& c : *cols) b += c.ints.size() * sizeof(std::int32_t) + c.reals.size() * sizeof(double) + c.name.size();
  for (const auto& [name, v] : r.headline) b += name.size() + sizeof v + 64;
  return b;
}
}  // namespace

void KeptResults::offer(int task_id, out::ReplicateResult&& r) {
  const std::size_t b = bytes_of(r);
  std::lock_guard lock(mu_);
  if (used_ + b > budget_) return;
  used_ += b;
  kept_.insert_or_assign(task_id, std::move(r));
}

const out::ReplicateResult* KeptResults::find(int task_id) const {
  std::lock_guard lock(mu_);
  const auto it = kept_.find(task_id);
  return it == kept_.end() ? nullptr : &it->second;
}

void assemble(const std::string& out, const std::vector<Scenario>& scenarios, const std::vector<Task>& tasks,
              const Shard& shard, const out::Provenance& p, const KeptResults* kept) {
  const std::string dir = work_dir_of(out);
  out::Recorder rec(out);
  for (const auto& sc : scenarios) rec.begin_scenario(scenario_info(sc));  // one at a time: YAML is large
  out::ScenarioInfo want;  // of the scenario of the last task (tasks come scenario by scenario)
  int want_of = -1;
  for (const auto& t : tasks) {
    if (g_interrupt) throw Interrupted();
    const Scenario& sc = scenarios[t.scenario];
    if (const out::ReplicateResult* r = kept ? kept->find(t.id) : nullptr) {
      rec.write_replicate(sc.name(), *r);
      continue;
    }
    // Each part re-checked before it is used: written by this run, for this task, unchanged.
    const std::string part = task_file(dir, t);
    if (want_of != t.scenario) want = scenario_info(sc), want_of = t.scenario;
    const std::string why = check_part(part, sc, want, t.replicate).why();
    if (!why.empty())
      throw ScenarioError(part + " is not task (" + sc.name() + ", replicate " + std::to_string(t.replicate) +
                          ") of this run: " + why + ". No results file was written: remove that file and run the "
                          "same command with --resume (the tasks missing are run again)");
    rec.copy_replicate(sc.name(), part, sc.name(), t.replicate);
  }
  if (shard.all())
    for (const auto& sc : scenarios) {
      if (g_interrupt) throw Interrupted();
      rec.finish_scenario(sc.name());
      rec.write_weekly_summary(sc.name());
    }
  out::Provenance q = p;
  q.shard = shard.text();
  rec.commit(q);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// ---------------------------------------------------------------------------------------------
// Merge

std::string merge_results(const std::vector<std::string>& inputs, const std::string& out, const out::Provenance& p) {
  if (inputs.empty()) throw MergeError("merge: no input files");
  // One input open at a time (many task files may be joined), reading names, seeds, YAML and
  // replicate indices; the data are copied afterwards, one replicate at a time.
  struct Sc {
    out::ScenarioInfo info;
    std::size_t from = 0;                       // input holding the reference info
    std::map<int, std::size_t> replicate_from;  // replicate -> input
  };
  std::vector<std::string> order;
  std::map<std::string, Sc> scs;
  std::set<std::string> paths;
  std::size_t first_shard = inputs.size();
  std::string first_shard_text;
  std::vector<std::string> first_shard_names;
  std::map<int, std::size_t> shard_seen;
  int shard_count = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string& path = inputs[i];
    std::error_code ec;
    const std::string canon = fs::weakly_canonical(path, ec).string();
    if (!paths.insert(ec ? path : canon).second) throw MergeError(path + " is given twice");
    out::validate_results(path);  // nothing is joined from damaged data
    const out::Reader rd(path);
    const std::string shard = rd.provenance().shard;
    const std::vector<std::string> names = rd.scenarios();
    // Shard files of one run: same scenarios in the same order, same N, each K once.
    if (shard != "all" && shard != "task") {
      Shard sh;
      try {
        sh = parse_shard(shard);
      } catch (const ScenarioError&) {
        throw MergeError(path + ": unknown shard '" + shard + "'");
      }
      if (first_shard == inputs.size()) {
        first_shard = i;
        first_shard_text = shard;
        first_shard_names = names;
        shard_count = sh.count;
      } else {
        if (sh.count != shard_count)
          throw MergeError(path + " is shard " + shard + " but " + inputs[first_shard] + " is shard " +
                           first_shard_text + ": parts of runs split differently");
        if (names != first_shard_names)
          throw MergeError(path + " and " + inputs[first_shard] +
                           " are shards of different runs: they hold different scenarios");
      }
      if (auto [it, fresh] = shard_seen.emplace(sh.index, i); !fresh)
        throw MergeError(path + " and " + inputs[it->second] + " are both shard " + shard + " (duplicated tasks)");
    }
    // Scenarios by name, in order of first appearance; the same name must mean the same scenario.
    for (const auto& name : names) {
      out::ScenarioInfo info = rd.scenario(name);
      auto it = scs.find(name);
      if (it == scs.end()) {
        order.push_back(name);
        it = scs.emplace(name, Sc{std::move(info), i, {}}).first;
      } else {
        const Sc& ref = it->second;
        if (info.seed != ref.info.seed)
          throw MergeError("scenario '" + name + "' has seed " + std::to_string(info.seed) + " in " + path + " but " +
                           std::to_string(ref.info.seed) + " in " + inputs[ref.from] +
                           ": these are not parts of one run");
        if (info.resolved_yaml != ref.info.resolved_yaml)
          throw MergeError("scenario '" + name + "' differs between " + inputs[ref.from] + " and " + path +
                           " (resolved YAML, " + first_difference(ref.info.resolved_yaml, info.resolved_yaml) +
                           "): these are not parts of one run");
      }
      for (int r : rd.replicates(name)) {
        auto [rt, fresh] = it->second.replicate_from.emplace(r, i);
        if (!fresh)
          throw MergeError("scenario '" + name + "' replicate " + std::to_string(r) + " is in both " +
                           inputs[rt->second] + " and " + path + " (duplicated task)");
      }
    }
  }

  // Every task exactly once.
  int offset = 0;  // task id of the scenario's replicate 0 (for naming missing shards)
  std::set<int> missing_shards;
  std::string missing;
  int n_missing = 0;
  for (const auto& name : order) {
    const Sc& sc = scs[name];
    for (const auto& [r, from] : sc.replicate_from)
      if (r >= sc.info.replicates)
        throw MergeError("scenario '" + name + "' replicate " + std::to_string(r) + " in " + inputs[from] +
                         " is beyond the scenario's " + std::to_string(sc.info.replicates) + " replicates");
    for (int r = 0; r < sc.info.replicates; ++r)
      if (!sc.replicate_from.count(r)) {
        if (++n_missing <= 10) missing += (missing.empty() ? "" : ", ") + name + " r" + std::to_string(r);
        if (shard_count > 0) missing_shards.insert((offset + r) % shard_count + 1);
      }
    offset += sc.info.replicates;
  }
  if (n_missing > 0) {
    std::string msg = std::to_string(n_missing) + " task" + (n_missing > 1 ? "s are" : " is") +
                      " in none of the inputs (missing: " + missing + (n_missing > 10 ? ", ..." : "") + ")";
    if (!missing_shards.empty()) {
      std::string list;
      for (int k : missing_shards)
        list += (list.empty() ? "" : ", ") + std::to_string(k) + "/" + std::to_string(shard_count);
      msg += "; they belong to shard " + list + ": run (or --resume) those shards, then merge again";
    }
    throw MergeError(msg);
  }

  // Write, one replicate at a time (the temporaries of merges killed earlier removed first).
  out::remove_stale_temporaries(out);
  out::Recorder rec(out);
  int tasks = 0;
  for (const auto& name : order) rec.begin_scenario(scs[name].info);
  for (const auto& name : order)
    for (const auto& [r, from] : scs[name].replicate_from) {
      if (g_interrupt) throw Interrupted();
      rec.copy_replicate(name, inputs[from], name, r);
      ++tasks;
    }
  for (const auto& name : order) {
    if (g_interrupt) throw Interrupted();
    rec.finish_scenario(name);
    rec.write_weekly_summary(name);
  }
  out::Provenance q = p;
  q.shard = "all";
  rec.commit(q);
  return "merged " + std::to_string(inputs.size()) + " files: " + std::to_string(order.size()) + " scenarios, " +
         std::to_string(tasks) + " tasks -> " + out;
}

}  // namespace percorsi
