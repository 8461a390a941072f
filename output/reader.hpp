// Reader: everything outside sim/ reads results files through this class.
// Every failure (missing file, not HDF5, not a Percorsi file, missing or malformed
// dataset) throws ReadError naming the file and the dataset.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/registry/results.hpp"
#include "robustness_table.hpp"

namespace percorsi::out {

class ReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  explicit Reader(const std::string& path);
  ~Reader();
  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;

  const std::string& path() const;
  Provenance provenance() const;
  std::vector<std::string> scenarios() const;
  ScenarioInfo scenario(const std::string& name) const;
  // Replicate indices present in the file, ascending. Scenario order is declaration order.
  std::vector<int> replicates(const std::string& scenario) const;
  // Names in writing order, as found in the scenario's first replicate (empty if none).
  std::vector<std::string> weekly_names(const std::string& scenario) const;
  std::vector<std::string> person_columns(const std::string& scenario) const;
  std::vector<std::string> headline_names(const std::string& scenario) const;

  // weeks x territories, row-major.
  std::vector<double> weekly(const std::string& scenario, int replicate, const std::string& series) const;
  PersonColumn person_column(const std::string& scenario, int replicate, const std::string& column) const;
  // The replicate's timeline columns (person, week, housing, case, work), or none when the
  // run did not record timelines.
  std::vector<PersonColumn> timeline(const std::string& scenario, int replicate) const;
  // Headline values of every replicate, in replicates() order.
  std::vector<double> headline(const std::string& scenario, const std::string& indicator) const;
  // Summary of a headline indicator across replicates, as written by
  // Recorder::finish_scenario(); nullopt when the scenario has no summary group.
  std::optional<Summary> summary(const std::string& scenario, const std::string& indicator) const;
  // Series with a per-week summary across replicates (written for complete runs), in
  // writing order; empty when the scenario has none.
  std::vector<std::string> weekly_summary_names(const std::string& scenario) const;
  // The per-week summary of one series; nullopt when the scenario has no weekly summary.
  std::optional<WeeklySummary> weekly_summary(const std::string& scenario, const std::string& series) const;
  // The robustness of the comparison's differences (/robustness, written by `percorsi compare
  // --robustness --out`); nullopt when it was not computed (the group is absent: older files too).
  std::optional<RobustnessTable> robustness() const;
  // A whole replicate (all weekly series, person columns and headline values).
  ReplicateResult replicate(const std::string& scenario, int replicate) const;

  // Human-readable listing of everything the file holds (for `percorsi info`).
  std::string describe() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace percorsi::out
