// Helpers of the YAML loaders (scenario, trial, sensitivity, calibration and lessons files):
// errors collected with their file:line:column, the position of a node, and the safe reading of a
// file (bounded size, text only, no tabs in indentation, one document, no duplicate keys),
// numbers; the scenarios of a comparison and the headline indicators it is judged on.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "sim/registry/scenario.hpp"
#include "sim/registry/suggest.hpp"

namespace percorsi {

// The errors of one load, each "file:line:column: message", in the order found (each once).
struct Errors {
  std::vector<std::string> list;
  bool truncated = false;
  void add(const std::string& e) {
    if (std::find(list.begin(), list.end(), e) != list.end()) return;
    if (list.size() < kMaxErrors)
      list.push_back(e);
    else
      truncated = true;
  }
  void add(const Origin& o, const std::string& msg) { add(o.where() + ": " + msg); }
  void add(const ScenarioError& e) {
    for (const auto& x : e.errors()) add(x);
    truncated = truncated || e.truncated();
  }
  // True when no more errors can be listed (then the caller stops looking, and says so).
  bool full() {
    if (list.size() < kMaxErrors) return false;
    truncated = true;
    return true;
  }
  bool empty() const { return list.empty(); }
  void raise() const {
    if (!list.empty()) throw ScenarioError(list, truncated);
  }
  // Runs f; a ScenarioError it throws is recorded. True when f succeeded.
  template <class F>
  bool guard(F&& f) {
    try {
      f();
      return true;
    } catch (const ScenarioError& e) {
      add(e);
      return false;
    }
  }
};

// Where a node was written (1-based); line 0 when it has no mark.
inline Origin origin_of(const YAML::Node& n, const std::string& file) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return Origin{file, 0, 0};
  return Origin{file, m.line + 1, m.column + 1};
}
inline Origin origin_of(const YAML::Mark& m, const std::string& file) {
  return Origin{file, std::max(m.line, 0) + 1, std::max(m.column, 0) + 1};
}

// "a map", "a list", "a single value", "nothing": what a node is, for messages.
inline const char* node_kind(const YAML::Node& n) {
  return n.IsMap() ? "a map" : n.IsSequence() ? "a list" : n.IsScalar() ? "a single value" : "nothing";
}

// The whole text of a file; ScenarioError "<path>: cannot read[ the <what>]" when it cannot be.
inline std::string file_text(const std::string& path, const std::string& what = "") {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ScenarioError(path + ": cannot read" + (what.empty() ? "" : " the " + what));
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// " (did you mean 'x'?)" for the closest of `names`, else " (one of: a, b, c)".
inline std::string hint(const std::string& word, const std::vector<std::string>& names) {
  if (std::string c = closest(word, names); !c.empty()) return c;
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  return " (one of: " + (list.empty() ? std::string("none") : list) + ")";
}

// Every key of the map `map` not among `keys`: "unknown key 'x' (did you mean ...)" at its place.
inline void reject_unknown_keys(const YAML::Node& map, const std::vector<std::string>& keys, const std::string& file,
                                Errors& errs) {
  for (const auto& kv : map) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      errs.add(origin_of(kv.first, file), "unknown key '" + key + "'" + hint(key, keys));
  }
}

// An item of a list of names, each optionally with its settings ("- name" or "- name: settings").
struct NamedItem {
  YAML::Node name;                     // the item itself when it has no settings
  std::optional<YAML::Node> settings;  // none without settings
};
inline NamedItem named_item(const YAML::Node& item) {
  if (!item.IsMap() || item.size() != 1) return {item, std::nullopt};
  return {item.begin()->first, item.begin()->second};
}

// A finite number written in full ("0.5", "+3", "1e-3", leading spaces allowed, as in registry
// defaults); false for anything else.
inline bool parse_number(const std::string& s, double& out) {
  const char* b = s.data();
  const char* e = b + s.size();
  while (b < e && *b == ' ') ++b;
  if (b < e && *b == '+') ++b;
  auto r = std::from_chars(b, e, out);
  return r.ec == std::errc() && r.ptr == e && std::isfinite(out);
}

// Reads the one YAML document of a file with the safeguards of scenario files; `noun` names the
// file in messages ("sensitivity file"). Throws ScenarioError (file:line:column).
YAML::Node read_yaml_file(const std::string& path, const std::string& noun);
// Reads a file with read_yaml_file and `Loader(path, errs).read(root)`, then raises the errors
// collected (ScenarioError listing every problem at its file:line:column).
template <class Loader>
auto load_yaml_with(const std::string& path, const std::string& noun) {
  const YAML::Node root = read_yaml_file(path, noun);
  Errors errs;
  auto spec = Loader(path, errs).read(root);
  errs.raise();
  return spec;
}
// True when the file reads as a map with `key` at its top level (what tells the kinds of input
// files apart); false when it does not, or cannot be read.
bool yaml_file_has_key(const std::string& path, const std::string& key);

// The scenarios of a comparison (sensitivity and lessons files): `list`, the node of `key`
// (null when absent), must be a list of two or more paths of scenario files relative to `file`'s
// folder, each holding one scenario (no sweep), all with the first's seed (common random numbers:
// the differences are paired) and distinct names. Every problem goes to `errs` at its
// file:line:column; the scenarios that loaded are returned, in order.
std::vector<Scenario> read_comparison_scenarios(const YAML::Node& list, const std::string& key, const std::string& file,
                                                Errors& errs);

// The headline indicator (not a denominator) named by the scalar `n`: "" after an error in `errs`
// when it is unknown (with "did you mean"), already in `taken`, or needs a longer horizon than
// `weeks` (0: not checked; `horizon_hint` ends that message, e.g. " (see 'horizon')").
std::string read_headline_indicator(const YAML::Node& n, const std::string& file, int weeks,
                                    const std::vector<std::string>& taken, Errors& errs,
                                    const std::string& horizon_hint = "");

}  // namespace percorsi
