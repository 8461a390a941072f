#include "viz/levers.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "sim/run/ensemble.hpp"
#include "sim/run/runner.hpp"
#include "viz/core.hpp"

namespace percorsi::viz {

namespace fs = std::filesystem;

namespace {
std::string num_text(double v, const char* fmt = "%.10g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}
bool is_text(Kind k) {
  return k == Kind::Choice || k == Kind::Text;
}
}  // namespace

bool Lever::changed() const {
  return is_text(spec->kind) ? text != base_text
                             : std::fabs(num - base_num) > 1e-12 * std::max(1.0, std::fabs(base_num));
}

std::string Lever::yaml_value() const {
  switch (spec->kind) {
    case Kind::Choice:
    case Kind::Text:
      return text;
    case Kind::Bool:
      return num != 0 ? "true" : "false";
    case Kind::Int:
      return num_text(std::round(num), "%.0f");
    case Kind::Duration:
    case Kind::Time:
      return num_text(num) + " weeks";
    case Kind::Real:
      break;
  }
  return num_text(num);
}

namespace {
std::string number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}
}  // namespace

// The main policy levers of MODEL.md, with the words a room understands: the registry's
// (sim/registry/levers.def), as are their units, ranges and evidence.
std::vector<const ParamSpec*> lever_specs() { return levers(); }

std::string lever_label(const ParamSpec& p) { return p.label.empty() ? p.path : p.label; }

std::string plausible_text(const ParamSpec& p) {
  if (!p.plausible) return "";
  return number(p.plausible->lo) + " to " + number(p.plausible->hi) + (p.unit.empty() ? "" : " " + p.unit);
}

bool Lever::implausible() const {
  return spec->plausible && !is_text(spec->kind) && (num < spec->plausible->lo || num > spec->plausible->hi);
}

LeverSet LeverSet::load(const std::string& path) {
  LeverSet s;
  s.path = path;
  s.base = load_scenario(path);
  s.name = s.base.name() + "_edit";
  for (const ParamSpec* p : lever_specs()) {
    auto add = [&](const Value& v, int t) {
      Lever l;
      l.spec = p;
      l.territory = t;
      l.num = l.base_num = v.num;
      l.text = l.base_text = v.text;
      s.levers.push_back(l);
    };
    if (p->scope == Scope::Global) {
      add(s.base.global[p->index], -1);
    } else if (p->scope == Scope::Territory) {
      for (int t = 0; t < static_cast<int>(s.base.territories.size()); ++t) add(s.base.territories[t].v[p->index], t);
    }
  }
  return s;
}

bool LeverSet::any_changed() const {
  for (const auto& l : levers)
    if (l.changed()) return true;
  return name != base.name();
}

Scenario LeverSet::edited() const {
  Scenario sc = base;
  if (name != base.name()) sc.set("name", name);
  for (const auto& l : levers)
    if (l.changed()) sc.set(l.spec->path, l.yaml_value(), l.territory);
  sc.validate();
  return sc;
}

std::string LeverSet::overrides_yaml(const std::string& save_path) const {
  std::error_code ec;
  const fs::path from = fs::absolute(save_path, ec).parent_path();
  std::string rel = fs::relative(fs::absolute(path, ec), from, ec).generic_string();
  if (rel.empty() || ec) rel = fs::absolute(path, ec).generic_string();

  // Changed global keys as nested maps ("housing.model" -> housing: {model: ...}).
  struct Node {
    std::string key, value;
    std::vector<Node> kids;
  };
  Node root;
  for (const auto& l : levers) {
    if (l.territory >= 0 || !l.changed()) continue;
    Node* at = &root;
    std::string rest = l.spec->path;
    for (;;) {
      const auto dot = rest.find('.');
      const std::string seg = rest.substr(0, dot);
      Node* next = nullptr;
      for (auto& k : at->kids)
        if (k.key == seg) next = &k;
      if (!next) {
        at->kids.push_back(Node{seg, {}, {}});
        next = &at->kids.back();
      }
      at = next;
      if (dot == std::string::npos) break;
      rest = rest.substr(dot + 1);
    }
    at->value = l.yaml_value();
  }
  YAML::Emitter e;
  e << YAML::Comment("Edited in percorsi-viz: only the keys changed from " + fs::path(path).filename().string());
  e << YAML::BeginMap << YAML::Key << "extends" << YAML::Value << rel;
  e << YAML::Key << "name" << YAML::Value << name;
  auto emit = [&](auto&& self, const Node& n) -> void {
    for (const auto& k : n.kids) {
      e << YAML::Key << k.key << YAML::Value;
      if (k.kids.empty()) {
        e << k.value;
      } else {
        e << YAML::BeginMap;
        self(self, k);
        e << YAML::EndMap;
      }
    }
  };
  emit(emit, root);
  bool any_territory = false;
  for (int t = 0; t < static_cast<int>(base.territories.size()); ++t) {
    bool opened = false;
    for (const auto& l : levers) {
      if (l.territory != t || !l.changed()) continue;
      if (!any_territory) e << YAML::Key << "territories" << YAML::Value << YAML::BeginSeq;
      if (!opened) e << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << base.territory_name(t);
      any_territory = opened = true;
      e << YAML::Key << l.spec->key() << YAML::Value << l.yaml_value();
    }
    if (opened) e << YAML::EndMap;
  }
  if (any_territory) e << YAML::EndSeq;
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

std::vector<std::vector<std::string>> LeverSet::warnings(std::vector<std::string>* general) const {
  std::vector<std::vector<std::string>> out(levers.size());
  for (std::size_t i = 0; i < levers.size(); ++i)
    if (levers[i].implausible())
      out[i].push_back(levers[i].yaml_value() + " is outside its plausible range " + plausible_text(*levers[i].spec) +
                       " (" + levers[i].spec->plausible->reason + ")");
  // The scenario's own warnings (ignored levers...), with the values edited here counted as set.
  Scenario sc = base;
  try {
    sc = edited();
  } catch (const std::exception&) {
    return out;  // an invalid edit: the run button reports it
  }
  const Origin here{"percorsi-viz", 1, 1};
  for (const auto& l : levers)
    if (l.changed()) {
      auto& v = l.territory < 0 ? sc.global[static_cast<std::size_t>(l.spec->index)]
                                : sc.territories[static_cast<std::size_t>(l.territory)].v[static_cast<std::size_t>(l.spec->index)];
      v.origin = here;
    }
  for (const auto& line : sc.warnings()) {
    const std::string w = warning_text(line);
    bool placed = false;
    for (std::size_t i = 0; i < levers.size() && !placed; ++i) {
      const Lever& l = levers[i];
      const std::string key = l.territory < 0 ? l.spec->path + " = "
                                              : "territories[" + base.territory_name(l.territory) + "]." + l.spec->key() + " = ";
      if (w.rfind(key, 0) != 0) continue;
      placed = true;
      // Plausibility is said above, by the lever itself (Scenario::warnings says it for a value
      // outside a behavioural range, or four times above a territory's).
      if (w.find("plausible") == std::string::npos) out[i].push_back(w.substr(key.size()));
    }
    if (!placed && general) general->push_back(w);
  }
  return out;
}

std::vector<std::string> LeverSet::changes() const {
  std::vector<std::string> out;
  auto shown = [](const Lever& l, bool base) {
    Lever c = l;
    c.num = base ? l.base_num : l.num;
    c.text = base ? l.base_text : l.text;
    return c.yaml_value();
  };
  for (const auto& l : levers)
    if (l.changed())
      out.push_back(lever_label(*l.spec) + (l.territory >= 0 ? " (" + base.territory_name(l.territory) + ")" : "") +
                    ": " + shown(l, true) + " -> " + shown(l, false) +
                    (l.spec->unit.empty() || l.spec->kind == Kind::Duration ? "" : " " + l.spec->unit));
  return out;
}

void LeverSet::save(const std::string& save_path) const {
  const std::string text = overrides_yaml(save_path);
  std::ofstream f(save_path);
  if (!(f << text)) throw std::runtime_error("cannot write '" + save_path + "'");
}

// ---- Live runs -----------------------------------------------------------------------------

namespace {

struct Cancelled {};
}  // namespace

LiveRun::~LiveRun() {
  cancel_ = true;
  if (worker_.joinable()) worker_.join();
}

bool LiveRun::start(Scenario sc) {
  if (running_) return false;
  if (worker_.joinable()) worker_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    result_.reset();
  }
  cancel_ = false;
  done_ = 0;
  total_ = std::max<long long>(1, static_cast<long long>(sc.weeks()) * sc.replicates());
  running_ = true;
  worker_ = std::thread([this, sc = std::move(sc)] {
    Result r;
    r.scenario = sc;
    try {
      r.info = scenario_info(sc);  // what a results file would record
      for (int rep = 0; rep < sc.replicates(); ++rep)
        r.replicates.push_back(run_replicate(sc, rep, [this] {
          if (cancel_) throw Cancelled{};
          ++done_;
        }));
    } catch (const Cancelled&) {
      r.cancelled = true;
      r.replicates.clear();
    } catch (const std::exception& e) {
      r.error = e.what();
      r.replicates.clear();
    }
    std::lock_guard<std::mutex> lock(mu_);
    result_ = std::move(r);
    running_ = false;
  });
  return true;
}

double LiveRun::progress() const {
  return static_cast<double>(done_) / static_cast<double>(total_);
}

std::optional<LiveRun::Result> LiveRun::take() {
  std::optional<Result> r;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (running_ || !result_) return std::nullopt;
    r = std::move(result_);
    result_.reset();
  }
  if (worker_.joinable()) worker_.join();
  return r;
}

}  // namespace percorsi::viz
