// Live levers (no ImGui): a scenario opened from YAML, the main policy levers that exist in the
// parameter registry, the edited copy, a small YAML of the changes that `extends` the original,
// and a worker thread that runs the edited copy through sim/run_replicate.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sim/registry/results.hpp"
#include "sim/registry/scenario.hpp"

namespace percorsi::viz {

// One editable value: a global parameter (territory = -1) or one territory's value.
struct Lever {
  const ParamSpec* spec = nullptr;
  int territory = -1;
  double num = 0;    // Real, Int, Bool, Duration (weeks)
  std::string text;  // Choice, Text
  double base_num = 0;
  std::string base_text;
  bool changed() const;
  std::string yaml_value() const;  // the value as it would be written in YAML
  // Outside the registry's plausible range (sim/registry/plausible.def): the results would
  // rest on a value the model's evidence does not cover.
  bool implausible() const;
};

// The registry paths offered as levers, in display order, keeping only those the registry
// has (employment levers appear once sim/ defines them).
std::vector<const ParamSpec*> lever_specs();
// The words a room understands for a lever ("Housing First flats"); its path for others.
std::string lever_label(const ParamSpec& p);
// "0.5 to 4 persons/week" (durations in weeks), or "" when the registry has no plausible range.
std::string plausible_text(const ParamSpec& p);

struct LeverSet {
  std::string path;  // the YAML file the scenario came from
  Scenario base;
  std::string name;  // name of the edited scenario
  std::vector<Lever> levers;

  // Loads the scenario and its levers (throws ScenarioError).
  static LeverSet load(const std::string& path);
  // The base scenario with the changed levers applied (throws ScenarioError).
  Scenario edited() const;
  bool any_changed() const;
  // YAML that `extends` the original (path relative to save_path's folder) and holds the new
  // name and only the changed keys.
  std::string overrides_yaml(const std::string& save_path) const;
  // Writes overrides_yaml (throws std::runtime_error).
  void save(const std::string& save_path) const;
  // Before a run: per lever (same order as `levers`), what a planner should know: a value
  // outside its plausible range, a lever the scenario ignores (Scenario::warnings() on the edited
  // scenario). `general` gets the scenario's other warnings (values set in its files).
  std::vector<std::vector<std::string>> warnings(std::vector<std::string>* general = nullptr) const;
  // The changed levers, as "Housing First flats (Novara): 10 -> 40 flats".
  std::vector<std::string> changes() const;
};

// Runs every replicate of a scenario on a std::thread; the UI polls progress() and take().
class LiveRun {
 public:
  struct Result {
    Scenario scenario;
    out::ScenarioInfo info;
    std::vector<out::ReplicateResult> replicates;
    std::string error;  // empty on success
    bool cancelled = false;
  };
  LiveRun() = default;
  LiveRun(const LiveRun&) = delete;
  LiveRun& operator=(const LiveRun&) = delete;
  ~LiveRun();

  // Starts a run (false if one is already running).
  bool start(Scenario sc);
  void cancel() { cancel_ = true; }
  bool running() const { return running_; }
  double progress() const;  // 0..1
  // The finished run's result, once; nullopt while running or when nothing finished.
  std::optional<Result> take();

 private:
  std::thread worker_;
  std::atomic<bool> running_{false}, cancel_{false};
  std::atomic<long long> done_{0}, total_{1};
  std::mutex mu_;
  std::optional<Result> result_;
};

}  // namespace percorsi::viz
