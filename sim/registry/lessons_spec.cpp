#include "sim/registry/lessons_spec.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "sim/registry/yaml_input.hpp"

namespace percorsi {

namespace fs = std::filesystem;

const char* direction_name(Direction d) {
  return d == Direction::Higher ? "higher" : d == Direction::Lower ? "lower" : "";
}

bool Lesson::directed() const {
  return std::any_of(indicators.begin(), indicators.end(),
                     [](const LessonIndicator& i) { return i.expected != Direction::None; });
}

namespace {

const std::vector<std::string> kKeys = {"replicates", "lessons", "efficacy_over_time"};
const std::vector<std::string> kLessonKeys = {"id", "lesson", "scenarios", "indicators", "note", "replicates",
                                              "rests_on"};
const std::vector<std::string> kDirections = {"higher", "lower"};

class Loader {
 public:
  Loader(const std::string& file, Errors& errs) : file_(file), errs_(errs) {}

  LessonsSpec read(const YAML::Node& root) {
    LessonsSpec s;
    s.file = file_;
    if (!root.IsMap()) {
      errs_.add(at(root), std::string("a lessons file is a map with 'lessons:', got ") + node_kind(root));
      return s;
    }
    reject_unknown_keys(root, kKeys, file_, errs_);
    replicates(root, s.replicates);
    const YAML::Node list = root["lessons"];
    if (!list || !list.IsSequence() || list.size() == 0) {
      errs_.add(list ? at(list) : Origin{file_, 1, 1},
                "'lessons' expects a list of lessons, each {id, lesson, scenarios, indicators}");
      return s;
    }
    for (const auto& n : list) {
      if (errs_.full()) break;
      if (!n.IsMap()) {
        errs_.add(at(n), std::string("a lesson is a map {id, lesson, scenarios, indicators}, got ") + node_kind(n));
        continue;
      }
      Lesson l = lesson(n);
      if (!l.id.empty() &&
          std::any_of(s.lessons.begin(), s.lessons.end(), [&](const Lesson& x) { return x.id == l.id; }))
        errs_.add(at(n["id"]), "lesson '" + l.id + "' is given twice");
      s.lessons.push_back(std::move(l));
    }
    if (const YAML::Node e = root["efficacy_over_time"]) {
      if (!e.IsSequence()) errs_.add(at(e), std::string("'efficacy_over_time' expects a list of lesson ids, got ") + node_kind(e));
      for (const auto& n : e.IsSequence() ? e : YAML::Node()) {
        if (!n.IsScalar() || std::none_of(s.lessons.begin(), s.lessons.end(), [&](const Lesson& x) { return x.id == n.Scalar(); }))
          errs_.add(at(n), "'efficacy_over_time' names no lesson of this file" +
                               (n.IsScalar() ? ": '" + n.Scalar() + "'" : std::string()));
        else
          s.efficacy_lessons.push_back(n.Scalar());
      }
    }
    return s;
  }

 private:
  Origin at(const YAML::Node& n) const { return origin_of(n, file_); }

  // A required (or optional) text of a lesson.
  void text(const YAML::Node& lesson, const char* key, std::string& out, bool required) {
    const YAML::Node n = lesson[key];
    if (!n) {
      if (required) errs_.add(at(lesson), std::string("a lesson needs '") + key + "'");
    } else if (!n.IsScalar() || n.Scalar().empty()) {
      errs_.add(at(n), std::string("'") + key + "' expects a text, got " + node_kind(n));
    } else {
      out = n.Scalar();
    }
  }

  // An optional `replicates:` (a whole number from 2 to 100000) into `out`.
  void replicates(const YAML::Node& parent, int& out) {
    const YAML::Node n = parent["replicates"];
    if (!n) return;
    double v = 0;
    if (!n.IsScalar() || !parse_number(n.Scalar(), v) || v != std::floor(v) || v < 2 || v > 100000)
      errs_.add(at(n), "'replicates' expects a whole number from 2 to 100000" +
                           (n.IsScalar() ? ", got '" + n.Scalar() + "'" : std::string()));
    else
      out = static_cast<int>(v);
  }

  Lesson lesson(const YAML::Node& n) {
    Lesson l;
    l.origin = at(n);
    reject_unknown_keys(n, kLessonKeys, file_, errs_);
    text(n, "id", l.id, true);
    if (!l.id.empty() && !std::all_of(l.id.begin(), l.id.end(),
                                      [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; })) {
      errs_.add(at(n["id"]), "lesson id '" + l.id + "' may hold only letters, digits, '_' and '-'");
      l.id.clear();
    }
    text(n, "lesson", l.text, true);
    text(n, "note", l.note, false);
    replicates(n, l.replicates);
    const YAML::Node list = n["scenarios"];
    l.scenarios = read_comparison_scenarios(list, "scenarios", file_, errs_);
    if (list && list.IsSequence())
      for (const auto& x : list)
        if (x.IsScalar()) l.files.push_back((fs::path(file_).parent_path() / x.Scalar()).lexically_normal().string());
    indicators(n, l);
    rests_on(n, l);
    return l;
  }

  // `rests_on: [path or id, ...]`: the Global parameters that carry the lesson's size.
  void rests_on(const YAML::Node& lesson, Lesson& l) {
    const YAML::Node n = lesson["rests_on"];
    if (!n) return;
    if (!n.IsSequence() || n.size() == 0) {
      errs_.add(at(n),
                std::string("'rests_on' expects a list of registry parameters (paths or ids), got ") + node_kind(n));
      return;
    }
    for (const auto& item : n) {
      const std::string name = item.IsScalar() ? item.Scalar() : "";
      const ParamSpec* p = find_global_param(name);
      if (!p) {
        errs_.add(at(item), "'rests_on': unknown parameter '" + name + "'" + closest(name, paths_of(Scope::Global)) +
                                ": a scenario-wide parameter of docs/parameters.md, by its path or id");
      } else if (std::find(l.rests_on.begin(), l.rests_on.end(), p) != l.rests_on.end()) {
        errs_.add(at(item), "'rests_on' names '" + p->path + "' twice");
      } else {
        l.rests_on.push_back(p);
      }
    }
  }

  void indicators(const YAML::Node& lesson, Lesson& l) {
    const YAML::Node n = lesson["indicators"];
    if (!n || !n.IsSequence() || n.size() == 0) {
      errs_.add(n ? at(n) : at(lesson),
                "'indicators' expects a list of headline indicators, each with the direction the lesson states "
                "where it states one, e.g. [stably_housed_12m: higher, cost_per_stable_year]");
      return;
    }
    const int weeks = l.scenarios.empty() ? 0 : l.scenarios.front().weeks();
    std::vector<std::string> taken;
    for (const auto& item : n) {
      const auto [key, direction] = named_item(item);
      if (!key.IsScalar()) {
        errs_.add(at(item),
                  "an indicator is a headline indicator's name, optionally with a direction, e.g. "
                  "'- stably_housed_12m: higher'");
        continue;
      }
      LessonIndicator ind;
      ind.name = read_headline_indicator(key, file_, weeks, taken, errs_);
      if (direction) {
        const YAML::Node& d = *direction;
        const std::string word = d.IsScalar() ? d.Scalar() : "";
        if (word == "higher")
          ind.expected = Direction::Higher;
        else if (word == "lower")
          ind.expected = Direction::Lower;
        else
          errs_.add(at(d), "'" + key.Scalar() + "': unknown direction '" + word + "'" + hint(word, kDirections) +
                               ": the direction the lesson states, of every other scenario against the first");
      }
      if (ind.name.empty()) continue;
      taken.push_back(ind.name);
      l.indicators.push_back(ind);
    }
  }

  const std::string& file_;
  Errors& errs_;
};

}  // namespace

LessonsSpec load_lessons(const std::string& path) {
  return load_yaml_with<Loader>(path, "lessons file");
}

bool is_lessons_file(const std::string& path) {
  return yaml_file_has_key(path, "lessons");
}

}  // namespace percorsi
