// Ensembles of runs: the scenario x replicate tasks of a run, their shares (job-array shards,
// MPI ranks), the work directory of finished tasks that makes runs resumable, and the joining
// of task, shard and result files into one results file.
//
// A run writing OUT.h5 writes every finished task atomically (temporary name, then rename) as
// its own small results file in the work directory OUT.h5.parts/; when every task is there,
// the final file is assembled from them one task at a time (each read back and written again,
// or written from memory when this process ran it and kept its result: KeptResults, bounded in
// bytes), and the work directory is removed. A run that is killed
// leaves the work directory and no final file; `--resume` checks the task files there belong
// to the same scenarios and seed and runs only the missing tasks. Single-process runs, MPI
// runs, shards joined by `percorsi merge` and resumed runs all assemble through the same code,
// so their data are identical.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "output/files.hpp"
#include "sim/registry/results.hpp"
#include "sim/registry/scenario.hpp"

namespace percorsi {

// Bad input found when joining results: parts of different runs, duplicated or missing tasks.
class MergeError : public ScenarioError {
 public:
  using ScenarioError::ScenarioError;
};

// A share of a run's tasks for job arrays: shard K of N (1 <= K <= N) takes the tasks whose
// index i (0-based, scenario-major, see plan_tasks) has i % N == K - 1. The whole run is 1/1.
struct Shard {
  int index = 1, count = 1;
  bool all() const { return count == 1; }
  std::string text() const;  // "K/N", or "all" for 1/1
};
// Parses "K/N" (1 <= K <= N); throws ScenarioError with what is wrong.
Shard parse_shard(const std::string& text);

// One scenario x replicate task. `id` numbers every task of the run: scenario-major (all
// replicates of the first scenario, then of the second, ...).
struct Task {
  int id = 0, scenario = 0, replicate = 0;
};
// The tasks of `shard`, in id order.
std::vector<Task> plan_tasks(const std::vector<Scenario>& scenarios, const Shard& shard);
// A tab-separated listing of the tasks (for `percorsi run --list-tasks`), with a status
// column (done/todo) when `work_dir` holds task files.
std::string task_listing(const std::vector<Scenario>& scenarios, const std::vector<Task>& tasks, const Shard& shard,
                         const std::string& work_dir);

// Claims an output for this command (docs/files.md): rank 0 takes its lock (out::OutputLock on
// "<path>.lock", held until the returned lock is destroyed), then refuses it when it exists and
// `force` is false (`what` names it: "a results file"); every MPI rank learns the outcome and
// throws the same out::OutputRefused (exit code 2), or runtime_error when the lock cannot be made.
// Other ranks get an empty optional.
std::optional<out::OutputLock> claim_output(const std::string& path, bool force, const std::string& what,
                                            const std::string& command_line);

// How the results file names a scenario and where it came from.
out::ScenarioInfo scenario_info(const Scenario& sc);

// The work directory of a run writing `out`: "<out>.parts".
std::string work_dir_of(const std::string& out);
// The file of one finished task in the work directory: "s<scenario>-r<replicate>.h5".
std::string task_file(const std::string& work_dir, const Task& t);

struct WorkState {
  std::vector<char> done;          // per task of the plan: its task file is there and checked
  int reused = 0;                  // tasks found done
  bool already_complete = false;   // --resume of a run whose final file exists and matches
  std::vector<std::string> notes;  // what was found (for the user)
};
// Makes the work directory ready (rank 0 only). Without `resume`, refuses a work directory
// that holds finished tasks of an earlier run (ScenarioError: use --resume or remove it). With
// `resume`, reuses the task files that hold exactly the planned task (same scenario name,
// resolved YAML and seed, same replicate), deletes stale temporary files and unreadable task
// files (killed mid-write), and refuses task files of other scenarios (ScenarioError).
WorkState prepare_work_dir(const std::string& out, const std::vector<Scenario>& scenarios,
                           const std::vector<Task>& tasks, const Shard& shard, bool resume);

// Writes one finished task to the work directory (atomically: temporary name, then rename).
void write_task_file(const std::string& work_dir, const out::ScenarioInfo& sc, const Task& t,
                     const out::ReplicateResult& r, const out::Provenance& p);

// Results of finished tasks kept in memory, within a byte budget, for the assembly: a task this
// process ran is written to the final file from memory rather than read back from its task file
// (the same data: the task file is a copy of it, kept for --resume). Thread-safe.
class KeptResults {
 public:
  explicit KeptResults(std::size_t budget_bytes) : budget_(budget_bytes) {}
  // Keeps `r` as task `task_id`'s result if it fits in what is left of the budget.
  void offer(int task_id, out::ReplicateResult&& r);
  // The kept result of task `task_id`, or null.
  const out::ReplicateResult* find(int task_id) const;

 private:
  std::size_t budget_, used_ = 0;
  mutable std::mutex mu_;
  std::map<int, out::ReplicateResult> kept_;
};

// Assembles `out` from the task files of `tasks` in the work directory (every scenario
// declared; summaries when the shard is the whole run), commits it, then removes the work
// directory. A task whose result `kept` holds is written from memory; every other task file is
// re-checked before it is used. Checks g_interrupt between tasks.
void assemble(const std::string& out, const std::vector<Scenario>& scenarios, const std::vector<Task>& tasks,
              const Shard& shard, const out::Provenance& p, const KeptResults* kept = nullptr);

// Joins results files into one: shard files of one run (`percorsi run --shard K/N`), task
// files of a work directory, or complete runs of different scenarios. Refuses (MergeError) a
// scenario name whose resolved YAML or seed differs between inputs, shard files of different
// runs, a task found twice, and a task found nowhere. Returns a short report of what it did.
std::string merge_results(const std::vector<std::string>& inputs, const std::string& out, const out::Provenance& p);

// The first line where two texts differ, for messages ("line 12: 'a: 1' vs 'a: 2'").
std::string first_difference(const std::string& a, const std::string& b);

}  // namespace percorsi
