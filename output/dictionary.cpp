#include "output/dictionary.hpp"

#include <exception>
#include <map>
#include <set>
#include <stdexcept>

#include "output/h5_detail.hpp"
#include "sim/registry/outputs.hpp"
#include "output/reader.hpp"

namespace percorsi::out {

namespace detail {
extern const std::string_view dictionary_csv;  // generated from dictionary.csv
}

using namespace detail;

std::vector<DictEntry> parse_dictionary_csv(std::string_view csv) {
  std::vector<std::pair<int, std::vector<std::string>>> rows;  // (line, fields)
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  int line = 1, row_line = 1;
  auto end_row = [&] {
    row.push_back(std::move(field));
    field.clear();
    if (!(row.size() == 1 && row[0].empty())) rows.emplace_back(row_line, std::move(row));  // skip blank lines
    row.clear();
  };
  for (size_t i = 0; i < csv.size(); ++i) {
    const char c = csv[i];
    if (quoted) {
      if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c, line += c == '\n';
    } else if (c == '"' && field.empty()) {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      end_row();
      row_line = ++line;
    } else if (c != '\r') {
      field += c;
    }
  }
  if (quoted) throw std::runtime_error("dictionary CSV line " + std::to_string(row_line) + ": unterminated quote");
  if (!field.empty() || !row.empty()) end_row();

  const std::vector<std::string> header{"path", "kind", "type", "unit", "meaning"};
  if (rows.empty() || rows[0].second != header)
    throw std::runtime_error("dictionary CSV: the first line must be path,kind,type,unit,meaning");
  std::vector<DictEntry> out;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& [ln, f] = rows[r];
    const std::string where = "dictionary CSV line " + std::to_string(ln);
    if (f.size() != 5)
      throw std::runtime_error(where + ": expected 5 fields, found " + std::to_string(f.size()));
    DictEntry e{f[0], f[1], f[2], f[3], f[4], false};
    if (e.path.empty() || e.path[0] != '/') throw std::runtime_error(where + ": path must start with '/'");
    const bool is_attr = e.path.find('@') != std::string::npos;
    if (e.kind != "group" && e.kind != "dataset" && e.kind != "attribute")
      throw std::runtime_error(where + ": kind must be group, dataset or attribute, not '" + e.kind + "'");
    if (is_attr != (e.kind == "attribute"))
      throw std::runtime_error(where + ": attribute paths (and only they) are written <object>@<name>");
    if ((e.kind == "group") != (e.type == "group"))
      throw std::runtime_error(where + ": groups (and only they) have type 'group'");
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<DictEntry> output_rows(OutputKind k) {
  const std::string rep = "/scenarios/{scenario}/replicates/{replicate}";
  std::vector<DictEntry> rows;
  for (const OutputSpec* o : outputs_of(k)) {
    const std::string meaning = dictionary_meaning(*o), type = output_type_name(o->type);
    switch (k) {
      case OutputKind::Series:
        rows.push_back({rep + "/weekly/" + o->name, "dataset", type, o->unit, meaning + " [weeks, territories]", false});
        break;
      case OutputKind::Person:
        rows.push_back({rep + "/persons/" + o->name, "dataset", type, o->unit, meaning + " [persons]", false});
        break;
      case OutputKind::Headline: {
        // The family-care model's indicators are written only by scenarios with the model.
        const bool only_family_care = o->name.rfind("fc_", 0) == 0;
        const std::string only = only_family_care ? " (only in the files of scenarios with the family-care model, family_care.enabled)" : "";
        const std::size_t first = rows.size();
        rows.push_back({rep + "/headline/" + o->name, "dataset", type, o->unit, meaning + " (NaN when undefined)" + only, false});
        const std::string s = "/scenarios/{scenario}/summary/" + o->name;
        rows.push_back({s, "dataset", type, o->unit, meaning + "; value per replicate, in replicate_index order", false});
        const std::string ci = std::string("95% interval of the mean on the ") +
                               (o->range == Range::Share      ? std::string("logit scale, within [0, 1]")
                                : o->range == Range::Bounded  ? "logit scale of the value / " + shortest_number(o->upper) +
                                                                   ", within [0, " + shortest_number(o->upper) + "]"
                                : o->range == Range::Positive ? std::string("log scale, >= 0")
                                                              : std::string("t scale")) +
                               " (docs/statistics.md); NaN when n < 2";
        rows.push_back({s + "@mean", "attribute", "float64", o->unit, "Mean across replicates (NaN when n = 0)", false});
        rows.push_back({s + "@sd", "attribute", "float64", o->unit, "Sample standard deviation across replicates (NaN when n < 2)", false});
        rows.push_back({s + "@ci_low", "attribute", "float64", o->unit, "Lower end of the " + ci, false});
        rows.push_back({s + "@ci_high", "attribute", "float64", o->unit, "Upper end of the " + ci, false});
        rows.push_back({s + "@n", "attribute", "int32", "runs", "Replicates with a defined value", false});
        for (std::size_t i = first; i < rows.size(); ++i) rows[i].optional = only_family_care;
        break;
      }
    }
  }
  return rows;
}

std::vector<DictEntry> with_output_rows(const std::vector<DictEntry>& file_rows) {
  // Each kind's rows go right after the row of the group that holds them.
  const std::string rep = "/scenarios/{scenario}/replicates/{replicate}";
  const std::pair<std::string, OutputKind> anchors[] = {{rep + "/weekly", OutputKind::Series},
                                                        {rep + "/persons", OutputKind::Person},
                                                        {rep + "/headline", OutputKind::Headline}};
  std::vector<DictEntry> out;
  int placed = 0;
  for (const auto& e : file_rows) {
    out.push_back(e);
    for (const auto& [path, kind] : anchors)
      if (e.path == path) {
        for (auto& r : output_rows(kind)) out.push_back(std::move(r));
        ++placed;
      }
  }
  if (placed != 3) throw std::runtime_error("dictionary CSV: the weekly, persons and headline group rows are required");
  return out;
}

const std::vector<DictEntry>& dictionary() {
  static const std::vector<DictEntry> dict = with_output_rows(parse_dictionary_csv(dictionary_csv));
  return dict;
}

std::string generic_path(const std::string& concrete) {
  const size_t at = concrete.find('@');
  const std::string obj = concrete.substr(0, at), attr = at == std::string::npos ? "" : concrete.substr(at);
  std::vector<std::string> parts;  // components of obj
  for (size_t pos = 1; pos <= obj.size();) {
    const size_t next = std::min(obj.find('/', pos), obj.size());
    if (next > pos) parts.push_back(obj.substr(pos, next - pos));
    pos = next + 1;
  }
  auto is_replicate = [](const std::string& s) {
    return s.size() >= 5 && s[0] == 'r' && s.find_first_not_of("0123456789", 1) == std::string::npos;
  };
  if (parts.size() >= 2 && parts[0] == "scenarios") parts[1] = "{scenario}";
  if (parts.size() >= 4 && parts[0] == "scenarios" && parts[2] == "replicates" && is_replicate(parts[3]))
    parts[3] = "{replicate}";
  if (parts.size() >= 5 && parts[0] == "scenarios" && parts[2] == "summary" && parts[3] == "weekly")
    parts[4] = "{series}";
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return (out.empty() ? "/" : out) + attr;
}

const DictEntry* find_entry(const std::vector<DictEntry>& dict, const std::string& path) {
  for (const auto& e : dict)
    if (e.path == path) return &e;
  return nullptr;
}

namespace {

// What the walk found under one generic path.
struct Found {
  std::string kind;
  std::set<std::string> types;
  std::string example;  // first concrete path seen
};

struct Walk {
  std::map<std::string, Found> found;
  std::exception_ptr error;  // exceptions must not cross the C callbacks

  void add(const std::string& concrete, const std::string& kind, const std::string& type) {
    Found& f = found[generic_path(concrete)];
    if (f.example.empty()) f = Found{kind, {}, concrete};
    f.types.insert(type);
  }
};

herr_t visit_attr(hid_t obj, const char* name, const H5A_info_t*, void* data) {
  auto& [walk, path] = *static_cast<std::pair<Walk*, std::string>*>(data);
  try {
    Handle a(check(H5Aopen(obj, name, H5P_DEFAULT), attr_desc(path, name)));
    Handle t(check(H5Aget_type(a), attr_desc(path, name)));
    walk->add(path + "@" + name, "attribute", type_name(t));
    return 0;
  } catch (...) {
    walk->error = std::current_exception();
    return -1;
  }
}

template <class Info>
herr_t visit_object(hid_t root, const char* name, const Info* info, void* data) {
  Walk& walk = *static_cast<Walk*>(data);
  try {
    std::string path = "/";  // H5Ovisit names the root "." and the rest relative to it
    if (std::string_view(name) != ".") path += name;
    Handle obj(check(H5Oopen(root, name, H5P_DEFAULT), "object " + path));
    if (info->type == H5O_TYPE_GROUP) {
      walk.add(path, "group", "group");
    } else if (info->type == H5O_TYPE_DATASET) {
      Handle t(check(H5Dget_type(obj), "dataset " + path));
      walk.add(path, "dataset", type_name(t));
    } else {
      walk.add(path, "named datatype", "datatype");
    }
    std::pair<Walk*, std::string> ctx{&walk, path};
    hsize_t idx = 0;
    if (H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, visit_attr, &ctx) < 0) {
      if (walk.error) std::rethrow_exception(walk.error);
      throw H5Failure("attributes of " + path + ": " + h5_reason());
    }
    return 0;
  } catch (...) {
    if (!walk.error) walk.error = std::current_exception();
    return -1;
  }
}

}  // namespace

std::vector<std::string> check_against_dictionary(const std::string& h5_path, const std::vector<DictEntry>& dict) {
  Session session;
  Handle file = open_readonly(h5_path);
  Walk walk;
  try {
#if H5_VERSION_GE(1, 12, 0)
    const herr_t st = H5Ovisit3(file, H5_INDEX_NAME, H5_ITER_INC, visit_object<H5O_info2_t>, &walk, H5O_INFO_BASIC);
#else
    const herr_t st = H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, visit_object<H5O_info_t>, &walk, H5O_INFO_BASIC);
#endif
    if (walk.error) std::rethrow_exception(walk.error);
    check_status(st, "walk of /");
  } catch (const H5Failure& e) {
    throw ReadError(h5_path + ": " + e.what());
  }

  std::vector<std::string> problems;
  std::set<std::string> seen;
  for (const auto& e : dict) {
    if (!seen.insert(e.path).second) problems.push_back("duplicate dictionary row: " + e.path);
    auto it = walk.found.find(e.path);
    if (it == walk.found.end()) {
      if (!e.optional) problems.push_back("missing from file: " + e.kind + " " + e.path + " (" + e.type + ")");
    } else if (it->second.kind != e.kind) {
      problems.push_back("kind mismatch: " + e.path + ": file has a " + it->second.kind + ", dictionary says " + e.kind);
    } else {
      for (const auto& t : it->second.types)
        if (t != e.type)
          problems.push_back("type mismatch: " + e.kind + " " + e.path + ": file has " + t + ", dictionary says " +
                             e.type + " (e.g. " + it->second.example + ")");
    }
  }
  for (const auto& [path, f] : walk.found)
    if (!seen.count(path)) {
      std::string types;
      for (const auto& t : f.types) types += (types.empty() ? "" : "|") + t;
      problems.push_back("not in dictionary: " + f.kind + " " + path + " (" + types + "), e.g. " + f.example);
    }
  return problems;
}

std::vector<DictEntry> dictionary_for(const std::string& command) {
  std::vector<DictEntry> d;
  for (const auto& e : dictionary()) {
    const bool trial = e.path.rfind("/trial", 0) == 0, sensitivity = e.path.rfind("/sensitivity", 0) == 0,
               robustness = e.path.rfind("/robustness", 0) == 0;
    if ((!trial || command == "trial") && (!sensitivity || command == "sensitivity") &&
        (!robustness || command == "robustness"))
      d.push_back(e);
  }
  return d;
}

std::string dictionary_markdown(const std::vector<DictEntry>& dict) {
  auto cell = [](const std::string& s) {
    std::string out;
    for (char c : s) out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
    return out;
  };
  std::string md = "| Path | Kind | Type | Unit | Meaning |\n|---|---|---|---|---|\n";
  for (const auto& e : dict)
    md += "| `" + cell(e.path) + "` | " + e.kind + " | " + e.type + " | " + cell(e.unit) + " | " + cell(e.meaning) + " |\n";
  return md;
}

std::string dictionary_markdown() { return dictionary_markdown(dictionary()); }

}  // namespace percorsi::out
