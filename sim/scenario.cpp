#include "sim/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace percorsi {

std::string Origin::where() const {
  if (line == 0) return file.empty() ? std::string("<defaults>") : file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

namespace {

[[noreturn]] void fail(const Origin& o, const std::string& msg) { throw ScenarioError(o.where() + ": " + msg); }

Origin origin_of(const YAML::Node& n, const std::string& file) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return Origin{file, 0, 0};
  return Origin{file, m.line + 1, m.column + 1};
}

std::string shortest(double x) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// " (did you mean 'x'?)" for the closest key of the scope, or "" when nothing is close.
std::string suggestion(const std::string& key, Scope scope) {
  std::vector<std::string> names;
  for (const ParamSpec* p : params_of(scope)) names.push_back(scope == Scope::Global ? p->path : p->key());
  if (scope == Scope::Global)
    for (const char* k : {"territories", "territory_defaults", "events"}) names.emplace_back(k);
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& n : names) {
    // Compare with the whole path and with its last segment (a key misplaced in a map).
    std::size_t d = edit_distance(key, n);
    auto dot = n.rfind('.');
    if (dot != std::string::npos) d = std::min(d, edit_distance(key, n.substr(dot + 1)) + 1);
    if (d < best_d) best_d = d, best = n;
  }
  if (best_d <= std::max<std::size_t>(2, key.size() / 3)) return " (did you mean '" + best + "'?)";
  return "";
}

const ParamSpec* find_spec(Scope scope, const std::string& key) {
  for (const ParamSpec* p : params_of(scope))
    if ((scope == Scope::Global ? p->path : p->key()) == key) return p;
  return nullptr;
}

bool parse_number(const std::string& s, double& out) {
  const char* b = s.data();
  const char* e = b + s.size();
  while (b < e && *b == ' ') ++b;
  if (b < e && *b == '+') ++b;
  auto r = std::from_chars(b, e, out);
  return r.ec == std::errc() && r.ptr == e && std::isfinite(out);
}

bool is_date(const std::string& s) {
  return s.size() == 10 && s[4] == '-' && s[7] == '-' &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '-'; });
}

// Days since 1970-01-01 of an ISO date; false when not a valid date.
bool date_days(const std::string& s, long& days) {
  if (!is_date(s)) return false;
  using namespace std::chrono;
  const year_month_day ymd{year{std::stoi(s.substr(0, 4))}, month{static_cast<unsigned>(std::stoi(s.substr(5, 2)))},
                           day{static_cast<unsigned>(std::stoi(s.substr(8, 2)))}};
  if (!ymd.ok()) return false;
  days = sys_days{ymd}.time_since_epoch().count();
  return true;
}

std::string range_text(const ParamSpec& p) {
  std::string r = "[" + shortest(p.min) + ", " + shortest(p.max) + "]";
  if (!p.unit.empty()) r += " " + p.unit;
  return r;
}

// Parses one value written as text (from YAML or a registry default).
Value parse_text(const ParamSpec& p, const std::string& s, const Origin& o) {
  Value v{0, s, o};
  const std::string what = "'" + p.path + "'";
  auto check_range = [&](double x) {
    if (x < p.min || x > p.max) fail(o, what + " = " + s + " is out of range: allowed " + range_text(p));
  };
  switch (p.kind) {
    case Kind::Real:
    case Kind::Int:
      if (!parse_number(s, v.num))
        fail(o, what + " expects " + (p.kind == Kind::Int ? "an integer" : "a number") +
                    (p.unit.empty() ? "" : " (" + p.unit + ")") + ", got '" + s + "'");
      if (p.kind == Kind::Int && v.num != std::floor(v.num)) fail(o, what + " expects an integer, got '" + s + "'");
      check_range(v.num);
      break;
    case Kind::Bool:
      if (s == "true" || s == "yes" || s == "on") v.num = 1;
      else if (s == "false" || s == "no" || s == "off") v.num = 0;
      else fail(o, what + " expects true or false, got '" + s + "'");
      break;
    case Kind::Choice: {
      auto it = std::find(p.choices.begin(), p.choices.end(), s);
      if (it == p.choices.end()) {
        std::string list, near;
        std::size_t best = std::string::npos;
        for (const auto& c : p.choices) {
          list += (list.empty() ? "" : ", ") + c;
          if (auto d = edit_distance(s, c); d < best) best = d, near = c;
        }
        fail(o, what + " must be one of: " + list + "; got '" + s + "'" +
                    (best <= 3 ? " (did you mean '" + near + "'?)" : ""));
      }
      v.num = static_cast<double>(it - p.choices.begin());
      break;
    }
    case Kind::Time:
      if (is_date(s)) {
        long d;
        if (!date_days(s, d)) fail(o, what + ": '" + s + "' is not a valid date");
        v.num = 0;  // resolved against start_date once the whole scenario is known
        break;
      }
      [[fallthrough]];
    case Kind::Duration:
      if (!parse_duration(s, v.num))
        fail(o, what + " expects a duration with a unit (e.g. '26 weeks', '6 months', '2 years')" +
                    std::string(p.kind == Kind::Time ? " or a date (YYYY-MM-DD)" : "") + ", got '" + s + "'");
      check_range(v.num);
      break;
    case Kind::Text:
      break;
  }
  return v;
}

Value parse_node(const ParamSpec& p, const YAML::Node& n, const std::string& file) {
  const Origin o = origin_of(n, file);
  if (!n.IsScalar()) {
    const char* got = n.IsMap() ? "a map" : n.IsSequence() ? "a list" : "nothing";
    fail(o, "'" + p.path + "' expects a " + kind_name(p.kind) + " value, got " + got);
  }
  return parse_text(p, n.Scalar(), o);
}

Value default_value(const ParamSpec& p) { return parse_text(p, p.default_text, Origin{"<defaults>", 0, 0}); }

// One file's values, with its bases' values underneath.
struct Item {
  std::string name;
  std::map<std::string, Value> vals;  // by key
};
struct Layer {
  std::map<std::string, Value> global;  // by path
  std::map<std::string, Value> territory_defaults;
  std::vector<Item> territories, events;
};

void merge_item(std::vector<Item>& items, Item item) {
  for (auto& it : items)
    if (it.name == item.name) {
      for (auto& [k, v] : item.vals) it.vals[k] = v;
      return;
    }
  items.push_back(std::move(item));
}

std::map<std::string, Value> read_keys(const YAML::Node& map, Scope scope, const std::string& file,
                                       const std::string& context) {
  if (!map.IsMap()) fail(origin_of(map, file), context + " must be a map of keys");
  std::map<std::string, Value> vals;
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    const ParamSpec* p = find_spec(scope, key);
    if (!p) fail(origin_of(kv.first, file), "unknown key '" + key + "' in " + context + suggestion(key, scope));
    vals[key] = parse_node(*p, kv.second, file);
  }
  return vals;
}

void read_items(const YAML::Node& seq, Scope scope, const std::string& file, const std::string& what,
                std::vector<Item>& items) {
  if (!seq.IsSequence()) fail(origin_of(seq, file), "'" + what + "' must be a list of maps");
  int i = 0;
  std::set<std::string> seen;
  for (const auto& el : seq) {
    Item item;
    item.vals = read_keys(el, scope, file, what + "[" + std::to_string(i) + "]");
    auto it = item.vals.find("name");
    if (it == item.vals.end() || it->second.text.empty()) {
      if (scope == Scope::Territory) fail(origin_of(el, file), "each territory needs a 'name'");
      item.name = "event" + std::to_string(i);
    } else {
      item.name = it->second.text;
      if (!seen.insert(item.name).second)
        fail(it->second.origin, what + ": '" + item.name + "' is listed twice");
    }
    merge_item(items, std::move(item));
    ++i;
  }
}

bool is_prefix_of_some_path(const std::string& prefix) {
  for (const ParamSpec* p : params_of(Scope::Global))
    if (p->path.rfind(prefix + ".", 0) == 0) return true;
  return false;
}

void read_globals(const YAML::Node& map, const std::string& prefix, const std::string& file, Layer& layer) {
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (prefix.empty() && key == "sweep") {
      continue;  // read by read_layer (top-level file only) and expanded by load_scenarios
    } else if (prefix.empty() && key == "territories") {
      read_items(kv.second, Scope::Territory, file, "territories", layer.territories);
    } else if (prefix.empty() && key == "events") {
      read_items(kv.second, Scope::Event, file, "events", layer.events);
    } else if (prefix.empty() && key == "territory_defaults") {
      for (auto& [k, v] : read_keys(kv.second, Scope::Territory, file, "territory_defaults")) {
        if (k == "name") fail(v.origin, "'name' cannot be given in territory_defaults");
        layer.territory_defaults[k] = v;
      }
    } else if (const ParamSpec* p = find_spec(Scope::Global, path)) {
      layer.global[path] = parse_node(*p, kv.second, file);
    } else if (kv.second.IsMap() && is_prefix_of_some_path(path)) {
      read_globals(kv.second, path, file, layer);
    } else {
      fail(origin_of(kv.first, file), "unknown key '" + path + "'" + suggestion(path, Scope::Global));
    }
  }
}

YAML::Node load_yaml(const std::string& text, const std::string& file) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    fail(Origin{file, e.mark.line + 1, e.mark.column + 1}, "malformed YAML: " + e.msg);
  }
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw ScenarioError(path + ": cannot open scenario file: no such file");
  if (fs::is_directory(path, ec)) throw ScenarioError(path + ": is a directory, not a scenario file");
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw ScenarioError(path + ": cannot open scenario file");
  std::string s;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

// `sweep` receives the file's `sweep:` block; nullptr for base files, where it is an error.
Layer read_layer(const std::string& text, const std::string& file, std::vector<std::string>& chain,
                 YAML::Node* sweep = nullptr) {
  const YAML::Node root = load_yaml(text, file);
  if (!root || root.IsNull()) throw ScenarioError(file + ": empty scenario file");
  if (!root.IsMap()) fail(origin_of(root, file), "a scenario file must be a map of keys at the top level");
  for (const auto& kv : root)
    if (kv.first.IsScalar() && kv.first.Scalar() == "sweep") {
      if (!sweep)
        fail(origin_of(kv.first, file), "'sweep' is read only in the scenario file given to percorsi, not in a base "
                                        "file reached through 'extends'");
      *sweep = kv.second;
    }
  Layer layer;
  if (const YAML::Node ext = root["extends"]) {
    if (!ext.IsScalar()) fail(origin_of(ext, file), "'extends' expects the path of a base scenario file");
    const fs::path base = fs::path(file).parent_path() / ext.Scalar();
    std::error_code ec;
    if (!fs::exists(base, ec)) fail(origin_of(ext, file), "base scenario '" + base.string() + "' not found");
    const std::string canon = fs::weakly_canonical(base).string();
    if (std::find(chain.begin(), chain.end(), canon) != chain.end()) {
      std::string cycle;
      for (const auto& c : chain) cycle += c + " -> ";
      fail(origin_of(ext, file), "'extends' makes a cycle: " + cycle + canon);
    }
    chain.push_back(canon);
    layer = read_layer(read_file(base.string()), base.string(), chain);
    chain.pop_back();
  }
  read_globals(root, "", file, layer);
  return layer;
}

ScopedValues scoped(Scope scope, const std::map<std::string, Value>& defaults, const std::map<std::string, Value>& vals) {
  ScopedValues out;
  for (const ParamSpec* p : params_of(scope)) {
    auto it = vals.find(p->key());
    auto dt = defaults.find(p->key());
    out.v.push_back(it != vals.end() ? it->second : dt != defaults.end() ? dt->second : default_value(*p));
  }
  return out;
}

void resolve_times(Scenario& s) {
  long start = 0;
  if (!date_days(s.at(G::start_date).text, start))
    fail(s.at(G::start_date).origin, "'start_date' must be a date YYYY-MM-DD, got '" + s.at(G::start_date).text + "'");
  for (auto& ev : s.events)
    for (const ParamSpec* p : params_of(Scope::Event)) {
      Value& v = ev.v[p->index];
      long d;
      if (p->kind == Kind::Time && date_days(v.text, d)) {
        v.num = (d - start) / 7.0;
        if (v.num < p->min || v.num > p->max)
          fail(v.origin, "'" + p->path + "' = " + v.text + " is outside the run (before start_date " +
                             s.at(G::start_date).text + " or too late)");
      }
    }
}

Scenario build(const Layer& layer, const std::string& file) {
  Scenario s;
  s.file = file;
  for (const ParamSpec* p : params_of(Scope::Global)) {
    auto it = layer.global.find(p->path);
    if (it != layer.global.end()) s.global.push_back(it->second);
    else if (p->default_text.empty() && p->kind != Kind::Text)
      throw ScenarioError(file + ": missing required key '" + p->path + "' (" + p->description + ")");
    else s.global.push_back(default_value(*p));
  }
  for (const auto& t : layer.territories) s.territories.push_back(scoped(Scope::Territory, layer.territory_defaults, t.vals));
  for (const auto& e : layer.events) s.events.push_back(scoped(Scope::Event, {}, e.vals));
  resolve_times(s);
  s.validate();
  return s;
}

}  // namespace

bool parse_duration(const std::string& text, double& weeks) {
  std::istringstream is(text);
  double x;
  std::string unit, rest;
  if (!(is >> x)) return false;
  if (!(is >> unit)) {
    weeks = x;
    return x == 0;  // a bare number is only accepted for zero
  }
  if (is >> rest) return false;
  if (!unit.empty() && unit.back() == 's') unit.pop_back();
  double f;
  if (unit == "week" || unit == "w") f = 1;
  else if (unit == "day" || unit == "d") f = 1.0 / 7.0;
  else if (unit == "month" || unit == "m") f = 52.0 / 12.0;
  else if (unit == "year" || unit == "y") f = 52.0;
  else return false;
  weeks = x * f;
  return std::isfinite(weeks);
}

int Scenario::weeks() const { return static_cast<int>(std::lround((*this)[G::horizon])); }

Scenario load_scenario(const std::string& path) {
  std::vector<std::string> chain{fs::weakly_canonical(path).string()};
  const std::string text = read_file(path);
  YAML::Node sweep;  // ignored here
  return build(read_layer(text, path, chain, &sweep), path);
}

Scenario parse_scenario(const std::string& yaml_text, const std::string& pseudo_file) {
  std::vector<std::string> chain{fs::weakly_canonical(pseudo_file).string()};
  YAML::Node sweep;  // ignored here
  return build(read_layer(yaml_text, pseudo_file, chain, &sweep), pseudo_file);
}

// ---------------------------------------------------------------------------------------------
// Sweeps

namespace {

// One swept parameter: where it goes and its values (each parsed like file input).
struct Axis {
  std::string path;   // as written in the sweep block (prefixes of nested maps joined by '.')
  std::string label;  // as it appears in expanded names
  const ParamSpec* spec = nullptr;
  int territory = -1;  // territory scope: -1 = every territory, else this one
  int event = -1;      // event scope: this event
  Origin origin;       // of the key
  std::vector<Value> values;
};

// "6 months" -> "6months"; characters that cannot be in a scenario name ('/', '@', and ','
// and ':' which separate names in lists and sweep keys) become '_'.
std::string name_part(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    out += (c == '/' || c == '@' || c == ',' || c == ':') ? '_' : c;
  }
  return out;
}

// Splits "territories[Novara].shelter_beds" into ("territories", "Novara", "shelter_beds");
// false when the path has no "[...]." selector.
bool split_selector(const std::string& path, std::string& head, std::string& sel, std::string& key) {
  const auto open = path.find('['), close = path.find("].");
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  head = path.substr(0, open);
  sel = path.substr(open + 1, close - open - 1);
  key = path.substr(close + 2);
  return true;
}

Axis make_axis(const Scenario& base, const std::string& path, const YAML::Node& key_node, const YAML::Node& list,
               const std::string& file) {
  Axis a;
  a.path = path;
  a.origin = origin_of(key_node, file);
  std::string head, sel, key;
  if (const ParamSpec* p = find_spec(Scope::Global, path)) {
    if (p->index == static_cast<int>(G::name) || p->index == static_cast<int>(G::extends))
      fail(a.origin, "'" + path + "' cannot be swept (each grid point is named after the swept values)");
    a.spec = p;
  } else if (path.rfind("territory_defaults.", 0) == 0 || path.rfind("territories.", 0) == 0) {
    key = path.substr(path.find('.') + 1);
    a.spec = find_spec(Scope::Territory, key);
    if (!a.spec) fail(a.origin, "unknown territory key '" + key + "' in sweep" + suggestion(key, Scope::Territory));
  } else if (split_selector(path, head, sel, key) && (head == "territories" || head == "events")) {
    const Scope scope = head == "territories" ? Scope::Territory : Scope::Event;
    a.spec = find_spec(scope, key);
    if (!a.spec) fail(a.origin, "unknown " + std::string(head == "territories" ? "territory" : "event") + " key '" +
                                    key + "' in sweep" + suggestion(key, scope));
    if (a.spec->key() == "name") fail(a.origin, "'" + path + "' cannot be swept");
    if (scope == Scope::Territory && !sel.empty()) {
      for (int t = 0; t < static_cast<int>(base.territories.size()); ++t)
        if (base.territory_name(t) == sel) a.territory = t;
      if (a.territory < 0) fail(a.origin, "sweep '" + path + "': the scenario has no territory '" + sel + "'");
    } else if (scope == Scope::Event) {
      for (int e = 0; e < static_cast<int>(base.events.size()); ++e)
        if (base.events[e].at(E::name).text == sel) a.event = e;
      if (a.event < 0)
        fail(a.origin, "sweep '" + path + "': the scenario has no event '" + sel + "' (write events[<name>].<key>)");
    }
  } else {
    fail(a.origin, "unknown parameter '" + path + "' in sweep" + suggestion(path, Scope::Global) +
                       "; territory keys are written territories[].<key> (every territory) or "
                       "territories[<name>].<key>, event keys events[<name>].<key>");
  }
  if (!list.IsSequence())
    fail(origin_of(list, file), "sweep '" + path + "' expects a list of values, e.g. [0.25, 0.5]");
  if (list.size() == 0) fail(origin_of(list, file), "sweep '" + path + "' has no values");
  std::set<std::string> seen;
  for (const auto& el : list) {
    Value v = parse_node(*a.spec, el, file);
    if (!seen.insert(v.text).second) fail(v.origin, "sweep '" + path + "': value '" + v.text + "' is listed twice");
    a.values.push_back(std::move(v));
  }
  // Label: the last segment of the key, with the territory or event selected by name.
  const std::string last = a.spec->key().substr(a.spec->key().rfind('.') + 1);
  a.label = sel.empty() ? last : name_part(sel) + "." + last;
  return a;
}

void read_axes(const Scenario& base, const YAML::Node& map, const std::string& prefix, const std::string& file,
               std::vector<Axis>& axes) {
  for (const auto& kv : map) {
    const std::string path = prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
    if (kv.second.IsMap() && !find_spec(Scope::Global, path)) {
      read_axes(base, kv.second, path, file, axes);
      continue;
    }
    Axis a = make_axis(base, path, kv.first, kv.second, file);
    for (const auto& b : axes)
      if (b.spec == a.spec && b.territory == a.territory && b.event == a.event)
        fail(a.origin, "sweep '" + path + "' sets the same parameter as '" + b.path + "' (line " +
                           std::to_string(b.origin.line) + ")");
    axes.push_back(std::move(a));
  }
}

void apply(Scenario& s, const Axis& a, const Value& v) {
  switch (a.spec->scope) {
    case Scope::Global: s.global[a.spec->index] = v; break;
    case Scope::Territory:
      for (int t = 0; t < static_cast<int>(s.territories.size()); ++t)
        if (a.territory < 0 || a.territory == t) s.territories[t].v[a.spec->index] = v;
      break;
    case Scope::Event: s.events[a.event].v[a.spec->index] = v; break;
  }
}

std::vector<Scenario> expand(const Scenario& base, const YAML::Node& sweep, const std::string& file) {
  if (!sweep || sweep.IsNull()) return {base};
  if (!sweep.IsMap())
    fail(origin_of(sweep, file), "'sweep' must be a map of parameter paths to lists of values, e.g. "
                                 "{housing.hf_share: [0.25, 0.5]}");
  std::vector<Axis> axes;
  read_axes(base, sweep, "", file, axes);
  if (axes.empty()) return {base};
  // Labels must tell the axes apart: where two share one, use the whole paths.
  for (auto& a : axes)
    for (auto& b : axes)
      if (&a != &b && a.label == b.label) a.label = name_part(a.path), b.label = name_part(b.path);
  std::size_t points = 1;
  for (const auto& a : axes) {
    points *= a.values.size();
    if (points > 1000000) fail(axes.front().origin, "the sweep has more than 1,000,000 grid points");
  }
  std::vector<Scenario> out;
  out.reserve(points);
  std::map<std::string, std::size_t> names;
  for (std::size_t i = 0; i < points; ++i) {
    Scenario s = base;
    std::string name = base.name();
    std::size_t rest = i;
    std::vector<std::size_t> pick(axes.size());
    for (std::size_t k = axes.size(); k-- > 0;) {  // the last axis varies fastest
      pick[k] = rest % axes[k].values.size();
      rest /= axes[k].values.size();
    }
    for (std::size_t k = 0; k < axes.size(); ++k) {
      const Value& v = axes[k].values[pick[k]];
      apply(s, axes[k], v);
      name += ":" + axes[k].label + "=" + name_part(v.text);
      s.sweep.emplace_back(axes[k].path, v.text);
    }
    if (auto [it, fresh] = names.emplace(name, i); !fresh)
      fail(axes.front().origin, "two points of the sweep get the same name '" + name + "'");
    s.global[static_cast<int>(G::name)].text = name;
    try {
      resolve_times(s);
      s.validate();
    } catch (const ScenarioError& e) {
      // Name the grid point and where its values are written.
      std::string values;
      for (std::size_t k = 0; k < axes.size(); ++k) {
        const Value& v = axes[k].values[pick[k]];
        values += (k ? ", " : "") + axes[k].path + " = " + v.text + " at " + v.origin.where();
      }
      fail(axes.front().values[pick.front()].origin,
           "sweep point '" + name + "' (" + values + ") is not a valid scenario: " + e.what());
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::vector<Scenario> load_scenarios(const std::string& path) {
  std::vector<std::string> chain{fs::weakly_canonical(path).string()};
  const std::string text = read_file(path);
  YAML::Node sweep;
  const Scenario base = build(read_layer(text, path, chain, &sweep), path);
  return expand(base, sweep, path);
}

std::vector<Scenario> parse_scenarios(const std::string& yaml_text, const std::string& pseudo_file) {
  std::vector<std::string> chain{fs::weakly_canonical(pseudo_file).string()};
  YAML::Node sweep;
  const Scenario base = build(read_layer(yaml_text, pseudo_file, chain, &sweep), pseudo_file);
  return expand(base, sweep, pseudo_file);
}

std::string Scenario::sweep_yaml() const {
  if (sweep.empty()) return "";
  YAML::Emitter out;
  out << YAML::Flow << YAML::BeginMap;
  for (const auto& [path, value] : sweep) out << YAML::Key << path << YAML::Value << value;
  out << YAML::EndMap;
  return out.c_str();
}

void Scenario::set(const std::string& path, const std::string& yaml_value, int territory) {
  const Origin o{"<set " + path + ">", 0, 0};
  auto parse = [&](const ParamSpec& p) {
    const YAML::Node n = load_yaml(yaml_value, o.file);
    if (!n.IsScalar()) fail(o, "'" + path + "' expects a " + kind_name(p.kind) + " value");
    Value v = parse_text(p, n.Scalar(), o);
    return v;
  };
  if (const ParamSpec* p = find_spec(Scope::Global, path)) {
    global[p->index] = parse(*p);
    if (p->index == static_cast<int>(G::start_date)) resolve_times(*this);
    return;
  }
  std::string key = path;
  for (const char* pre : {"territories[].", "territories.", "territory_defaults."})
    if (key.rfind(pre, 0) == 0) key = key.substr(std::string(pre).size());
  if (const ParamSpec* p = find_spec(Scope::Territory, key)) {
    const Value v = parse(*p);
    for (int t = 0; t < static_cast<int>(territories.size()); ++t)
      if (territory < 0 || territory == t) territories[t].v[p->index] = v;
    return;
  }
  throw ScenarioError("unknown parameter '" + path + "'" + suggestion(path, Scope::Global));
}

void Scenario::validate() const {
  if (territories.empty()) throw ScenarioError(file + ": the scenario needs at least one territory under 'territories'");
  std::set<std::string> names;
  for (const auto& t : territories)
    if (!names.insert(t.at(T::name).text).second)
      fail(t.at(T::name).origin, "territory '" + t.at(T::name).text + "' is listed twice");
  const double shares = (*this)[G::population_initial_street] + (*this)[G::population_initial_shelter] + (*this)[G::population_initial_transitional];
  if (shares > 1 + 1e-9)
    fail(at(G::population_initial_transitional).origin,
         "population.initial street + shelter + transitional shares sum to " + shortest(shares) + ", more than 1");
  if ((*this)[G::population_age_min] > (*this)[G::population_age_max])
    fail(at(G::population_age_min).origin, "population.age.min is above population.age.max");
  for (const auto& e : events) {
    if (e[E::end] <= e[E::start])
      fail(e.at(E::end).origin, "event '" + e.at(E::name).text + "' ends (" + e.at(E::end).text +
                                      ") before or when it starts (" + e.at(E::start).text + ")");
    const std::string& tn = e.at(E::territory).text;
    if (!tn.empty() && !names.count(tn))
      fail(e.at(E::territory).origin, "event '" + e.at(E::name).text + "' names unknown territory '" + tn + "'");
  }
}

namespace {
std::string emit_value(const ParamSpec& p, const Value& v) {
  switch (p.kind) {
    case Kind::Real:
    case Kind::Int: return shortest(v.num);
    case Kind::Bool: return v.num != 0 ? "true" : "false";
    case Kind::Duration:
    case Kind::Time: return shortest(v.num) + " weeks";
    default: return v.text;
  }
}

void emit_scoped(YAML::Emitter& out, Scope scope, const ScopedValues& sv) {
  out << YAML::BeginMap;
  for (const ParamSpec* p : params_of(scope)) out << YAML::Key << p->key() << YAML::Value << emit_value(*p, sv.v[p->index]);
  out << YAML::EndMap;
}
}  // namespace

std::string Scenario::to_yaml() const {
  // Global keys as nested maps in registry order.
  struct TreeNode {
    std::string key;
    const ParamSpec* spec = nullptr;
    std::vector<TreeNode> kids;
  };
  TreeNode root;
  for (const ParamSpec* p : params_of(Scope::Global)) {
    if (p->index == static_cast<int>(G::extends)) continue;
    TreeNode* at = &root;
    std::string rest = p->path;
    for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
      const std::string seg = rest.substr(0, dot);
      rest = rest.substr(dot + 1);
      auto it = std::find_if(at->kids.begin(), at->kids.end(), [&](const TreeNode& n) { return n.key == seg && !n.spec; });
      if (it == at->kids.end()) {
        at->kids.push_back(TreeNode{seg, nullptr, {}});
        it = at->kids.end() - 1;
      }
      at = &*it;
    }
    at->kids.push_back(TreeNode{rest, p, {}});
  }
  YAML::Emitter out;
  std::function<void(const TreeNode&)> emit = [&](const TreeNode& n) {
    for (const auto& k : n.kids) {
      out << YAML::Key << k.key << YAML::Value;
      if (k.spec) {
        out << emit_value(*k.spec, global[k.spec->index]);
      } else {
        out << YAML::BeginMap;
        emit(k);
        out << YAML::EndMap;
      }
    }
  };
  out << YAML::BeginMap;
  emit(root);
  out << YAML::Key << "territories" << YAML::Value << YAML::BeginSeq;
  for (const auto& t : territories) emit_scoped(out, Scope::Territory, t);
  out << YAML::EndSeq;
  if (!events.empty()) {
    out << YAML::Key << "events" << YAML::Value << YAML::BeginSeq;
    for (const auto& e : events) emit_scoped(out, Scope::Event, e);
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace percorsi
