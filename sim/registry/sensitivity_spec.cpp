#include "sim/registry/sensitivity_spec.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "sim/registry/outputs.hpp"
#include "sim/registry/yaml_input.hpp"

namespace percorsi {

namespace fs = std::filesystem;

const char* method_name(SensitivityMethod m) {
  return m == SensitivityMethod::Morris ? "morris" : m == SensitivityMethod::Sobol ? "sobol" : "lhs";
}

double SensitivityParameter::value(double u) const {
  const double v = lo + u * (hi - lo);
  return spec->kind == Kind::Int ? std::round(v) : v;
}

std::size_t SensitivitySpec::points() const {
  const std::size_t k = parameters.size();
  if (method == SensitivityMethod::Lhs) return static_cast<std::size_t>(samples);
  return method == SensitivityMethod::Morris ? static_cast<std::size_t>(trajectories) * (k + 1)
                                             : static_cast<std::size_t>(samples) * (k + 2);
}

namespace {

std::string number_text(double x) {
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", x);
  return b;
}

// A parameter's value as Scenario::set takes it.
std::string value_text(const ParamSpec& p, double v) {
  return p.kind == Kind::Duration ? number_text(v) + " weeks" : number_text(v);
}

const std::vector<std::string> kKeys = {"name",   "description", "scenarios",  "parameters", "method",  "trajectories",
                                        "levels", "samples",     "replicates", "seed",       "horizon", "outputs"};

// Headline indicators a sensitivity analysis can take (denominators go with their indicator).
std::vector<const out::OutputSpec*> indicators() {
  std::vector<const out::OutputSpec*> v;
  for (const auto* o : out::outputs_of(out::OutputKind::Headline))
    if (!o->is_companion()) v.push_back(o);
  return v;
}

// Whether the scenarios give the parameter different values (a lever of the comparison).
bool lever(const SensitivitySpec& s, const ParamSpec& p) {
  for (const auto& sc : s.scenarios)
    if (sc.global[p.index].num != s.scenarios.front().global[p.index].num) return true;
  return false;
}

void add(SensitivitySpec& s, const ParamSpec& p, double lo, double hi, bool own, const Origin& o) {
  s.parameters.push_back({&p, lo, hi, own, o});
  for (const auto& sc : s.scenarios)
    if (sc.global[p.index].num < lo || sc.global[p.index].num > hi) {
      s.notes.push_back(p.path + ": the scenarios' value " + sc.at(G(p.index)).text + " lies outside the range [" +
                        number_text(lo) + ", " + number_text(hi) + "] varied over");
      break;
    }
}

// Every scenario-wide parameter with a plausible range (`assumptions_only`: of evidence class
// `assumption`) over that range, but the levers of the comparison (with a note).
void add_plausible(SensitivitySpec& s, const Origin& o, bool assumptions_only) {
  for (const ParamSpec* p : params_of(Scope::Global)) {
    if (!p->plausible || (assumptions_only && !p->assumption())) continue;
    if (lever(s, *p))
      s.notes.push_back(p->path + " left out: the scenarios differ in it (a lever of the comparison)");
    else
      add(s, *p, p->plausible->lo, p->plausible->hi, false, o);
  }
}

// Every headline indicator a horizon of `weeks` defines (the others left out, with a note).
void add_indicators(SensitivitySpec& s, int weeks) {
  for (const auto* o : indicators()) {
    if (o->window <= weeks)
      s.outputs.push_back(o->name);
    else
      s.notes.push_back(o->name + " left out: it needs a horizon of " + std::to_string(o->window) +
                        " weeks, the runs have " + std::to_string(weeks));
  }
}

class Loader {
 public:
  Loader(const std::string& file, Errors& errs) : file_(file), errs_(errs) {}

  SensitivitySpec read(const YAML::Node& root) {
    SensitivitySpec s;
    s.file = file_;
    s.name = fs::path(file_).stem().string();
    reject_unknown_keys(root, kKeys, file_, errs_);
    if (const auto n = root["name"]) text(n, "name", s.name);
    if (const auto n = root["description"]) text(n, "description", s.description);
    if (const auto n = root["method"]) {
      std::string m;
      if (text(n, "method", m) && m != "morris" && m != "sobol" && m != "lhs")
        errs_.add(at(n), "unknown method '" + m + "'" + hint(m, {"morris", "sobol", "lhs"}));
      if (m == "sobol") s.method = SensitivityMethod::Sobol;
      if (m == "lhs") s.method = SensitivityMethod::Lhs;
    }
    const bool morris = s.method == SensitivityMethod::Morris;
    integer(root, "trajectories", 2, 100000, s.trajectories, morris);
    integer(root, "levels", 2, 1000, s.levels, morris);
    if (morris && root["levels"] && s.levels % 2 != 0)
      errs_.add(at(root["levels"]), "levels must be even (Delta = levels / (2 (levels - 1)) then falls on the grid)");
    integer(root, "samples", 2, 1000000, s.samples, !morris);
    integer(root, "replicates", 1, 100000, s.replicates, true);
    if (const auto n = root["seed"]) {
      std::uint64_t seed = 0;
      if (!n.IsScalar() || std::from_chars(n.Scalar().data(), n.Scalar().data() + n.Scalar().size(), seed).ptr !=
                               n.Scalar().data() + n.Scalar().size())
        errs_.add(at(n), "'seed' expects a whole number of zero or more");
      s.seed = seed;
    }
    read_scenarios(root, s);
    if (const auto n = root["horizon"]) {
      double weeks = 0;
      if (!n.IsScalar() || !parse_duration(n.Scalar(), weeks) || weeks < 1 || weeks > 2600)
        errs_.add(at(n), "'horizon' expects a duration from 1 week to 50 years, such as '2 years' or '52 weeks'");
      else
        for (auto& sc : s.scenarios) {
          sc.set("horizon", number_text(weeks) + " weeks");
          if (const auto problems = sc.problems(); !problems.empty())
            errs_.add(at(n), "with this horizon, scenario '" + sc.name() + "' is not valid: " + problems.front());
        }
    }
    for (auto& sc : s.scenarios) sc.set("replicates", std::to_string(s.replicates));
    read_parameters(root, s);
    read_outputs(root, s);
    return s;
  }

 private:
  Origin at(const YAML::Node& n) const { return origin_of(n, file_); }

  bool text(const YAML::Node& n, const std::string& key, std::string& out) {
    if (!n.IsScalar()) {
      errs_.add(at(n), "'" + key + "' expects a single value, got " + node_kind(n));
      return false;
    }
    out = n.Scalar();
    return true;
  }

  // An integer key in [lo, hi]; `applies`: false when the key is for the other method.
  void integer(const YAML::Node& root, const char* key, int lo, int hi, int& out, bool applies) {
    const YAML::Node n = root[key];
    if (!n) return;
    if (!applies) {
      errs_.add(at(n), std::string("'") + key + "' is for method " +
                           (std::string(key) == "samples" ? "sobol or lhs" : "morris") +
                           ": remove it, or set 'method' accordingly");
      return;
    }
    long long v = 0;
    const std::string t = n.IsScalar() ? n.Scalar() : "";
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || r.ptr != t.data() + t.size() || r.ec != std::errc() || v < lo || v > hi)
      errs_.add(at(n), std::string("'") + key + "' expects a whole number from " + std::to_string(lo) + " to " +
                           std::to_string(hi) + (t.empty() ? "" : ", got '" + t + "'"));
    else
      out = static_cast<int>(v);
  }

  void read_scenarios(const YAML::Node& root, SensitivitySpec& s) {
    const YAML::Node list = root["scenarios"];
    s.scenarios_origin = list ? at(list) : Origin{file_, 1, 1};
    s.scenarios = read_comparison_scenarios(list, "scenarios", file_, errs_);
  }

  // The Global parameter named by a path or an id, with errors for territory and event keys.
  const ParamSpec* find(const YAML::Node& n, const std::string& name) {
    if (const ParamSpec* p = find_global_param(name)) return p;
    std::string key = name;
    for (const char* pre : {"territories[].", "territory_defaults.", "events[]."})
      if (key.rfind(pre, 0) == 0) key = key.substr(std::string(pre).size());
    if (find_param(Scope::Territory, key) || find_param(Scope::Event, key)) {
      errs_.add(at(n), "'" + name +
                           "' is a key of each territory or event, whose values differ between them: only "
                           "scenario-wide parameters can be varied");
      return nullptr;
    }
    errs_.add(at(n), "unknown parameter '" + name + "'" + closest(name, paths_of(Scope::Global)));
    return nullptr;
  }

  // `range: [lo, hi]` of a parameter, in its unit (durations with a unit, as in scenario files).
  bool range(const YAML::Node& item, const ParamSpec& p, double& lo, double& hi) {
    if (!item.IsMap() || item.size() != 1 || !item["range"]) {
      errs_.add(at(item), "a parameter's settings are {range: [lo, hi]}");
      return false;
    }
    const YAML::Node r = item["range"];
    const char* example = p.kind == Kind::Duration ? "[13 weeks, 1 year]" : "[0.5, 2]";
    double v[2];
    for (std::size_t i = 0; i < 2 && r.IsSequence() && r.size() == 2; ++i) {
      const std::string t = r[i].IsScalar() ? r[i].Scalar() : "";
      const bool ok =
          p.kind == Kind::Duration
              ? parse_duration(t, v[i])
              : std::from_chars(t.data(), t.data() + t.size(), v[i]).ptr == t.data() + t.size() && !t.empty();
      if (!ok) {
        errs_.add(at(r[i]), "'" + t + "' is not a " + (p.kind == Kind::Duration ? "duration" : "number") +
                                " (e.g. range: " + example + ")");
        return false;
      }
    }
    if (!r.IsSequence() || r.size() != 2) {
      errs_.add(at(r), std::string("'range' expects two values [lo, hi], e.g. ") + example);
      return false;
    }
    lo = v[0], hi = v[1];
    if (!(lo < hi) || lo < p.min || hi > p.max) {
      errs_.add(at(r), "range [" + number_text(lo) + ", " + number_text(hi) + "] of '" + p.path +
                           "' must have lo < hi within " + "its bounds [" + number_text(p.min) + ", " +
                           number_text(p.max) + "]");
      return false;
    }
    return true;
  }

  void read_parameters(const YAML::Node& root, SensitivitySpec& s) {
    const YAML::Node n = root["parameters"];
    if (!n) {
      errs_.add(Origin{file_, 1, 1},
                "no 'parameters': give 'parameters: assumptions' (every parameter with a plausible "
                "range) or a list of parameters");
      return;
    }
    if (n.IsScalar() && n.Scalar() == "assumptions") {
      add_plausible(s, at(n), false);
      return;
    }
    if (!n.IsSequence() || n.size() == 0) {
      errs_.add(at(n),
                "'parameters' expects 'assumptions' or a list of parameters (paths or ids, each optionally "
                "with {range: [lo, hi]})");
      return;
    }
    for (const auto& item : n) {
      const auto [key, settings] = named_item(item);
      if (!key.IsScalar()) {
        errs_.add(at(item),
                  "a parameter is a path or an id, optionally with {range: [lo, hi]}, e.g. "
                  "'- step.move_on_rate: {range: [0.6, 2.4]}'");
        continue;
      }
      const ParamSpec* p = find(key, key.Scalar());
      if (!p) continue;
      if (p->kind != Kind::Real && p->kind != Kind::Int && p->kind != Kind::Duration) {
        errs_.add(at(key), "'" + p->path + "' is a " + kind_name(p->kind) +
                               ": only numbers (real, integer, "
                               "duration) can be varied");
        continue;
      }
      if (std::any_of(s.parameters.begin(), s.parameters.end(), [&](const auto& x) { return x.spec == p; })) {
        errs_.add(at(key), "'" + p->path + "' is listed twice");
        continue;
      }
      if (lever(s, *p)) {
        errs_.add(at(key), "'" + p->path +
                               "' differs between the scenarios: it is a lever of the comparison, not an "
                               "assumption to vary");
        continue;
      }
      double lo = 0, hi = 0;
      if (settings) {
        if (range(*settings, *p, lo, hi)) add(s, *p, lo, hi, true, at(key));
      } else if (p->plausible) {
        add(s, *p, p->plausible->lo, p->plausible->hi, false, at(key));
      } else {
        errs_.add(at(key), "'" + p->path +
                               "' has no plausible range in the registry (sim/registry/plausible.def): "
                               "give one, e.g. '- " +
                               p->path + ": {range: [lo, hi]}'");
      }
    }
  }

  void read_outputs(const YAML::Node& root, SensitivitySpec& s) {
    const int weeks = s.scenarios.empty() ? 0 : s.scenarios.front().weeks();
    const YAML::Node n = root["outputs"];
    if (!n) {
      add_indicators(s, weeks);
      return;
    }
    if (!n.IsSequence() || n.size() == 0) {
      errs_.add(at(n), "'outputs' expects a list of headline indicators, e.g. [stably_housed_12m, cost_per_person]");
      return;
    }
    for (const auto& x : n)
      if (std::string name = read_headline_indicator(x, file_, weeks, s.outputs, errs_, " (see 'horizon')");
          !name.empty())
        s.outputs.push_back(std::move(name));
  }

  const std::string& file_;
  Errors& errs_;
};

}  // namespace

std::vector<Scenario> SensitivitySpec::at(const std::vector<double>& u) const {
  std::vector<Scenario> out = scenarios;
  std::string point;
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    const ParamSpec& p = *parameters[k].spec;
    const std::string v = value_text(p, parameters[k].value(u[k]));
    point += (k ? ", " : "") + p.path + " = " + v;
    for (auto& sc : out) sc.set(p.path, v);
  }
  for (const auto& sc : out)
    if (const auto problems = sc.problems(); !problems.empty())
      throw ScenarioError(file + ": the design point {" + point + "} makes scenario '" + sc.name() +
                          "' invalid: " + problems.front() + " (narrow the ranges)");
  return out;
}

SensitivitySpec assumptions_of_comparison(const std::vector<Scenario>& scenarios, const std::string& name) {
  SensitivitySpec s;
  s.file = s.name = name;
  s.scenarios = scenarios;
  s.scenarios_origin = Origin{name, 1, 1};
  s.method = SensitivityMethod::Lhs;
  add_plausible(s, s.scenarios_origin, true);
  add_indicators(s, scenarios.empty() ? 0 : scenarios.front().weeks());
  return s;
}

SensitivitySpec load_sensitivity(const std::string& path) { return load_yaml_with<Loader>(path, "sensitivity file"); }

bool is_sensitivity_file(const std::string& path) { return yaml_file_has_key(path, "scenarios"); }

}  // namespace percorsi
