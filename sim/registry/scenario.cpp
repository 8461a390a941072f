#include "sim/registry/scenario.hpp"
#include "sim/registry/suggest.hpp"
#include "sim/registry/overlay.hpp"
#include "sim/registry/yaml_input.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
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
std::string join_errors(const std::vector<std::string>& errors, bool truncated) {
  std::string s;
  for (const auto& e : errors) s += (s.empty() ? "" : "\n") + e;
  if (truncated) s += "\n(stopped after the first " + std::to_string(kMaxErrors) + " errors; there may be more)";
  return s;
}
}  // namespace

ScenarioError::ScenarioError(std::vector<std::string> errors, bool truncated)
    : std::runtime_error(join_errors(errors, truncated)), errors_(std::move(errors)), truncated_(truncated) {}

namespace {

// Limits that keep loading bounded whatever the input: scenario files are a few kilobytes.
constexpr std::uintmax_t kMaxFileBytes = 4u << 20;  // 4 MiB
constexpr std::size_t kMaxSweepPoints = 100000;        // grid points of a sweep
constexpr std::uint64_t kMaxSweepBytes = std::uint64_t(1) << 30;  // and the memory they take (1 GiB)
constexpr std::uint64_t kMaxNodes = 100000;         // YAML nodes, aliases counted at every use
constexpr std::size_t kMaxDepth = 32;               // nesting of maps and lists
constexpr std::size_t kMaxNameLength = 1000;        // scenario names (sweep points add to them)
constexpr std::size_t kMaxSuggestLength = 64;       // longer words get no "did you mean"

[[noreturn]] void fail(const Origin& o, const std::string& msg) { throw ScenarioError(o.where() + ": " + msg); }


std::string shortest(double x) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

// A computed number for messages: six significant digits (1.7, not 1.7000000000000002).
std::string rounded(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

// A value as shown in messages: control characters escaped, long text cut.
std::string shown(const std::string& s, std::size_t limit = 60) {
  std::string out;
  for (unsigned char c : s) {
    if (out.size() >= limit && (c & 0xC0) != 0x80) {
      out += "... (" + std::to_string(s.size()) + " characters)";
      break;
    }
    if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
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

// YAML's and C's spellings of infinity and not-a-number (.inf, -.Inf, .nan, nan, inf...).
bool non_finite_word(std::string s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.erase(0, 1);
  if (!s.empty() && s[0] == '.') s.erase(0, 1);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "inf" || s == "infinity" || s == "nan";
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

// An event's end written `open`: in force to the end of any run (stored as the largest end).
bool is_open_end(const ParamSpec& p, const std::string& s) { return p.scope == Scope::Event && p.key() == "end" && s == "open"; }

// Parses one value written as text (from YAML or a registry default).
Value parse_text(const ParamSpec& p, const std::string& s, const Origin& o) {
  Value v{0, s, o};
  const std::string what = "'" + p.path + "'";
  auto check_range = [&](double x) {
    if (x < p.min || x > p.max) fail(o, what + " = " + shown(s) + " is out of range: allowed " + range_text(p));
  };
  switch (p.kind) {
    case Kind::Real:
    case Kind::Int:
      if (!parse_number(s, v.num)) {
        if (non_finite_word(s)) fail(o, what + " must be a finite number, got '" + shown(s) + "'");
        fail(o, what + " expects " + (p.kind == Kind::Int ? "an integer" : "a number") +
                    (p.unit.empty() ? "" : " (" + p.unit + ")") + ", got '" + shown(s) + "'");
      }
      if (p.kind == Kind::Int && v.num != std::floor(v.num)) fail(o, what + " expects an integer, got '" + shown(s) + "'");
      check_range(v.num);
      break;
    case Kind::Bool:
      if (s == "true" || s == "yes" || s == "on") v.num = 1;
      else if (s == "false" || s == "no" || s == "off") v.num = 0;
      else fail(o, what + " expects true or false, got '" + shown(s) + "'");
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
        fail(o, what + " must be one of: " + list + "; got '" + shown(s) + "'" +
                    (best <= 3 ? " (did you mean '" + near + "'?)" : ""));
      }
      v.num = static_cast<double>(it - p.choices.begin());
      break;
    }
    case Kind::Time:
      if (is_open_end(p, s)) {
        v.num = p.max;
        break;
      }
      if (s == "open") fail(o, what + ": only an event's end may be 'open'");
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
                    std::string(p.kind == Kind::Time ? " or a date (YYYY-MM-DD)" : "") +
                    std::string(is_open_end(p, "open") ? " or 'open' (to the end of the run)" : "") + ", got '" +
                    shown(s) + "'");
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

bool required(const ParamSpec& p) { return p.default_text.empty() && p.kind != Kind::Text; }

// Keys that say how files are merged, not what the model does: not part of a resolved scenario.
bool loading_directive(const ParamSpec& p) {
  return p.path == "territories_replace" || p.path == "events_replace" || (p.scope != Scope::Global && p.key() == "new");
}

// ---------------------------------------------------------------------------------------------
// Reading a file safely: bounded size, text only, no tabs in indentation, one YAML document of
// bounded size once aliases are expanded, no duplicate keys.

}  // namespace

std::string input_file_problem(const std::string& path, const std::string& noun) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return "cannot open " + noun + ": no such file";
  if (fs::is_directory(st)) return "is a directory, not a " + noun;
  if (!fs::is_regular_file(st)) return "is not a regular file (a device or a pipe?), not a " + noun;
  if (fs::file_size(path, ec) > kMaxFileBytes)  // before reading any of it
    return "is larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB: not a " + noun;
  return "";
}

namespace {

// Reads at most kMaxFileBytes of a regular file; false with the reason in `why` otherwise.
bool read_text(const fs::path& path, std::string& text, std::string& why, const std::string& noun = "scenario file") {
  why = input_file_problem(path.string(), noun);
  if (!why.empty()) return false;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    why = "cannot open " + noun + ": " + std::strerror(errno);
    return false;
  }
  text.clear();
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() <= kMaxFileBytes) text.append(buf, n);
  std::fclose(f);
  if (text.size() > kMaxFileBytes) {
    why = "is larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB: not a " + noun;
    return false;
  }
  return true;
}

// The 1-based line and column of byte `at` of `text`.
Origin position(const std::string& text, std::size_t at, const std::string& file) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i < at && i < text.size(); ++i) {
    if (text[i] == '\n') ++line, col = 1;
    else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++col;
  }
  return Origin{file, line, col};
}

// Text must be UTF-8 without NUL bytes (a binary file is no scenario).
bool check_text(const std::string& text, const std::string& file, Errors& errs) {
  std::size_t i = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // byte order mark
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && c != 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      char b[8];
      std::snprintf(b, sizeof b, "0x%02x", c);
      errs.add(position(text, i, file), std::string("not a text file: ") + (c == 0 ? "a NUL byte" : "byte ") +
                                            (c == 0 ? "" : b) + " that is not UTF-8 text (a binary file?)");
      return false;
    }
    i += len;
  }
  return true;
}

// YAML indents with spaces: a tab before the first character of a line is reported as such
// (yaml-cpp says "illegal map value" or ignores it).
bool check_tabs(const std::string& text, const std::string& file, Errors& errs) {
  bool ok = true;
  std::size_t i = 0;
  while (i < text.size() && !errs.full()) {
    const std::size_t start = i;
    std::size_t tab = std::string::npos;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
      if (text[i] == '\t' && tab == std::string::npos) tab = i;
      ++i;
    }
    const bool content = i < text.size() && text[i] != '\n' && text[i] != '\r' && text[i] != '#';
    if (tab != std::string::npos && content) {
      errs.add(position(text, tab, file), "a tab character in the indentation: YAML indents with spaces only (replace "
                                          "the tab with spaces)");
      ok = false;
    }
    const std::size_t nl = text.find('\n', start);
    i = nl == std::string::npos ? text.size() : nl + 1;
  }
  return ok;
}

// A fatal problem found while scanning (too deep, too large once aliases are expanded).
struct ScanStop {
  YAML::Mark mark;
  std::string msg;
};

// Walks the YAML events of a document once, before any node is built: reports duplicate keys
// (yaml-cpp keeps both and lookups see one), and stops documents that nest too deeply or whose
// aliases expand to too many nodes ("billion laughs").
class Scan final : public YAML::EventHandler {
 public:
  Scan(const std::string& file, Errors& errs) : file_(file), errs_(errs) {}
  std::vector<YAML::Mark> documents;

  void OnDocumentStart(const YAML::Mark& m) override { documents.push_back(m); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { done(m, a, 1, 1, nullptr); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t a) override {
    aliased_ = true;
    const std::uint64_t n = a < sizes_.size() ? sizes_[a] : 1;
    done(m, 0, n, n, nullptr);
  }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t a, const std::string& value) override {
    done(m, a, 1, 1, &value);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a, false);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a, true);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    bool map;
    YAML::anchor_t anchor;
    YAML::Mark mark;
    std::uint64_t size = 1;
    bool at_key = true;
    std::map<std::string, YAML::Mark> keys;
  };
  void open(const YAML::Mark& m, YAML::anchor_t a, bool map) {
    if (stack_.size() >= kMaxDepth)
      throw ScanStop{m, "maps and lists nested more than " + std::to_string(kMaxDepth) + " levels deep"};
    stack_.push_back(Frame{map, a, m, 1, true, {}});
  }
  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    done(f.mark, f.anchor, f.size, 1, nullptr);  // its children are counted already
  }
  // A node is complete: `size` nodes once expanded, `added` of them not counted yet. Records an
  // anchor's size, counts the node in its parent, checks keys.
  void done(const YAML::Mark& m, YAML::anchor_t a, std::uint64_t size, std::uint64_t added, const std::string* scalar) {
    if (a) {
      if (sizes_.size() <= a) sizes_.resize(a + 1, 1);
      sizes_[a] = size;
    }
    total_ += added;
    if ((total_ > kMaxNodes || size > kMaxNodes) && aliased_)
      throw ScanStop{m, "the document expands to more than " + std::to_string(kMaxNodes) +
                            " nodes once its aliases are expanded (an alias bomb?); scenario files need no "
                            "deep aliasing"};
    if (total_ > kMaxNodes || size > kMaxNodes)  // many nodes written out: a generated file?
      throw ScanStop{m, "the document has more than " + std::to_string(kMaxNodes) +
                            " values (keys, scalars, maps and lists); a scenario file needs a few hundred: is this "
                            "file generated, or not a scenario?"};
    if (stack_.empty()) return;
    Frame& p = stack_.back();
    if (p.map && p.at_key && scalar) {
      auto [it, fresh] = p.keys.emplace(*scalar, m);
      if (!fresh)
        errs_.add(origin_of(m, file_), "duplicate key '" + shown(*scalar) + "': already given at " +
                                           origin_of(it->second, file_).where() +
                                           " (YAML would silently keep only one: remove one of them)");
    }
    if (p.map) p.at_key = !p.at_key;
    p.size += size;
  }

  const std::string& file_;
  Errors& errs_;
  std::vector<Frame> stack_;
  std::vector<std::uint64_t> sizes_;  // expanded size of each anchored node
  std::uint64_t total_ = 0;
  bool aliased_ = false;  // an alias was used (the size may come from expanding them)
};

// Parses the one document of a scenario file. Problems that make the text no scenario at all
// (not text, tabs, malformed YAML, too deep or too large, several documents, empty, not a map)
// go to `fatal`; duplicate keys to `errs`.
bool document(const std::string& text, const std::string& file, Errors& fatal, Errors& errs, YAML::Node& root,
              const std::string& noun = "scenario file") {
  if (!check_text(text, file, fatal) || !check_tabs(text, file, fatal)) return false;
  const Origin top{file, 1, 1};
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    Scan scan(file, errs);
    if (!parser.HandleNextDocument(scan)) {
      fatal.add(top, "empty " + noun + " (no keys)");
      return false;
    }
    if (parser.HandleNextDocument(scan)) {
      fatal.add(origin_of(scan.documents.back(), file),
                "a second YAML document (after '---'): a " + noun + " holds one document");
      return false;
    }
    root = YAML::Load(text);
  } catch (const ScanStop& e) {
    fatal.add(origin_of(e.mark, file), e.msg);
    return false;
  } catch (const YAML::Exception& e) {
    fatal.add(origin_of(e.mark, file), "malformed YAML: " + e.msg);
    return false;
  }
  if (!root || root.IsNull()) {
    fatal.add(top, "empty " + noun + " (no keys)");
    return false;
  }
  if (!root.IsMap()) {
    fatal.add(origin_of(root, file),
              "a " + noun + " must be a map of keys at the top level, got " + node_kind(root));
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Layers: one file's values, with its bases' values underneath.

struct Item {
  std::string name;
  bool unnamed = false;  // an event without a name: always added, never merged
  Origin origin;         // of the item's map
  std::map<std::string, Value> vals;  // by key
};
struct Layer {
  std::map<std::string, Value> global;  // by path
  std::map<std::string, Value> territory_defaults;
  std::vector<Item> territories, events;
  Origin territories_origin;
  std::set<std::string> bad;  // global paths given with an invalid value (not "missing")
  std::vector<YamlBlock> trials;  // the `trial:` blocks of the chain, bases first (sim/registry/trial_spec.hpp)
  bool broken = false;        // a file of the chain is no scenario: nothing to check further
};

// What one load carries through the chain of `extends`.
struct Ctx {
  Errors& errs;
  std::vector<std::string> chain;  // canonical paths, the given file first
  std::vector<Origin> links;       // links[i]: the `extends` of chain[i]
  std::vector<std::string> files;  // every file of the chain as its values' origins name it, the given file first
};

void merge_item(std::vector<Item>& items, Item item) {
  if (!item.unnamed)
    for (auto& it : items)
      if (!it.unnamed && it.name == item.name) {
        for (auto& [k, v] : item.vals) it.vals[k] = v;
        return;
      }
  items.push_back(std::move(item));
}

// The keys of one map of a scope; every problem is recorded, the good keys returned.
std::map<std::string, Value> read_keys(const YAML::Node& map, Scope scope, const std::string& file,
                                       const std::string& context, Errors& errs, bool& ok) {
  std::map<std::string, Value> vals;
  ok = map.IsMap();
  if (!ok) {
    errs.add(origin_of(map, file), context + " must be a map of keys, got " + node_kind(map) +
                                       (map.IsScalar() ? " (write {name: " + shown(map.Scalar()) + ", ...})" : ""));
    return vals;
  }
  for (const auto& kv : map) {
    if (errs.full()) break;
    if (!kv.first.IsScalar()) {
      errs.add(origin_of(kv.first, file), "a key in " + context + " must be a plain name, got " + node_kind(kv.first));
      continue;
    }
    const std::string key = kv.first.Scalar();
    const ParamSpec* p = find_param(scope, key);
    if (!p) {
      errs.add(origin_of(kv.first, file), "unknown key '" + shown(key) + "' in " + context + suggestion(key, scope));
      continue;
    }
    errs.guard([&] { vals[key] = parse_node(*p, kv.second, file); });
  }
  return vals;
}

std::string name_list(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size() && i < 10; ++i) s += (i ? ", " : "") + shown(names[i]);
  if (names.size() > 10) s += ", ...";
  return s.empty() ? "none" : s;
}

// The items of `territories:` or `events:`. With `check` (the file extends a base), a name that
// matches none of the base's items must be marked `new: true`.
void read_items(const YAML::Node& seq, Scope scope, const std::string& file, const std::string& what, Errors& errs,
                std::vector<Item>& items, bool check) {
  const std::string noun = scope == Scope::Territory ? "territory" : "event";
  const std::string article = scope == Scope::Territory ? "a" : "an";
  if (!seq.IsSequence()) {
    errs.add(origin_of(seq, file), "'" + what + "' must be a list of maps, e.g. [{name: ...}], got " + node_kind(seq));
    return;
  }
  std::vector<std::string> base_names;
  for (const auto& it : items)
    if (!it.unnamed) base_names.push_back(it.name);
  std::set<std::string> seen;
  int i = -1;
  for (const auto& el : seq) {
    ++i;
    if (errs.full()) return;
    Item item;
    item.origin = origin_of(el, file);
    bool ok = true;
    item.vals = read_keys(el, scope, file, what + "[" + std::to_string(i) + "]", errs, ok);
    if (!ok) continue;
    auto nm = item.vals.find("name");
    if (nm == item.vals.end() || nm->second.text.empty()) {
      if (scope == Scope::Territory) {
        errs.add(item.origin, "each territory needs a 'name'");
        continue;
      }
      item.unnamed = true;
      item.name = file + "#" + std::to_string(i);
    } else {
      item.name = nm->second.text;
      if (!seen.insert(item.name).second) {
        errs.add(nm->second.origin, what + ": '" + shown(item.name) + "' is listed twice");
        continue;
      }
    }
    auto nw = item.vals.find("new");
    const bool is_new = nw != item.vals.end() && nw->second.num != 0;
    // Only a base with items of this kind can be misspelt: with none, every item is new.
    if (check && !item.unnamed && !base_names.empty()) {
      const bool in_base = std::find(base_names.begin(), base_names.end(), item.name) != base_names.end();
      if (!in_base && !is_new) {
        const std::string hint = closest(item.name, base_names);
        errs.add(nm->second.origin, noun + " '" + shown(item.name) + "' matches none of the base's " + what + hint +
                                        (hint.empty() ? " (the base has: " + name_list(base_names) + ")" : "") +
                                        "; to add " + article + " " + noun + " the base does not have, mark it new: true" +
                                        (scope == Scope::Territory ? " (or replace the base's with territories_replace: true)" : ""));
        continue;
      }
      if (in_base && is_new) {
        errs.add(nw->second.origin, noun + " '" + shown(item.name) + "' is marked new: true, but the base already has it; "
                                           "remove new: true to change the base's " + noun);
        continue;
      }
    }
    merge_item(items, std::move(item));
  }
}

bool is_prefix_of_some_path(const std::string& prefix) {
  for (const ParamSpec* p : params_of(Scope::Global))
    if (p->path.rfind(prefix + ".", 0) == 0) return true;
  return false;
}

// "{a: {b: v}}" for the path "a.b" and the value v.
std::string nested_example(const std::string& rest, const std::string& value) {
  const auto dot = rest.find('.');
  if (dot == std::string::npos) return "{" + rest + ": " + value + "}";
  return "{" + rest.substr(0, dot) + ": " + nested_example(rest.substr(dot + 1), value) + "}";
}

// A section of keys (`housing`, `cpi`...) given something else than a map.
std::string section_message(const std::string& path, const YAML::Node& v) {
  std::vector<const ParamSpec*> keys;
  std::vector<std::string> children;
  for (const ParamSpec* p : params_of(Scope::Global))
    if (p->path.rfind(path + ".", 0) == 0) {
      keys.push_back(p);
      std::string child = p->path.substr(path.size() + 1);
      child = child.substr(0, child.find('.'));
      if (std::find(children.begin(), children.end(), child) == children.end()) children.push_back(child);
    }
  // The key the value most likely belongs to: a choice that has it, else the section's first key.
  const ParamSpec* best = keys.front();
  std::string value = "...";
  if (v.IsScalar()) {
    for (const ParamSpec* p : keys)
      if (p->kind == Kind::Choice && std::find(p->choices.begin(), p->choices.end(), v.Scalar()) != p->choices.end()) {
        best = p, value = v.Scalar();
        break;
      }
  }
  const std::string last = path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
  const std::string got = v.IsScalar() ? "the value '" + shown(v.Scalar()) + "'" : node_kind(v);
  std::string list;
  for (std::size_t i = 0; i < children.size() && i < 8; ++i) list += (i ? ", " : "") + children[i];
  if (children.size() > 8) list += ", ...";
  return "'" + path + "' is a section of keys, not a value (got " + got + "): write it as a map, e.g. `" + last + ": " +
         nested_example(best->path.substr(path.size() + 1), value) + "` (its keys: " + list + ")";
}

void read_globals(const YAML::Node& map, const std::string& prefix, const std::string& file, Errors& errs,
                  Layer& layer, bool check) {
  for (const auto& kv : map) {
    if (errs.full()) return;
    const Origin ko = origin_of(kv.first, file);
    if (!kv.first.IsScalar()) {
      errs.add(ko, std::string("a key must be a plain name, got ") + node_kind(kv.first));
      continue;
    }
    const std::string key = kv.first.Scalar();
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (prefix.empty() && key == "sweep") {
      continue;  // read by read_layer (top-level file only) and expanded by load_scenarios
    } else if (prefix.empty() && key == "trial") {
      layer.trials.push_back(YamlBlock{file, kv.second});  // read by load_trial (trial_spec.cpp)
    } else if (prefix.empty() && key == "territories") {
      layer.territories_origin = ko;
      read_items(kv.second, Scope::Territory, file, "territories", errs, layer.territories, check);
    } else if (prefix.empty() && key == "events") {
      read_items(kv.second, Scope::Event, file, "events", errs, layer.events, check);
    } else if (prefix.empty() && key == "territory_defaults") {
      bool ok = true;
      for (auto& [k, v] : read_keys(kv.second, Scope::Territory, file, "territory_defaults", errs, ok)) {
        if (k == "name" || k == "new") errs.add(v.origin, "'" + k + "' cannot be given in territory_defaults");
        else layer.territory_defaults[k] = v;
      }
    } else if (const ParamSpec* p = find_param(Scope::Global, path)) {
      if (!errs.guard([&] { layer.global[path] = parse_node(*p, kv.second, file); })) layer.bad.insert(path);
    } else if (is_prefix_of_some_path(path)) {
      if (kv.second.IsMap()) read_globals(kv.second, path, file, errs, layer, check);
      else if (!kv.second.IsNull()) errs.add(ko, section_message(path, kv.second));
    } else {
      errs.add(ko, "unknown key '" + shown(path) + "'" + suggestion(path, Scope::Global));
    }
  }
}

// Reads one file of the chain into `layer` (its bases first). `sweep` receives the file's
// `sweep:` block; nullptr for base files, where it is an error. `via`: for a base file, the
// `extends` that reaches it, where problems making the file no scenario are reported.
void read_layer(const std::string& text, const std::string& file, Ctx& cx, Layer& layer, YAML::Node* sweep,
                const Origin* via) {
  Errors& errs = cx.errs;
  Errors fatal;
  YAML::Node root;
  cx.files.push_back(file);
  if (!document(text, file, fatal, errs, root)) {
    layer.broken = true;
    if (via)
      errs.add(*via, "'extends' target '" + shown(file, 400) + "' is not a scenario file: " + fatal.list.front() +
                         (fatal.list.size() > 1 ? " (and more)" : ""));
    else
      for (const auto& e : fatal.list) errs.add(e);
    return;
  }
  for (const auto& kv : root)
    if (kv.first.IsScalar() && kv.first.Scalar() == "sweep") {
      if (!sweep)
        errs.add(origin_of(kv.first, file), "'sweep' is read only in the scenario file given to percorsi, not in a "
                                            "base file reached through 'extends'");
      else
        *sweep = kv.second;
    }
  bool has_base = false;
  const YAML::Node ext = root["extends"];
  if (ext) {
    const Origin eo = origin_of(ext, file);
    if (!ext.IsScalar() || ext.Scalar().empty()) {
      errs.add(eo, "'extends' expects the path of a base scenario file");
      layer.broken = true;
    } else {
      const fs::path base = fs::path(file).parent_path() / ext.Scalar();
      const std::string target = base.string();
      std::error_code ec;
      std::string btext, why;
      const std::string canon = fs::weakly_canonical(base, ec).string();
      auto in_chain = std::find(cx.chain.begin(), cx.chain.end(), canon);
      if (!fs::exists(base, ec)) {
        errs.add(eo, "base scenario '" + shown(target, 400) + "' not found");
        layer.broken = true;
      } else if (in_chain != cx.chain.end()) {
        std::string cycle;
        for (const auto& c : cx.chain) cycle += c + " -> ";
        // Reported at the given file's own `extends` (the user's file), naming where it closes.
        const Origin at = cx.links.empty() ? eo : cx.links.front();
        errs.add(at, "'extends' makes a cycle: " + cycle + canon + (cx.links.empty() ? "" : " (closed at " + eo.where() + ")"));
        layer.broken = true;
      } else if (!read_text(base, btext, why)) {
        errs.add(eo, "'extends' target '" + shown(target, 400) + "' " + why);
        layer.broken = true;
      } else {
        cx.chain.push_back(canon);
        cx.links.push_back(eo);
        read_layer(btext, target, cx, layer, nullptr, &eo);
        cx.chain.pop_back();
        cx.links.pop_back();
        has_base = !layer.broken;
      }
    }
  }
  // territories_replace / events_replace: start from none of the base's items.
  auto replace = [&](const char* key) {
    const YAML::Node n = root[key];
    if (!n || !n.IsScalar() || !(n.Scalar() == "true" || n.Scalar() == "yes" || n.Scalar() == "on")) return false;
    if (!ext)
      errs.add(origin_of(n, file), std::string("'") + key + "' is for a file that extends a base: this file has no "
                                                            "'extends', so there is nothing to replace");
    return true;
  };
  if (replace("territories_replace") && has_base) layer.territories.clear();
  if (replace("events_replace") && has_base) layer.events.clear();
  read_globals(root, "", file, errs, layer, has_base);
}

ScopedValues scoped(Scope scope, const std::map<std::string, Value>& defaults, const Item& item, Errors& errs) {
  ScopedValues out;
  for (const ParamSpec* p : params_of(scope)) {
    auto it = item.vals.find(p->key());
    auto dt = defaults.find(p->key());
    if (it != item.vals.end()) out.v.push_back(it->second);
    else if (dt != defaults.end()) out.v.push_back(dt->second);
    else if (!required(*p)) out.v.push_back(default_value(*p));
    else {
      const std::string what = item.unnamed ? "an event" : "event '" + shown(item.name) + "'";
      errs.add(item.origin, what + " has no '" + p->key() + "': give the first week it is no longer in force (a "
                                   "duration from start_date or a date YYYY-MM-DD), or write " + p->key() +
                                   ": open to keep it in force to the end of the run");
      out.v.push_back(Value{p->max, "open", item.origin});  // placeholder: no further errors from it
    }
  }
  return out;
}

void resolve_times(Scenario& s, Errors& errs) {
  long start = 0;
  if (!date_days(s.at(G::start_date).text, start)) {
    errs.add(s.at(G::start_date).origin,
             "'start_date' must be a date YYYY-MM-DD, got '" + shown(s.at(G::start_date).text) + "'");
    return;
  }
  // A time written as a date: weeks from start_date.
  auto resolve = [&](const ParamSpec* p, Value& v) {
    long d;
    if (p->kind != Kind::Time || !date_days(v.text, d)) return;
    v.num = (d - start) / 7.0;
    if (v.num < p->min || v.num > p->max)
      errs.add(v.origin, "'" + p->path + "' = " + v.text + " is outside the run (before start_date " + s.at(G::start_date).text +
                             " or too late)");
  };
  for (const ParamSpec* p : params_of(Scope::Global)) resolve(p, s.global[p->index]);  // family_care.start, .end
  for (auto& ev : s.events)
    for (const ParamSpec* p : params_of(Scope::Event)) resolve(p, ev.v[p->index]);
}

void resolve_times(Scenario& s) {
  Errors errs;
  resolve_times(s, errs);
  errs.raise();
}

// The first line of every resolved scenario (Scenario::to_yaml): such a text is a scenario as it
// ran (perhaps after Scenario::set), so hand-writing checks that only guard intent (an event
// starting after the end of the run) are not applied when it is loaded back.
const char* const kResolvedMarker = "# Resolved scenario written by percorsi: every parameter as run";

void check(const Scenario& s, Errors& errs, bool resolved = false);

Scenario build(const Layer& layer, const std::string& file, const LoadOptions& opt, Errors& errs, bool resolved) {
  Scenario s;
  s.file = file;
  s.territories_origin = layer.territories_origin.line ? layer.territories_origin : Origin{file, 1, 1};
  for (const ParamSpec* p : params_of(Scope::Global)) {
    auto it = layer.global.find(p->path);
    if (it != layer.global.end()) {
      s.global.push_back(it->second);
    } else if (required(*p)) {
      Value v{0, "", Origin{file, 0, 0}};
      const bool is_seed = p->index == static_cast<int>(G::seed);
      if (is_seed && opt.seed) {
        errs.guard([&] { v = parse_text(*p, std::to_string(*opt.seed), Origin{"--seed", 0, 0}); });
      } else if (!layer.bad.count(p->path)) {
        errs.add(Origin{file, 1, 1}, "missing required key '" + p->path + "' (" + p->description + ")" +
                                         (is_seed ? "; or give --seed on the command line" : ""));
      }
      s.global.push_back(v);
    } else {
      s.global.push_back(default_value(*p));
    }
  }
  for (const auto& t : layer.territories) s.territories.push_back(scoped(Scope::Territory, layer.territory_defaults, t, errs));
  for (const auto& e : layer.events) s.events.push_back(scoped(Scope::Event, {}, e, errs));
  resolve_times(s, errs);
  check(s, errs, resolved);
  return s;
}

// Loads the given file (text from `text`, or read from `file`): every error of the file is
// collected and thrown together.
Scenario load_base(const std::string* text, const std::string& file, const LoadOptions& opt, YAML::Node& sweep) {
  Errors errs;
  std::error_code ec;
  Ctx cx{errs, {fs::weakly_canonical(file, ec).string()}, {}, {}};
  std::string owned;
  if (!text) {
    std::string why;
    if (!read_text(file, owned, why)) throw ScenarioError(file + ": " + why);
    text = &owned;
  }
  Layer layer;
  read_layer(*text, file, cx, layer, &sweep, nullptr);
  if (layer.broken) {  // no scenario to check further
    errs.raise();
    throw ScenarioError(file + ": not a scenario");
  }
  Scenario s = build(layer, file, opt, errs, text->rfind(kResolvedMarker, 0) == 0);
  errs.raise();
  if (cx.files.size() > 1) {  // the warm-up's baseline: the chain's first file, loaded alone
    YAML::Node ignored;
    const Scenario root = load_base(nullptr, cx.files.back(), opt, ignored);
    auto b = std::make_shared<Scenario::Baseline>();
    b->global = root.global;
    b->territories = root.territories;
    b->lever_files.assign(cx.files.begin(), cx.files.end() - 1);
    s.baseline = std::move(b);
  }
  return s;
}

// Loads a file like load_base, then merges each overlay onto it as a file extending it would.
Scenario load_overlaid(const std::string* text, const std::string& file, const LoadOptions& opt,
                       const std::vector<YamlBlock>& overlays, std::vector<YamlBlock>* trials) {
  Errors errs;
  std::error_code ec;
  Ctx cx{errs, {fs::weakly_canonical(file, ec).string()}, {}, {}};
  std::string owned;
  if (!text) {
    std::string why;
    if (!read_text(file, owned, why)) throw ScenarioError(file + ": " + why);
    text = &owned;
  }
  Layer layer;
  YAML::Node sweep;
  read_layer(*text, file, cx, layer, &sweep, nullptr);
  if (layer.broken) {
    errs.raise();
    throw ScenarioError(file + ": not a scenario");
  }
  if (trials) *trials = layer.trials;
  for (const auto& o : overlays) {
    if (!o.node || o.node.IsNull()) continue;
    if (!o.node.IsMap()) {
      errs.add(origin_of(o.node, o.file), std::string("expected a map of scenario keys, got ") + node_kind(o.node));
      continue;
    }
    for (const char* key : {"territories_replace", "events_replace"}) {
      const YAML::Node n = o.node[key];
      if (n && n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "yes" || n.Scalar() == "on"))
        (std::string(key) == "territories_replace" ? layer.territories : layer.events).clear();
    }
    read_globals(o.node, "", o.file, errs, layer, true);
  }
  Scenario s = build(layer, file, opt, errs, text->rfind(kResolvedMarker, 0) == 0);
  errs.raise();
  return s;
}

}  // namespace

YAML::Node read_yaml_file(const std::string& path, const std::string& noun) {
  std::string text, why;
  if (!read_text(path, text, why, noun)) throw ScenarioError(path + ": " + why);
  Errors fatal, errs;
  YAML::Node root;
  if (!document(text, path, fatal, errs, root, noun)) fatal.raise();
  errs.raise();
  return root;
}

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

bool days_of_date(const std::string& date, long& days) { return date_days(date, days); }

std::string date_of_days(long days) {
  using namespace std::chrono;
  const year_month_day ymd{sys_days{std::chrono::days{days}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::vector<std::string> Scenario::restrict_to(const std::string& start_date, int weeks,
                                               const std::vector<std::string>& keep) {
  const Scenario before = *this;  // a window that cannot be taken leaves the scenario as it was
  try {
    return restrict_in_place(start_date, weeks, keep);
  } catch (...) {
    *this = before;
    throw;
  }
}

std::vector<std::string> Scenario::restrict_in_place(const std::string& start_date, int weeks,
                                                     const std::vector<std::string>& keep) {
  const std::string who = "'" + name() + "'";
  Value& start = global[static_cast<int>(G::start_date)];
  Value& horizon = global[static_cast<int>(G::horizon)];
  long own = 0, from = 0;
  if (!date_days(start.text, own) || !date_days(start_date, from))
    throw ScenarioError(who + ": cannot align on start date '" + start_date + "' (the scenario starts on '" +
                        start.text + "')");
  const double shift = (from - own) / 7.0;  // weeks of the run cut from its beginning
  if (shift < 0 || weeks < 1 || shift + weeks > this->weeks() + 1e-9)
    throw ScenarioError(who + " runs " + std::to_string(this->weeks()) + " weeks from " + start.text +
                        ": the window of " + std::to_string(weeks) + " weeks from " + start_date + " is not inside it");
  std::vector<std::string> notes;
  if (shift > 0) notes.push_back(who + " starts on " + start_date + " (its file says " + start.text + ")");
  if (weeks != this->weeks())
    notes.push_back(who + " runs " + std::to_string(weeks) + " weeks (its file says " + std::to_string(this->weeks()) + ")");
  start.text = start_date;
  horizon.num = weeks;
  horizon.text = std::to_string(weeks) + " weeks";

  std::vector<ScopedValues> kept;
  for (const auto& t : keep) {
    auto it = std::find_if(territories.begin(), territories.end(),
                           [&](const ScopedValues& x) { return x.at(T::name).text == t; });
    if (it == territories.end()) throw ScenarioError(who + " has no territory '" + t + "' to align on");
    kept.push_back(*it);
  }
  for (const auto& t : territories)
    if (std::find(keep.begin(), keep.end(), t.at(T::name).text) == keep.end())
      notes.push_back(who + ": territory " + t.at(T::name).text + " left out (not in every run)");
  territories = std::move(kept);

  std::vector<ScopedValues> events_kept;
  for (auto ev : events) {
    const std::string what = who + ": event '" + ev.at(E::name).text + "'";
    Value& b = ev.v[static_cast<int>(E::start)];
    Value& e = ev.v[static_cast<int>(E::end)];
    const ParamSpec& end_spec = *find_param(Scope::Event, "end");
    const bool open = is_open_end(end_spec, e.text);
    const std::string& on = ev.at(E::territory).text;
    if (!on.empty() && std::find(keep.begin(), keep.end(), on) == keep.end()) {
      notes.push_back(what + " left out: it acts on territory " + on + ", left out");
      continue;
    }
    const double b2 = b.num - shift, e2 = open ? e.num : e.num - shift;
    if (e2 <= 1e-9 || b2 >= weeks - 1e-9) {
      notes.push_back(what + " left out: it is in force only outside the common window");
      continue;
    }
    if (b2 < 0) notes.push_back(what + " begins with the common window (it began " + shortest(-b2) + " weeks earlier)");
    b.num = std::max(0.0, b2);
    b.text = shortest(b.num) + " weeks";
    if (!open) {
      e.num = e2;
      e.text = shortest(e2) + " weeks";
    }
    events_kept.push_back(std::move(ev));
  }
  events = std::move(events_kept);
  validate();
  return notes;
}

std::string scenario_name_problem(const std::string& name) {
  if (name.empty()) return "is empty";
  if (name == "." || name == "..") return "is '" + name + "'";
  if (name.find('/') != std::string::npos) return "contains '/'";
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return "contains a control character";
  if (std::isspace(static_cast<unsigned char>(name.front())) || std::isspace(static_cast<unsigned char>(name.back())))
    return "has leading or trailing spaces";
  if (name.size() > kMaxNameLength) return "is longer than " + std::to_string(kMaxNameLength) + " characters";
  return "";
}

Scenario load_scenario(const std::string& path, const LoadOptions& options) {
  YAML::Node sweep;  // ignored here
  return load_base(nullptr, path, options, sweep);
}

Scenario parse_scenario(const std::string& yaml_text, const std::string& pseudo_file, const LoadOptions& options) {
  YAML::Node sweep;  // ignored here
  return load_base(&yaml_text, pseudo_file, options, sweep);
}

Scenario load_with_overlays(const std::string* text, const std::string& path, const LoadOptions& options,
                            const std::vector<YamlBlock>& overlays, std::vector<YamlBlock>* trials) {
  return load_overlaid(text, path, options, overlays, trials);
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
  if (const ParamSpec* p = find_param(Scope::Global, path)) {
    if (p->index == static_cast<int>(G::name) || p->index == static_cast<int>(G::extends))
      fail(a.origin, "'" + path + "' cannot be swept (each grid point is named after the swept values)");
    if (loading_directive(*p)) fail(a.origin, "'" + path + "' cannot be swept (it says how files are merged)");
    a.spec = p;
  } else if (path.rfind("territory_defaults.", 0) == 0 || path.rfind("territories.", 0) == 0) {
    key = path.substr(path.find('.') + 1);
    a.spec = find_param(Scope::Territory, key);
    if (!a.spec) fail(a.origin, "unknown territory key '" + key + "' in sweep" + suggestion(key, Scope::Territory));
    if (loading_directive(*a.spec)) fail(a.origin, "'" + path + "' cannot be swept");
  } else if (split_selector(path, head, sel, key) && (head == "territories" || head == "events")) {
    const Scope scope = head == "territories" ? Scope::Territory : Scope::Event;
    a.spec = find_param(scope, key);
    if (!a.spec) fail(a.origin, "unknown " + std::string(head == "territories" ? "territory" : "event") + " key '" +
                                    key + "' in sweep" + suggestion(key, scope));
    if (a.spec->key() == "name" || loading_directive(*a.spec)) fail(a.origin, "'" + path + "' cannot be swept");
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
    if (kv.second.IsMap() && !find_param(Scope::Global, path)) {
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

// About the bytes a copy of `s` holds (its values with their texts and origins): the memory of
// one point of a sweep.
std::size_t approx_bytes(const Scenario& s) {
  auto str = [](const std::string& x) { return x.capacity() > 15 ? x.capacity() + 1 : std::size_t{0}; };
  auto values = [&](const std::vector<Value>& v) {
    std::size_t n = v.capacity() * sizeof(Value);
    for (const auto& x : v) n += str(x.text) + str(x.origin.file);
    return n;
  };
  std::size_t n = sizeof(Scenario) + values(s.global) + str(s.file);
  for (const auto& t : s.territories) n += sizeof(ScopedValues) + values(t.v);
  for (const auto& e : s.events) n += sizeof(ScopedValues) + values(e.v);
  return n;
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
  // Limits checked before expanding: every point is a scenario held in memory until the run ends.
  std::size_t points = 1;
  std::string grid;
  for (const auto& a : axes) {
    points = std::min(points * a.values.size(), kMaxSweepPoints + 1);  // no overflow: both are bounded
    grid += (grid.empty() ? "" : " x ") + std::to_string(a.values.size());
  }
  const double need = static_cast<double>(points) * static_cast<double>(approx_bytes(base));
  if (points > kMaxSweepPoints || need > kMaxSweepBytes) {
    char gib[32];
    std::snprintf(gib, sizeof gib, "%.1f GiB", need / double(1u << 30));
    fail(axes.front().origin,
         "the sweep has " + grid + (points > kMaxSweepPoints ? " (more than " + std::to_string(kMaxSweepPoints) + ")"
                                                              : " = " + std::to_string(points)) +
             " grid points, which would need about " + gib + " of memory before the first task runs; at most " +
             std::to_string(kMaxSweepPoints) + " points and " + std::to_string(kMaxSweepBytes >> 30) +
             " GiB: sweep fewer values, or split the sweep into several files run with their own --out");
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
           "sweep point '" + name + "' (" + values + ") is not a valid scenario: " + e.errors().front() +
               (e.errors().size() > 1 ? " (and " + std::to_string(e.errors().size() - 1) + " more)" : ""));
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::vector<Scenario> load_scenarios(const std::string& path, const LoadOptions& options) {
  YAML::Node sweep;
  const Scenario base = load_base(nullptr, path, options, sweep);
  return expand(base, sweep, path);
}

std::vector<Scenario> parse_scenarios(const std::string& yaml_text, const std::string& pseudo_file,
                                      const LoadOptions& options) {
  YAML::Node sweep;
  const Scenario base = load_base(&yaml_text, pseudo_file, options, sweep);
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

Scenario Scenario::warmup_scenario() const {
  Scenario w = *this;
  w.events.clear();
  w.global[static_cast<int>(G::warmup)].num = 0;
  w.baseline = nullptr;
  if (!baseline) return w;
  const auto& levers = baseline->lever_files;
  auto lever = [&](const Value& v) { return std::find(levers.begin(), levers.end(), v.origin.file) != levers.end(); };
  // Settings of the run are never levers: the warm-up runs at the scenario's own scale and seed.
  const G run_settings[] = {G::name, G::description, G::seed, G::replicates, G::horizon, G::start_date, G::output_timeline, G::warmup,
                            G::scale};
  for (std::size_t i = 0; i < w.global.size(); ++i) {
    const bool setting = std::find(std::begin(run_settings), std::end(run_settings), static_cast<G>(i)) != std::end(run_settings);
    if (!setting && lever(w.global[i])) w.global[i] = baseline->global[i];
  }
  for (auto& t : w.territories)
    for (const auto& bt : baseline->territories)
      if (bt.at(T::name).text == t.at(T::name).text)
        for (std::size_t j = 0; j < t.v.size(); ++j)
          if (lever(t.v[j])) t.v[j] = bt.v[j];
  return w;
}

void Scenario::set(const std::string& path, const std::string& yaml_value, int territory) {
  const Origin o{"<set " + path + ">", 0, 0};
  auto parse = [&](const ParamSpec& p) {
    YAML::Node n;
    try {
      n = YAML::Load(yaml_value);
    } catch (const YAML::Exception& e) {
      fail(o, "malformed YAML: " + e.msg);
    }
    if (!n.IsScalar()) fail(o, "'" + path + "' expects a " + kind_name(p.kind) + " value");
    Value v = parse_text(p, n.Scalar(), o);
    return v;
  };
  if (const ParamSpec* p = find_param(Scope::Global, path)) {
    global[p->index] = parse(*p);
    if (p->index == static_cast<int>(G::start_date)) resolve_times(*this);
    return;
  }
  std::string key = path;
  for (const char* pre : {"territories[].", "territories.", "territory_defaults."})
    if (key.rfind(pre, 0) == 0) key = key.substr(std::string(pre).size());
  if (const ParamSpec* p = find_param(Scope::Territory, key)) {
    const Value v = parse(*p);
    for (int t = 0; t < static_cast<int>(territories.size()); ++t)
      if (territory < 0 || territory == t) territories[t].v[p->index] = v;
    return;
  }
  throw ScenarioError("unknown parameter '" + path + "'" + suggestion(path, Scope::Global));
}

namespace {

// Where to report a check on several values: the last of them written in the scenario's own
// file, else the last written in a base (or a sweep), else the top of the file.
Origin primary(std::initializer_list<const Value*> vs, const std::string& file) {
  const Origin* best = nullptr;
  for (int pass = 0; pass < 2 && !best; ++pass)
    for (const Value* v : vs) {
      const Origin& o = v->origin;
      if (o.line == 0 || (pass == 0 && o.file != file)) continue;
      if (!best || (o.file == best->file && (o.line > best->line || (o.line == best->line && o.column > best->column))))
        best = &o;
    }
  return best ? *best : Origin{file, 1, 1};
}

// "street 0.9 at f.yaml:3:13", "street 0.4 (default)".
std::string described(const std::string& label, const Value& v) {
  std::string s = label + " " + shown(v.text);
  if (v.origin.line) return s + " at " + v.origin.where();
  if (v.origin.file.empty() || v.origin.file == "<defaults>") return s + " (default)";
  return s + " (from " + v.origin.file + ")";
}

void check(const Scenario& s, Errors& errs, bool resolved) {
  if (const std::string why = scenario_name_problem(s.name()); !why.empty())
    errs.add(s.at(G::name).origin, "the scenario name '" + shown(s.name()) + "' " + why +
                                       ": a name becomes a group name in results files, so it may not be empty or "
                                       "'.', contain '/' or control characters, or start or end with a space");
  if (s.territories.empty())
    errs.add(s.territories_origin, "the scenario needs at least one territory under 'territories'");
  std::set<std::string> names;
  std::vector<std::string> name_list;
  for (const auto& t : s.territories) {
    if (!names.insert(t.at(T::name).text).second)
      errs.add(t.at(T::name).origin, "territory '" + shown(t.at(T::name).text) + "' is listed twice");
    name_list.push_back(t.at(T::name).text);
  }
  const Value& street = s.at(G::population_initial_street);
  const Value& shelter = s.at(G::population_initial_shelter);
  const Value& transitional = s.at(G::population_initial_transitional);
  const double shares = street.num + shelter.num + transitional.num;
  if (shares > 1 + 1e-9)
    errs.add(primary({&street, &shelter, &transitional}, s.file),
             "population.initial street + shelter + transitional shares sum to " + rounded(shares) + ", more than 1 (" +
                 described("street", street) + ", " + described("shelter", shelter) + ", " +
                 described("transitional", transitional) + ")");
  const Value& age_min = s.at(G::population_age_min);
  const Value& age_max = s.at(G::population_age_max);
  if (age_min.num > age_max.num)
    errs.add(primary({&age_min, &age_max}, s.file), "population.age.min is above population.age.max (" +
                                                       described("min", age_min) + ", " + described("max", age_max) + ")");
  const Value& horizon = s.at(G::horizon);
  for (const auto& e : s.events) {
    const std::string name = "event '" + shown(e.at(E::name).text) + "'";
    const Value& start = e.at(E::start);
    const Value& end = e.at(E::end);
    if (end.num <= start.num)
      errs.add(primary({&start, &end}, s.file), name + " ends before or when it starts (" + described("end", end) +
                                                    ", " + described("start", start) + ")");
    else if (!resolved && std::ceil(start.num - 1e-9) >= s.weeks())
      errs.add(primary({&start, &horizon}, s.file),
               name + " starts at week " + rounded(start.num) + ", at or after the end of the run (" +
                   described("horizon", horizon) + " = " + std::to_string(s.weeks()) +
                   " weeks): it would never happen; move it into the run or lengthen the horizon");
    const Value& tv = e.at(E::territory);
    if (!tv.text.empty() && !names.count(tv.text))
      errs.add(tv.origin, name + " names unknown territory '" + shown(tv.text) + "'" + closest(tv.text, name_list));
  }
}

}  // namespace

bool describes_setting(const std::string& path) {
  for (const char* prefix : {"population.", "context.", "exits.", "territories[].", "events[]."})
    if (path.rfind(prefix, 0) == 0) return true;
  return false;
}

std::vector<std::string> Scenario::warnings() const {
  std::vector<std::string> out;
  auto number = [](double x) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", x);
    return std::string(b);
  };
  auto check = [&](const ParamSpec& p, const Value& v, const std::string& where_path) {
    if (!p.plausible || v.origin.line == 0 || (v.num >= p.plausible->lo && v.num <= p.plausible->hi)) return;
    out.push_back(v.origin.where() + ": warning: " + where_path + " = " + v.text + " is outside its plausible range " +
                  number(p.plausible->lo) + " to " + number(p.plausible->hi) + (p.unit.empty() ? "" : " " + p.unit) + " (" +
                  p.plausible->reason + "): the results rest on a value the model's evidence does not cover");
  };
  // The model's behaviour only: who the scenario describes (population.*), its services' places
  // (territories), its context (context.*) and who the run follows (exits.*) are its setting.
  for (const ParamSpec& p : registry())
    if (p.scope == Scope::Global && !describes_setting(p.path)) check(p, global[static_cast<std::size_t>(p.index)], p.path);
  // A territory's places and flows are its setting, and their plausible ranges are those of a
  // Piedmont-sized territory: a small service (a Tuscany disability zone with five shelter beds)
  // is a setting, but a value more than kFarOutside times above the range is more likely a slip
  // (a year's arrivals written as a week's, a region as a territory) than a place, and is said.
  constexpr double kFarOutside = 4;
  for (const ParamSpec& p : registry()) {
    if (p.scope != Scope::Territory || !p.plausible) continue;
    for (const auto& t : territories) {
      const Value& v = t.at(static_cast<T>(p.index));
      if (v.origin.line == 0 || v.num <= kFarOutside * p.plausible->hi) continue;
      out.push_back(v.origin.where() + ": warning: territories[" + t.at(T::name).text + "]." + p.key() + " = " + v.text +
                    " is more than four times the most plausible for one territory (" + number(p.plausible->lo) + " to " +
                    number(p.plausible->hi) + (p.unit.empty() ? "" : " " + p.unit) + ": " + p.plausible->reason +
                    "): check the unit and the territory's size");
    }
  }
  const auto model = choice<G::housing_model>();
  if (model == choice::housing_model::step)
    for (const auto& t : territories)
      if (const Value& v = t.at(T::hf_flats); v.origin.line > 0 && v.num > 0)
        out.push_back(v.origin.where() + ": warning: territories[" + t.at(T::name).text + "].hf_flats = " + v.text +
                      " is ignored: housing.model is step, which offers no Housing First (set housing.model: housing_first "
                      "or mixed)");
  if (model != choice::housing_model::mixed)
    if (const Value& v = at(G::housing_hf_share); v.origin.line > 0)
      out.push_back(v.origin.where() + ": warning: housing.hf_share = " + v.text +
                    " is ignored: only housing.model: mixed splits people between Housing First and the step model");
  return out;
}

std::vector<std::string> Scenario::problems() const {
  Errors errs;
  check(*this, errs);
  if (errs.truncated) errs.list.push_back("(stopped after the first " + std::to_string(kMaxErrors) + " errors)");
  return errs.list;
}

void Scenario::validate() const {
  Errors errs;
  check(*this, errs);
  errs.raise();
}

namespace {
std::string emit_value(const ParamSpec& p, const Value& v) {
  switch (p.kind) {
    case Kind::Real:
    case Kind::Int: return shortest(v.num);
    case Kind::Bool: return v.num != 0 ? "true" : "false";
    case Kind::Duration: return shortest(v.num) + " weeks";
    case Kind::Time: return is_open_end(p, v.text) ? v.text : shortest(v.num) + " weeks";
    default: return v.text;
  }
}

void emit_scoped(YAML::Emitter& out, Scope scope, const ScopedValues& sv) {
  out << YAML::BeginMap;
  for (const ParamSpec* p : params_of(scope))
    if (!loading_directive(*p)) out << YAML::Key << p->key() << YAML::Value << emit_value(*p, sv.v[p->index]);
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
    if (p->index == static_cast<int>(G::extends) || loading_directive(*p)) continue;
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
  return std::string(kResolvedMarker) + "\n" + out.c_str() + "\n";
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  if (a.size() > kMaxSuggestLength || b.size() > kMaxSuggestLength) return std::string::npos;
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

// " (did you mean 'x'?)" for the closest of `names`, or "" when nothing is close.
std::string closest(const std::string& word, const std::vector<std::string>& names) {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& n : names)
    if (const std::size_t d = edit_distance(word, n); d < best_d) best_d = d, best = n;
  if (best_d != std::string::npos && best_d <= std::max<std::size_t>(2, word.size() / 3))
    return " (did you mean '" + best + "'?)";
  return "";
}

}  // namespace percorsi
