// The shipped scenario and trial files (test_scenario.cpp, test_reference.cpp and its pinned
// hashes): every .yaml below scenarios/ but the sensitivity files (scenarios/sensitivity/,
// docs/sensitivity.md), the calibration files (scenarios/calibration/, docs/calibration.md) and
// the lessons file and the robustness kept beside it (scenarios/lessons.yaml,
// scenarios/lessons.robustness.yaml, docs/lessons.md), which are no scenarios.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace percorsi::shipped {

// Folders below scenarios/ whose files are no scenarios.
inline bool not_a_scenario_folder(const std::filesystem::path& dir) {
  const std::string name = dir.filename().string();
  return name == "sensitivity" || name == "calibration";
}

// Relative to scenarios/ (`root`), sorted.
inline std::vector<std::string> scenario_files(const std::string& root) {
  std::vector<std::string> v;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.path().extension() == ".yaml" && !not_a_scenario_folder(e.path().parent_path()) &&
        std::filesystem::relative(e.path(), root) != "lessons.yaml" &&
        std::filesystem::relative(e.path(), root) != "lessons.robustness.yaml")
      v.push_back(std::filesystem::relative(e.path(), root).string());
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace percorsi::shipped
