// Recorder: the engine's one way of writing results. Writes one HDF5 file under a
// temporary name (`<path>.tmp-<pid>`); `commit()` flushes, closes and renames it to the
// final path. If the Recorder is destroyed without commit() (error, exception, signal
// handler calling abandon()), the temporary file is removed, so a failed or interrupted
// run leaves no file that looks complete.
#pragma once

#include <memory>
#include <string>

#include "sim/registry/results.hpp"

namespace percorsi::out {

class Recorder {
 public:
  // compress = false writes every dataset plain (for files read once and removed, like a run's
  // task files: compressing them costs more than their size saves).
  explicit Recorder(std::string final_path, bool compress = true);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Declares a scenario (creates /scenarios/<name> with its attributes). Call once per
  // scenario before its replicates.
  void begin_scenario(const ScenarioInfo& info);
  // Writes one replicate of a declared scenario (streamed: nothing is kept in memory).
  void write_replicate(const std::string& scenario, const ReplicateResult& r);
  // Copies replicate `replicate` of scenario `src_scenario` from another results file (a
  // task or shard file of the same scenario) into declared scenario `scenario`, as it is
  // (read and written again: data, chunking and attributes unchanged). Checks weeks and
  // territories agree; throws ReadError when the source cannot be read.
  void copy_replicate(const std::string& scenario, const std::string& src_path, const std::string& src_scenario,
                      int replicate);
  // Writes /scenarios/<name>/summary from the headline values of all its replicates
  // written so far (read back from the file, so memory does not grow with replicates).
  // Statistics leave out NaN values (n counts the defined ones).
  void finish_scenario(const std::string& scenario);
  // Writes /scenarios/<name>/summary/weekly/<series>/{mean,sd,ci_low,ci_high,n} [weeks,
  // territories] for every weekly series, reading the replicates back one at a time (memory
  // holds one replicate's series, whatever the number of replicates). After finish_scenario().
  void write_weekly_summary(const std::string& scenario);
  // Root attributes, then flush, close and rename to the final path.
  void commit(const Provenance& p);
  // Removes the temporary file (also done by the destructor when not committed).
  void abandon();

  const std::string& final_path() const;
  const std::string& temp_path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace percorsi::out
