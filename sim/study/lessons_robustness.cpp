// The lessons' robustness file (sim/study/lessons.hpp, LessonsRobustness): its fingerprint, its
// YAML and its loader.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "sim/registry/outputs.hpp"
#include "output/validate.hpp"
#include "sim/registry/registry.hpp"
#include "sim/registry/yaml_input.hpp"
#include "sim/study/lessons.hpp"

namespace percorsi {

namespace fs = std::filesystem;

const Robustness* LessonsRobustness::of(const std::string& lesson) const {
  for (const auto& [id, r] : lessons)
    if (id == lesson) return &r;
  return nullptr;
}

std::string lessons_robustness_path(const std::string& lessons_file) {
  fs::path p(lessons_file);
  return (p.parent_path() / (p.stem().string() + ".robustness.yaml")).string();
}

std::string lessons_inputs_fingerprint(const LessonsSpec& spec) {
  out::Checksum h;  // FNV-1a over each part's length and text
  h.add_name(file_text(spec.file));
  for (const auto& l : spec.lessons)
    for (const auto& sc : l.scenarios) h.add_name(sc.to_yaml());
  for (const ParamSpec& p : registry()) {
    if (!p.assumption() || !p.plausible) continue;
    h.add_name(p.path + " " + out::shortest_number(p.plausible->lo) + " " + out::shortest_number(p.plausible->hi));
  }
  const fs::path pins = fs::path(spec.file).parent_path().parent_path() / "tests" / "pinned_hashes.inc";
  if (std::error_code ec; fs::exists(pins, ec)) h.add_name(file_text(pins.string()));
  return h.hex();
}

std::string lessons_robustness_yaml(const LessonsRobustness& r, const std::string& command) {
  std::ostringstream o;
  o << "# The robustness of each lesson (docs/lessons.md, docs/robustness.md): per difference, the points of the\n"
       "# Latin hypercube on each side of its verdict (below -MID, within, above +MID) and the assumptions that move\n"
       "# it most, with their rank correlations. Written by: "
    << command << "\n# Do not edit: `percorsi lessons` uses it only while `inputs` is the fingerprint of the current inputs.\n";
  o << "inputs: \"" << r.inputs << "\"\npoints: " << r.points << "\nreplicates: " << r.replicates << "\nseed: " << r.seed
    << "\nlessons:\n";
  for (const auto& [id, rob] : r.lessons) {
    o << "  " << id << ":\n";
    for (std::size_t d = 1; d < rob.scenarios.size(); ++d)
      for (std::size_t i = 0; i < rob.indicators.size(); ++i) {
        const RobustnessCell& c = rob.cells[(d - 1) * rob.indicators.size() + i];
        o << "    - {scenario: " << rob.scenarios[d] << ", indicator: " << rob.indicators[i] << ", side: [" << c.side[0] << ", "
          << c.side[1] << ", " << c.side[2] << "], rests_on: [";
        for (std::size_t k = 0; k < c.rests_on.size(); ++k) o << (k ? ", " : "") << c.rests_on[k];
        o << "], rho: [";
        for (std::size_t k = 0; k < c.rho.size(); ++k) o << (k ? ", " : "") << out::shortest_number(std::round(c.rho[k] * 1000) / 1000);
        o << "]}\n";
      }
  }
  return o.str();
}

LessonsRobustness load_lessons_robustness(const std::string& path) {
  auto where = [&](const YAML::Mark& m) { return path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": "; };
  auto fail = [&](const YAML::Node& n, const std::string& msg) { throw ScenarioError(where(n.Mark()) + msg); };
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ScenarioError(path + ": cannot read the lessons' robustness file");
  } catch (const YAML::Exception& e) {
    throw ScenarioError(where(e.mark) + e.msg);
  }
  if (!root.IsMap()) fail(root, "a lessons' robustness file is a map with inputs, points, replicates, seed and lessons");
  for (const char* key : {"inputs", "points", "replicates", "seed", "lessons"})
    if (!root[key]) fail(root, std::string("missing key '") + key + "'");
  LessonsRobustness r;
  try {
    r.inputs = root["inputs"].as<std::string>();
    r.points = root["points"].as<int>();
    r.replicates = root["replicates"].as<int>();
    r.seed = root["seed"].as<std::uint64_t>();
    if (r.points < 1 || r.replicates < 1) fail(root, "points and replicates are at least 1");
    if (!root["lessons"].IsMap()) fail(root["lessons"], "lessons: a map from a lesson's id to its differences");
    for (const auto& kv : root["lessons"]) {
      Robustness rob;
      rob.points = r.points, rob.replicates = r.replicates, rob.seed = r.seed;
      if (!kv.second.IsSequence()) fail(kv.second, "a lesson's differences: a list");
      std::vector<std::pair<std::string, std::string>> order;  // (scenario, indicator) of each cell, as written
      for (const auto& c : kv.second) {
        if (!c.IsMap() || !c["scenario"] || !c["indicator"] || !c["side"] || !c["side"].IsSequence() || c["side"].size() != 3)
          fail(c, "a difference has scenario, indicator and side (three counts of points)");
        const auto scenario = c["scenario"].as<std::string>(), indicator = c["indicator"].as<std::string>();
        order.push_back({scenario, indicator});
        if (rob.scenarios.empty()) rob.scenarios.push_back("");  // the reference: its name is not kept
        if (std::find(rob.scenarios.begin() + 1, rob.scenarios.end(), scenario) == rob.scenarios.end()) rob.scenarios.push_back(scenario);
        if (std::find(rob.indicators.begin(), rob.indicators.end(), indicator) == rob.indicators.end()) rob.indicators.push_back(indicator);
        RobustnessCell cell;
        for (int k = 0; k < 3; ++k) {
          cell.side[static_cast<std::size_t>(k)] = c["side"][k].as<int>();
          if (cell.side[static_cast<std::size_t>(k)] < 0 || cell.side[static_cast<std::size_t>(k)] > r.points)
            fail(c["side"][k], "a count of points from 0 to points");
        }
        if (c["rests_on"])
          for (const auto& x : c["rests_on"]) cell.rests_on.push_back(x.as<std::string>());
        if (c["rho"])
          for (const auto& x : c["rho"]) cell.rho.push_back(x.as<double>());
        rob.cells.push_back(std::move(cell));
      }
      // Cells are written scenario by scenario, each over every indicator: [D, indicators].
      bool in_order = rob.cells.size() == (rob.scenarios.size() - 1) * rob.indicators.size();
      for (std::size_t k = 0; in_order && k < order.size(); ++k)
        in_order = order[k].first == rob.scenarios[k / rob.indicators.size() + 1] && order[k].second == rob.indicators[k % rob.indicators.size()];
      if (!in_order) fail(kv.second, "every scenario of a lesson has a difference for every indicator, scenario by scenario in the same order");
      r.lessons.push_back({kv.first.as<std::string>(), std::move(rob)});
    }
  } catch (const YAML::BadConversion& e) {
    throw ScenarioError(where(e.mark) + e.msg);
  }
  return r;
}

}  // namespace percorsi
