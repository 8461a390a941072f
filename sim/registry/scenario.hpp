// Scenario: parsed from YAML once, validated against the registry, then immutable.
// A file may `extends:` a base file and override only some keys; territories and events
// are merged by name (a name the base lacks must be marked `new: true`; `territories_replace:
// true` / `events_replace: true` start from none of the base's). Every error names
// file:line:column, and a file's errors are reported together (up to kMaxErrors).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/registry/registry.hpp"

namespace percorsi {

// Most errors one load reports; the rest are counted as "more errors not shown".
inline constexpr std::size_t kMaxErrors = 20;

// Bad input: the message reads "file:line:column: what is wrong", one error per line when a
// file has several (errors() lists them one by one).
class ScenarioError : public std::runtime_error {
 public:
  explicit ScenarioError(const std::string& msg) : std::runtime_error(msg), errors_{msg} {}
  explicit ScenarioError(const char* msg) : ScenarioError(std::string(msg)) {}
  // Several errors; `truncated`: more were found than are listed.
  ScenarioError(std::vector<std::string> errors, bool truncated);
  const std::vector<std::string>& errors() const { return errors_; }
  bool truncated() const { return truncated_; }

 private:
  std::vector<std::string> errors_;
  bool truncated_ = false;
};

// Where a value came from (for messages about cross-field checks).
struct Origin {
  std::string file;
  int line = 0, column = 0;  // 1-based; 0 = registry default
  std::string where() const;
};

struct Value {
  double num = 0;    // numbers, booleans (0/1), durations and times (weeks), choice index
  std::string text;  // text and choice values, and the written form of the value
  Origin origin;
};

struct ScopedValues {
  std::vector<Value> v;
  double operator[](T id) const { return v[static_cast<int>(id)].num; }
  double operator[](E id) const { return v[static_cast<int>(id)].num; }
  const Value& at(T id) const { return v[static_cast<int>(id)]; }
  const Value& at(E id) const { return v[static_cast<int>(id)]; }
  // A choice parameter as its enum: choice<E::target>() is a choice::target.
  template <auto Id>
  typename ChoiceOf<Id>::type choice() const {
    return static_cast<typename ChoiceOf<Id>::type>(static_cast<int>((*this)[Id]));
  }
};

// Options of loading that come from outside the file.
struct LoadOptions {
  // Stands in for a missing `seed:` (the command line's --seed); a seed in the file is kept
  // here (the runner's overrides replace it later).
  std::optional<std::uint64_t> seed;
};

// Whether a parameter path describes a scenario's or a trial's setting rather than the model's
// behaviour: who it follows (population.*, exits.*), its services' places (territories[].*), the
// context of its country (context.*) and its events. A setting takes the values of its source;
// a behavioural value outside its plausible range is warned about (Scenario::warnings) and never
// set by a trial (TrialShipped.SetNoBehaviouralValueOutsideItsPlausibleRange).
bool describes_setting(const std::string& path);

class Scenario {
 public:
  std::vector<Value> global;
  std::vector<ScopedValues> territories;
  std::vector<ScopedValues> events;
  std::string file;  // the file it was loaded from
  Origin territories_origin;  // where the territories were last listed (for "no territory")
  // For a scenario expanded from a `sweep:` block: the swept parameters and their values at
  // this grid point, as (path, value as written), in the order of the sweep block; else empty.
  std::vector<std::pair<std::string, std::string>> sweep;
  // The baseline a warm-up runs (docs/model.md, "Warm-up"): the first file of the `extends`
  // chain, as its resolved values, and the later files of the chain, whose values are the
  // scenario's levers. Null for a file that extends nothing (it is its own baseline).
  struct Baseline {
    std::vector<Value> global;
    std::vector<ScopedValues> territories;
    std::vector<std::string> lever_files;
  };
  std::shared_ptr<const Baseline> baseline;
  // The scenario the warm-up runs: this one with every value set by a later file of the chain
  // (a lever, or a sweep's value) put back to the baseline's, no events and no warm-up of its own.
  // Values set otherwise (the defaults, the baseline, Scenario::set: a sensitivity point, a
  // seed) are kept, so the assumptions varied around a scenario vary its warm-up too.
  Scenario warmup_scenario() const;

  double operator[](G id) const { return global[static_cast<int>(id)].num; }
  const Value& at(G id) const { return global[static_cast<int>(id)]; }
  // A choice parameter as its enum: choice<G::housing_model>() is a choice::housing_model.
  template <G Id>
  typename ChoiceOf<Id>::type choice() const {
    return static_cast<typename ChoiceOf<Id>::type>(static_cast<int>((*this)[Id]));
  }
  const std::string& name() const { return at(G::name).text; }
  std::uint64_t seed() const { return static_cast<std::uint64_t>((*this)[G::seed]); }
  int replicates() const { return static_cast<int>((*this)[G::replicates]); }
  int weeks() const;
  std::string territory_name(int t) const { return territories[t].at(T::name).text; }

  // Every parameter with its resolved value, as YAML that loads back into the same scenario.
  // Its first line, "# Resolved scenario written by percorsi...", marks a scenario as it ran:
  // loading such a text skips the check for events starting after the end of the run (a
  // scenario changed with set() may have them; they never act).
  std::string to_yaml() const;
  // Sets a parameter by path from YAML text (for sweeps, the viewer and tests); validated
  // like file input. `territory` selects one territory for territory keys (-1: all).
  void set(const std::string& path, const std::string& yaml_value, int territory = -1);
  // Cross-field checks; throws ScenarioError listing every problem, each at the origins of
  // the values involved.
  void validate() const;
  // The same checks, as "file:line:column: message" lines (empty when valid).
  std::vector<std::string> problems() const;
  // What a planner should know before running it, as "file:line:column: warning: ..." lines
  // (empty when nothing): a behavioural value set in a file outside its parameter's plausible
  // range (sim/registry/plausible.def: the results then rest on a value the model's evidence does
  // not cover; the scenario's setting, describes_setting(), is its own), and a lever the scenario
  // ignores (Housing First flats or the Housing First share
  // where the housing model does not use them). `percorsi validate`, `run` and `compare` print them
  // and go on (exit 0).
  std::vector<std::string> warnings() const;
  // Restricts the scenario to a calendar window (compare --align): it starts on `start_date`
  // (its own or a later one), runs `weeks` weeks and keeps only the named territories, in that
  // order. Events keep their calendar dates: one that ends before the window, starts after it or
  // acts on a dropped territory is dropped; one that straddles the window's start begins with it.
  // The initial population stands at the new start date. Returns one line per change, for the
  // user; throws ScenarioError when the window is not inside the run or a territory is missing.
  std::vector<std::string> restrict_to(const std::string& start_date, int weeks, const std::vector<std::string>& territories);
  // The sweep point as a YAML flow map ("{housing.hf_share: 0.25, step.readiness_rate: 2}"),
  // or "" for a scenario that is not part of a sweep.
  std::string sweep_yaml() const;

 private:
  std::vector<std::string> restrict_in_place(const std::string& start_date, int weeks,
                                             const std::vector<std::string>& territories);
};

// Why `path` is not read as an input file of `noun` ("scenario file"), checked before reading any
// of it: no such file, a directory or a device, larger than the limit of input files (4 MiB);
// "" when it may be read.
std::string input_file_problem(const std::string& path, const std::string& noun);

// Loads, resolves `extends`, validates. Throws ScenarioError. A file with a `sweep:` block
// gives its base scenario (the sweep is ignored here; load_scenarios expands it).
Scenario load_scenario(const std::string& path, const LoadOptions& options = {});
// Same from text; `pseudo_file` names the text in messages and resolves relative `extends`.
Scenario parse_scenario(const std::string& yaml_text, const std::string& pseudo_file, const LoadOptions& options = {});

// Loads a scenario file and expands its `sweep:` block, if any, into one scenario per point
// of the grid (the first swept key varies slowest); a file without a sweep gives one scenario.
//
//   sweep:
//     housing.hf_share: [0.25, 0.5]           # a global parameter
//     territories[].hf_flats: [10, 20]        # every territory
//     territories[Novara].shelter_beds: [80]  # one territory, by name
//     events[lockdown].factor: [0.2, 0.5]     # one event, by name
//
// Every value is validated like file input (errors name file:line:column of the value), and so
// is every grid point as a whole. Expanded scenarios are named
// "<name>:<key>=<value>:<key>=<value>" (key: the last segment of the path, or the whole path
// where two swept paths share it; value as written, spaces removed), for example
// "housing_first:hf_share=0.25:readiness_rate=2". `sweep:` is read only in the file itself,
// not in a base file it extends.
std::vector<Scenario> load_scenarios(const std::string& path, const LoadOptions& options = {});
std::vector<Scenario> parse_scenarios(const std::string& yaml_text, const std::string& pseudo_file,
                                      const LoadOptions& options = {});

// Days since 1970-01-01 of an ISO date YYYY-MM-DD; false when it is not a valid date.
bool days_of_date(const std::string& date, long& days);
// The ISO date YYYY-MM-DD of a day counted from 1970-01-01.
std::string date_of_days(long days);

// Why `name` cannot be a scenario name (it becomes an HDF5 group name in results files):
// "" when it can; else e.g. "contains '/'".
std::string scenario_name_problem(const std::string& name);

// Parses "26 weeks", "6 months", "2 years", "10 days" (or 0) into weeks; false if malformed.
bool parse_duration(const std::string& text, double& weeks);

}  // namespace percorsi
