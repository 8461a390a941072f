#include "sim/registry/yaml_input.hpp"

#include <filesystem>

#include "sim/registry/outputs.hpp"

namespace percorsi {

namespace fs = std::filesystem;

bool yaml_file_has_key(const std::string& path, const std::string& key) {
  try {
    const YAML::Node root = read_yaml_file(path, "file");
    return root.IsMap() && root[key];
  } catch (const ScenarioError&) {
    return false;
  }
}

std::vector<Scenario> read_comparison_scenarios(const YAML::Node& list, const std::string& key, const std::string& file,
                                                Errors& errs) {
  std::vector<Scenario> out;
  if (!list || !list.IsSequence() || list.size() < 2) {
    errs.add(list ? origin_of(list, file) : Origin{file, 1, 1},
             "'" + key +
                 "' expects a list of two or more scenario files (paths relative to this file): the first is the "
                 "reference of the differences");
    return out;
  }
  for (const auto& n : list) {
    if (!n.IsScalar()) {
      errs.add(origin_of(n, file), std::string("a scenario is the path of a scenario file, got ") + node_kind(n));
      continue;
    }
    const Origin at = origin_of(n, file);
    const fs::path path = fs::path(file).parent_path() / n.Scalar();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      errs.add(at, "scenario file '" + n.Scalar() + "' not found (looked for " + path.string() + ")");
      continue;
    }
    errs.guard([&] {
      std::vector<Scenario> v = load_scenarios(path.string());
      if (v.size() != 1 || !v[0].sweep.empty())
        errs.add(at, "'" + n.Scalar() + "' holds a sweep: each scenario of a comparison is one scenario");
      else if (!out.empty() && v[0].seed() != out[0].seed())
        errs.add(at, "'" + n.Scalar() + "' has seed " + std::to_string(v[0].seed()) + " and '" + out[0].name() +
                         "' seed " + std::to_string(out[0].seed()) +
                         ": the scenarios of a comparison share their seed (common random numbers), so that their "
                         "differences are paired");
      else if (std::any_of(out.begin(), out.end(), [&](const Scenario& x) { return x.name() == v[0].name(); }))
        errs.add(at, "'" + n.Scalar() + "': a second scenario named '" + v[0].name() + "'");
      else
        out.push_back(std::move(v[0]));
    });
  }
  return out;
}

std::string read_headline_indicator(const YAML::Node& n, const std::string& file, int weeks,
                                    const std::vector<std::string>& taken, Errors& errs,
                                    const std::string& horizon_hint) {
  const std::string name = n.IsScalar() ? n.Scalar() : "";
  const out::OutputSpec* o = out::find_output(out::OutputKind::Headline, name);
  if (!o || o->is_companion()) {
    std::vector<std::string> names;
    for (const auto* x : out::outputs_of(out::OutputKind::Headline))
      if (!x->is_companion()) names.push_back(x->name);
    errs.add(origin_of(n, file), "unknown headline indicator '" + name + "'" + hint(name, names));
  } else if (std::find(taken.begin(), taken.end(), name) != taken.end()) {
    errs.add(origin_of(n, file), "'" + name + "' is listed twice");
  } else if (weeks > 0 && o->window > weeks) {
    errs.add(origin_of(n, file), "'" + name + "' needs a horizon of at least " + std::to_string(o->window) +
                                     " weeks; the runs have " + std::to_string(weeks) + horizon_hint);
  } else {
    return name;
  }
  return "";
}

}  // namespace percorsi
