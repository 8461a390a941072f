// Errors of the YAML loaders at file:line:column (trial blocks, calibration files): where a node
// was written, what kind of node it is, "did you mean", and a list of a file's errors reported
// together as one ScenarioError (at most kMaxErrors).
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "sim/registry/scenario.hpp"
#include "sim/registry/suggest.hpp"

namespace percorsi::loading {

inline Origin origin_of(const YAML::Node& n, const std::string& file) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return Origin{file, 0, 0};
  return Origin{file, m.line + 1, m.column + 1};
}

// " (did you mean 'x'?)" for the closest of `names`, else " (one of: a, b, c)".
inline std::string hint(const std::string& word, const std::vector<std::string>& names) {
  if (std::string c = closest(word, names); !c.empty()) return c;
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  return " (one of: " + (list.empty() ? std::string("none") : list) + ")";
}

inline const char* node_kind(const YAML::Node& n) {
  return n.IsMap() ? "a map" : n.IsSequence() ? "a list" : n.IsScalar() ? "a single value" : "nothing";
}

// A finite number written in full ("0.5", "+3", "1e-3"); false for anything else.
inline bool parse_number(const std::string& s, double& out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b < e && *b == '+') ++b;
  auto r = std::from_chars(b, e, out);
  return r.ec == std::errc() && r.ptr == e && std::isfinite(out);
}

struct Errors {
  std::vector<std::string> list;
  bool truncated = false;
  void add(const Origin& o, const std::string& msg) {
    if (list.size() < kMaxErrors) list.push_back(o.where() + ": " + msg);
    else truncated = true;
  }
  void add(const ScenarioError& e) {
    for (const auto& x : e.errors())
      if (std::find(list.begin(), list.end(), x) == list.end()) {
        if (list.size() < kMaxErrors) list.push_back(x);
        else truncated = true;
      }
  }
  void raise() const {
    if (!list.empty()) throw ScenarioError(list, truncated);
  }
};

}  // namespace percorsi::loading
