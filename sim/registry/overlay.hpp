// Partial scenarios written inside a file (a trial's arms): maps of scenario keys merged onto a
// loaded scenario exactly as a file that `extends` it would merge its own keys (territories and
// events by name, `new: true`, `territories_replace` / `events_replace`), with every error at
// its file:line:column. Used by the trial loader (sim/registry/trial_spec.hpp).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "sim/registry/scenario.hpp"

namespace percorsi {

// A YAML block and the file it was read from (its nodes carry their line and column).
struct YamlBlock {
  std::string file;
  YAML::Node node;
};

// Loads `path` (text from `text` when not null), resolving `extends`, then merges each overlay
// onto it in order, as a chain of extending files would; validates the result. `trials`
// (optional) receives the top-level `trial:` blocks of every file of the chain, bases first.
// Throws ScenarioError listing every problem.
Scenario load_with_overlays(const std::string* text, const std::string& path, const LoadOptions& options,
                            const std::vector<YamlBlock>& overlays, std::vector<YamlBlock>* trials);

}  // namespace percorsi
