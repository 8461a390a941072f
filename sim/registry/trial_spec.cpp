#include "sim/registry/trial_spec.hpp"
#include "sim/registry/suggest.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "sim/registry/outputs.hpp"
#include "sim/registry/overlay.hpp"
#include "sim/registry/yaml_input.hpp"

namespace percorsi {

namespace {

constexpr const char* kKindNames[] = {
#define PERCORSI_X(k, args) #k,
    PERCORSI_MEASURE_KINDS(PERCORSI_X)
#undef PERCORSI_X
};
constexpr const char* kKindArgs[] = {
#define PERCORSI_X(k, args) args,
    PERCORSI_MEASURE_KINDS(PERCORSI_X)
#undef PERCORSI_X
};

// Arm and measure names are parts of published keys (`arm.measure`, `a-b`) and group names.
bool plain_name(const std::string& s) {
  return !s.empty() && s.size() <= 100 &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// A measure's time argument: a duration with a unit ("12 months"); `weeks` also takes a bare count.
bool parse_time(const std::string& key, const YAML::Node& v, int& weeks, std::string& why) {
  if (!v.IsScalar()) {
    why = std::string("expects a duration such as '12 months', got ") + node_kind(v);
    return false;
  }
  double w = 0, x = 0;
  if (key == "weeks" && parse_number(v.Scalar(), x)) {
    w = x;
  } else if (!parse_duration(v.Scalar(), w)) {
    why = "expects a duration with a unit (e.g. '26 weeks', '12 months', '2 years'), got '" + v.Scalar() + "'";
    return false;
  }
  if (w < 0 || w > 2600) {
    why = "'" + v.Scalar() + "' is out of range (0 to 50 years)";
    return false;
  }
  weeks = static_cast<int>(std::lround(w));
  return true;
}

// What each file's `trial:` block says, merged onto the bases' (bases first).
struct Merged {
  int cohort = 0;
  Origin cohort_origin;
  std::vector<std::string> arms;
  std::map<std::string, std::vector<YamlBlock>> arm_overlays;
  std::map<std::string, Origin> arm_origin;
  std::vector<MeasureSpec> measures;
  struct RawTarget {
    TargetSpec spec;
    std::string file;
    Origin measure_origin;
  };
  std::vector<RawTarget> targets;
};

// Keys an arm may not set: they would make the arms differ in more than their levers.
const std::map<std::string, std::string> kNotInArms = {
    {"extends", "an arm is merged onto the trial's own file"},
    {"trial", "an arm cannot hold a trial"},
    {"sweep", "an arm cannot hold a sweep"},
    {"name", "the arm's name is its key under 'arms'"},
    {"seed", "every arm runs with the trial's seed (common random numbers)"},
    {"replicates", "every arm runs the trial's replicates (common random numbers)"},
    {"horizon", "every arm follows the cohort for the trial's horizon"},
    {"start_date", "every arm starts on the trial's date"},
    {"scale", "the cohort's size is trial.cohort"},
    {"population", "the cohort is the same people in every arm: give its profile outside the arms"},
};

void read_arm(const std::string& name, const YAML::Node& n, const std::string& file, Errors& errs, Merged& m) {
  const Origin o = origin_of(n, file);
  if (!n.IsNull() && !n.IsMap()) {
    errs.add(o, "arm '" + name + "' must be a map of scenario keys (a partial scenario, e.g. {housing: {model: "
                                 "step}}), got " + node_kind(n));
    return;
  }
  if (n.IsMap()) {
    bool ok = true;
    for (const auto& kv : n) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (auto it = kNotInArms.find(key); it != kNotInArms.end()) {
        errs.add(origin_of(kv.first, file), "'" + key + "' cannot be set in arm '" + name + "': " + it->second);
        ok = false;
      }
      if (key == "territories" && kv.second.IsSequence())
        for (const auto& t : kv.second)
          if (t.IsMap())
            for (const auto& tk : t)
              if (tk.first.IsScalar() && (tk.first.Scalar() == "initial_population" || tk.first.Scalar() == "inflow")) {
                errs.add(origin_of(tk.first, file), "'" + tk.first.Scalar() + "' cannot be set in arm '" + name +
                                                        "': the trial's cohort (trial.cohort) enters at week 0 and "
                                                        "nobody else arrives");
                ok = false;
              }
    }
    if (!ok) return;
  }
  if (!m.arm_overlays.count(name)) {
    m.arms.push_back(name);
    m.arm_origin[name] = origin_of(n, file);
  }
  m.arm_overlays[name].push_back(YamlBlock{file, n});
}

void read_measure(const std::string& id, const YAML::Node& key, const YAML::Node& n, const std::string& file,
                  Errors& errs, Merged& m) {
  MeasureSpec ms;
  ms.id = id;
  ms.origin = origin_of(key, file);
  if (!plain_name(id)) {
    errs.add(ms.origin, "measure id '" + id + "' must be letters, digits and '_' only");
    return;
  }
  if (!n.IsMap()) {
    errs.add(origin_of(n, file), "measure '" + id + "' must be a map such as {kind: stably_housed_share, at: 12 "
                                 "months}, got " + node_kind(n));
    return;
  }
  const YAML::Node kind = n["kind"];
  if (!kind) {
    errs.add(ms.origin, "measure '" + id + "' has no 'kind'" + hint("", measure_kind_names()));
    return;
  }
  const auto names = measure_kind_names();
  const auto it = kind.IsScalar() ? std::find(names.begin(), names.end(), kind.Scalar()) : names.end();
  if (it == names.end()) {
    errs.add(origin_of(kind, file), "unknown measure kind '" + (kind.IsScalar() ? kind.Scalar() : std::string("?")) +
                                        "' of measure '" + id + "'" + hint(kind.IsScalar() ? kind.Scalar() : "", names));
    return;
  }
  ms.kind = static_cast<MeasureKind>(it - names.begin());
  const auto args = measure_kind_args(ms.kind);
  bool ok = true;
  for (const auto& kv : n) {
    const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (k == "kind") continue;
    if (std::find(args.begin(), args.end(), k) == args.end()) {
      std::string list;
      for (const auto& a : args) list += (list.empty() ? "" : ", ") + a;
      const bool is_arg = k == "at" || k == "over" || k == "within" || k == "weeks" || k == "payer" || k == "institution" || k == "step";
      errs.add(origin_of(kv.first, file),
               (is_arg ? "'" + k + "' is not an argument of kind " + std::string(measure_kind_name(ms.kind))
                       : "unknown key '" + k + "' in measure '" + id + "'") +
                   " (kind " + measure_kind_name(ms.kind) + " takes: kind, " + list + ")");
      ok = false;
      continue;
    }
    if (k == "payer" || k == "institution" || k == "step") {  // a choice, not a time
      const std::vector<std::string> choices =
          k == "payer" ? out::payer_names() : k == "institution" ? institution_names() : family_care_steps();
      const std::string v = kv.second.IsScalar() ? kv.second.Scalar() : "";
      if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
        std::string list;
        for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
        errs.add(origin_of(kv.second, file), "measure '" + id + "': unknown " + k + " '" + v + "' (one of: " + list + ")" + closest(v, choices));
        ok = false;
      } else {
        (k == "payer" ? ms.payer : k == "institution" ? ms.institution : ms.step) = v;
        ms.args_text += (ms.args_text.empty() ? "" : ", ") + k + ": " + v;
      }
      continue;
    }
    int w = 0;
    std::string why;
    if (!parse_time(k, kv.second, w, why)) {
      errs.add(origin_of(kv.second, file), "measure '" + id + "': '" + k + "' " + why);
      ok = false;
      continue;
    }
    (k == "at" ? ms.at : k == "over" ? ms.over : k == "within" ? ms.within : ms.weeks) = w;
    ms.args_text += (ms.args_text.empty() ? "" : ", ") + k + ": " + kv.second.Scalar();
  }
  for (const auto& a : args) {
    if (a == "payer" || a == "institution" || a == "step") {
      if ((a == "payer" ? ms.payer : a == "institution" ? ms.institution : ms.step).empty() && ok) {
        errs.add(ms.origin, "measure '" + id + "' (kind " + measure_kind_name(ms.kind) + ") needs its argument '" + a + "' (e.g. " + a +
                                ": " + (a == "payer" ? "all" : a == "institution" ? "any" : "oriented") + ")");
        ok = false;
      }
      continue;
    }
    const int v = a == "at" ? ms.at : a == "over" ? ms.over : a == "within" ? ms.within : ms.weeks;
    if (v < 0 && ok) {
      errs.add(ms.origin, "measure '" + id + "' (kind " + measure_kind_name(ms.kind) + ") needs its time argument '" +
                              a + "' (e.g. " + a + ": " + (a == "weeks" ? "13 weeks" : "12 months") + ")");
      ok = false;
    }
  }
  if (!ok) return;
  if ((ms.kind == MeasureKind::housed_all_last || ms.kind == MeasureKind::housed_some_last ||
       ms.kind == MeasureKind::housed_none_last)) {
    if (ms.weeks < 1) errs.add(ms.origin, "measure '" + id + "': 'weeks' must be at least 1 week"), ok = false;
    else if (ms.weeks > ms.at)
      errs.add(ms.origin, "measure '" + id + "': the " + std::to_string(ms.weeks) + " weeks before 'at' (week " +
                              std::to_string(ms.at) + ") start before entry"),
          ok = false;
  }
  if ((ms.kind == MeasureKind::time_stably_housed_share || ms.kind == MeasureKind::months_worked_after_first_job ||
       measure_per_person_year(ms.kind)) &&
      ms.over < 1)
    errs.add(ms.origin, "measure '" + id + "': 'over' must be at least 1 week"), ok = false;
  if (!ok) return;
  auto same = std::find_if(m.measures.begin(), m.measures.end(), [&](const MeasureSpec& x) { return x.id == id; });
  if (same != m.measures.end()) *same = ms;  // an extending file replaces the base's measure
  else m.measures.push_back(ms);
}

void read_target(const std::string& id, const YAML::Node& key, const YAML::Node& n, const std::string& file,
                 Errors& errs, Merged& m) {
  Merged::RawTarget t;
  t.spec.id = id;
  t.spec.origin = origin_of(key, file);
  t.file = file;
  if (!plain_name(id)) {
    errs.add(t.spec.origin, "target id '" + id + "' must be letters, digits and '_' only");
    return;
  }
  if (!n.IsMap()) {
    errs.add(origin_of(n, file), "target '" + id + "' must be a map such as {published: {arm: 0.5}, tolerance: "
                                 "0.05}, got " + node_kind(n));
    return;
  }
  bool ok = true, has_tol = false;
  for (const auto& kv : n) {
    const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
    const Origin ko = origin_of(kv.first, file);
    if (k == "measure") {
      if (!kv.second.IsScalar()) errs.add(origin_of(kv.second, file), "'measure' expects a measure id"), ok = false;
      else t.spec.measure = kv.second.Scalar(), t.measure_origin = origin_of(kv.second, file);
    } else if (k == "published") {
      if (!kv.second.IsMap() || kv.second.size() == 0) {
        errs.add(origin_of(kv.second, file), "'published' expects a map of arm (or arm.measure, or a difference "
                                             "a-b) to the published value, e.g. {housing_first: 0.73}");
        ok = false;
        continue;
      }
      for (const auto& pv : kv.second) {
        const std::string pk = pv.first.IsScalar() ? pv.first.Scalar() : "";
        double x = 0;
        if (!pv.second.IsScalar() || !parse_number(pv.second.Scalar(), x)) {
          errs.add(origin_of(pv.second, file), "published value of '" + pk + "' must be a number");
          ok = false;
          continue;
        }
        PublishedValue v;
        v.key = pk;
        v.value = x;
        v.origin = origin_of(pv.first, file);
        t.spec.published.push_back(v);
      }
    } else if (k == "tolerance" || k == "tolerance_relative") {
      double x = 0;
      if (has_tol) {
        errs.add(ko, "target '" + id + "' gives both tolerance and tolerance_relative: give one");
        ok = false;
      } else if (!kv.second.IsScalar() || !parse_number(kv.second.Scalar(), x) || x < 0) {
        errs.add(origin_of(kv.second, file), "'" + k + "' expects a number at least 0");
        ok = false;
      }
      has_tol = true;
      t.spec.tolerance = x;
      t.spec.relative = k == "tolerance_relative";
    } else if (k == "source") {
      if (kv.second.IsScalar()) t.spec.source = kv.second.Scalar();
    } else {
      errs.add(ko, "unknown key '" + k + "' in target '" + id + "'" +
                       hint(k, {"measure", "published", "tolerance", "tolerance_relative", "source"}));
      ok = false;
    }
  }
  if (t.spec.published.empty() && ok) errs.add(t.spec.origin, "target '" + id + "' has no 'published' values"), ok = false;
  if (!has_tol && ok)
    errs.add(t.spec.origin, "target '" + id + "' needs 'tolerance' (absolute) or 'tolerance_relative' (a share of the "
                            "published value)"),
        ok = false;
  if (!ok) return;
  auto same = std::find_if(m.targets.begin(), m.targets.end(), [&](const Merged::RawTarget& x) { return x.spec.id == id; });
  if (same != m.targets.end()) *same = t;
  else m.targets.push_back(t);
}

void read_block(const YamlBlock& b, Errors& errs, Merged& m) {
  const YAML::Node& n = b.node;
  if (!n.IsMap()) {
    errs.add(origin_of(n, b.file), std::string("'trial' must be a map with cohort, arms, measures and targets, got ") +
                                       node_kind(n));
    return;
  }
  for (const auto& kv : n) {
    const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
    const Origin ko = origin_of(kv.first, b.file);
    const YAML::Node& v = kv.second;
    if (k == "cohort") {
      double x = 0;
      if (!v.IsScalar() || !parse_number(v.Scalar(), x) || x != std::floor(x) || x < 1 || x > 10000000)
        errs.add(origin_of(v, b.file), "'trial.cohort' expects the number of people entering at week 0 (an integer, 1 "
                                       "to 10,000,000)");
      else m.cohort = static_cast<int>(x), m.cohort_origin = origin_of(v, b.file);
    } else if (k == "arms" || k == "measures" || k == "targets") {
      if (!v.IsMap()) {
        errs.add(origin_of(v, b.file), "'trial." + k + "' must be a map of " +
                                           (k == "arms" ? "arm names to partial scenarios" : k == "measures" ? "measure ids to {kind, time argument}" : "target ids to {published, tolerance}") +
                                           ", got " + node_kind(v));
        continue;
      }
      for (const auto& e : v) {
        const std::string id = e.first.IsScalar() ? e.first.Scalar() : "";
        if (k == "arms") {
          if (!plain_name(id)) {
            errs.add(origin_of(e.first, b.file), "arm name '" + id + "' must be letters, digits and '_' only (it "
                                                 "names the arm's results, and published keys use '.' and '-')");
            continue;
          }
          read_arm(id, e.second, b.file, errs, m);
        } else if (k == "measures") {
          read_measure(id, e.first, e.second, b.file, errs, m);
        } else {
          read_target(id, e.first, e.second, b.file, errs, m);
        }
      }
    } else {
      errs.add(ko, "unknown key '" + k + "' in trial" + hint(k, {"cohort", "arms", "measures", "targets"}));
    }
  }
}

// Splits a published key into its terms: "a", "a.m", "a-b", "a.m-b.n".
bool parse_term(const std::string& s, const std::string& default_measure, TargetTerm& t) {
  const auto dot = s.find('.');
  t.arm = s.substr(0, dot);
  t.measure = dot == std::string::npos ? default_measure : s.substr(dot + 1);
  return !t.arm.empty();
}

Trial load(const std::string* text, const std::string& path, const LoadOptions& options) {
  std::vector<YamlBlock> blocks;
  Trial trial;
  trial.base = load_with_overlays(text, path, options, {}, &blocks);
  if (blocks.empty())
    throw ScenarioError(path + ":1:1: not a trial: the file has no 'trial:' block (see docs/trials.md)");
  Errors errs;
  Merged m;
  for (const auto& b : blocks) read_block(b, errs, m);
  const Origin top{path, 1, 1};
  if (m.cohort == 0 && errs.list.empty()) errs.add(blocks.back().node.IsMap() ? origin_of(blocks.back().node, blocks.back().file) : top, "the trial has no 'cohort' (the number of people entering at week 0)");
  if (m.arms.empty() && errs.list.empty()) errs.add(origin_of(blocks.back().node, blocks.back().file), "the trial has no arms ('arms:' with at least one arm)");
  const Scenario& base = trial.base;
  if (base.territories.size() != 1)
    errs.add(base.territories_origin, "a trial has exactly one territory (the services around the cohort); this "
                                      "file has " + std::to_string(base.territories.size()));
  if (base[G::scale] != 1)
    errs.add(base.at(G::scale).origin, "a trial's cohort size is trial.cohort: 'scale' must be 1");
  // Measures: times within the horizon.
  const int W = base.weeks();
  for (const auto& ms : m.measures) {
    const int end = std::max({ms.at, ms.over, ms.within});
    if (end > W)
      errs.add(ms.origin, "measure '" + ms.id + "' looks at week " + std::to_string(end) + ", beyond the horizon (" +
                              std::to_string(W) + " weeks): lengthen the horizon or shorten the measure");
    if (ms.kind == MeasureKind::months_worked_after_first_job && ms.over >= W)
      errs.add(ms.origin, "measure '" + ms.id + "': a window of " + std::to_string(ms.over) +
                              " weeks after the first job cannot fit the horizon (" + std::to_string(W) + " weeks)");
  }
  // Targets: published keys name known arms and measures; each (arm, measure) once.
  std::vector<std::string> measure_ids;
  for (const auto& ms : m.measures) measure_ids.push_back(ms.id);
  std::set<std::pair<std::string, std::string>> seen;
  for (auto& rt : m.targets) {
    TargetSpec& t = rt.spec;
    const bool id_is_measure = std::find(measure_ids.begin(), measure_ids.end(), t.id) != measure_ids.end();
    if (!t.measure.empty() && std::find(measure_ids.begin(), measure_ids.end(), t.measure) == measure_ids.end()) {
      errs.add(rt.measure_origin, "target '" + t.id + "' names unknown measure '" + t.measure + "'" + hint(t.measure, measure_ids));
      continue;
    }
    const std::string dflt = !t.measure.empty() ? t.measure : id_is_measure ? t.id : "";
    if (t.measure.empty()) t.measure = dflt;
    for (auto& pv : t.published) {
      const auto dash = pv.key.find('-');
      const std::string first = pv.key.substr(0, dash);
      bool ok = parse_term(first, dflt, pv.a);
      if (dash != std::string::npos) {
        TargetTerm b;
        ok = ok && parse_term(pv.key.substr(dash + 1), dflt, b);
        pv.minus = b;
      }
      if (!ok) {
        errs.add(pv.origin, "published key '" + pv.key + "' must be an arm, arm.measure or a difference a-b");
        continue;
      }
      for (const TargetTerm* term : {&pv.a, pv.minus ? &*pv.minus : nullptr}) {
        if (!term) continue;
        {
          if (std::find(m.arms.begin(), m.arms.end(), term->arm) == m.arms.end()) {
            errs.add(pv.origin, "target '" + t.id + "' names unknown arm '" + term->arm + "'" + hint(term->arm, m.arms));
            ok = false;
          } else if (term->measure.empty()) {
            errs.add(pv.origin, "target '" + t.id + "': published key '" + pv.key + "' names no measure: write " +
                                    term->arm + ".<measure>, or give the target a 'measure:' (or an id that is a "
                                    "measure's)");
            ok = false;
          } else if (std::find(measure_ids.begin(), measure_ids.end(), term->measure) == measure_ids.end()) {
            errs.add(pv.origin, "target '" + t.id + "' names unknown measure '" + term->measure + "'" + hint(term->measure, measure_ids));
            ok = false;
          }
        }
      }
      if (!ok) continue;
      // The published value within its measure's range (a difference: within the range of the
      // differences), and a tolerance that can be missed.
      const auto ms = std::find_if(m.measures.begin(), m.measures.end(),
                                   [&](const MeasureSpec& x) { return x.id == pv.a.measure; });
      const bool share = ms != m.measures.end() && measure_is_share(ms->kind);
      const double lo = share ? (pv.minus ? -1.0 : 0.0) : (pv.minus ? -INFINITY : 0.0), hi = share ? 1.0 : INFINITY;
      if (pv.value < lo || pv.value > hi)
        errs.add(pv.origin, "target '" + t.id + "': published value " + out::shortest_number(pv.value) + " of '" + pv.key +
                                "' is outside the range of measure '" + pv.a.measure + "' (" +
                                (share ? pv.minus ? "a difference of shares: -1 to 1" : "a share: 0 to 1, e.g. 0.73 for 73%"
                                       : "days, weeks, months or costs: at least 0") + ")");
      if (!t.relative && share && t.tolerance > 1)
        errs.add(t.origin, "target '" + t.id + "': tolerance " + out::shortest_number(t.tolerance) + " is wider than the "
                           "range of a share (0 to 1): the target could never be missed (give e.g. 0.05)");
      if (t.relative && t.tolerance > 1)
        errs.add(t.origin, "target '" + t.id + "': tolerance_relative " + out::shortest_number(t.tolerance) + " is more than "
                           "100% of the published value: the target could never be missed (give e.g. 0.1)");
      if (!t.relative && !share && !pv.minus && pv.value > 0 && t.tolerance > pv.value)
        errs.add(t.origin, "target '" + t.id + "': tolerance " + out::shortest_number(t.tolerance) + " is wider than the "
                           "published value " + out::shortest_number(pv.value) + " of '" + pv.key + "': any value from 0 "
                           "would meet it (give a tolerance smaller than the value)");
      if (pv.minus && pv.minus->arm == pv.a.arm && pv.minus->measure == pv.a.measure)
        errs.add(pv.origin, "published key '" + pv.key + "' is a difference of a value with itself");
      if (!pv.minus && !seen.insert({pv.a.arm, pv.a.measure}).second)
        errs.add(pv.origin, "arm '" + pv.a.arm + "', measure '" + pv.a.measure +
                                "' has a published value in two targets: give each value once");
    }
  }
  errs.raise();
  trial.spec.cohort = m.cohort;
  trial.spec.arms = m.arms;
  trial.spec.measures = m.measures;
  for (const auto& rt : m.targets) trial.spec.targets.push_back(rt.spec);
  // The arms: the file with each arm's levers merged on, the cohort as the only population.
  for (const auto& arm : m.arms) {
    try {
      Scenario s = load_with_overlays(text, path, options, m.arm_overlays.at(arm), nullptr);
      s.set("name", arm);
      s.set("territories[].initial_population", std::to_string(m.cohort));
      s.set("territories[].inflow", "0");
      trial.arms.push_back(std::move(s));
    } catch (const ScenarioError& e) {
      errs.add(e);
    }
  }
  errs.raise();
  return trial;
}

}  // namespace

const char* measure_kind_name(MeasureKind k) { return kKindNames[static_cast<int>(k)]; }

std::vector<std::string> measure_kind_args(MeasureKind k) {
  std::vector<std::string> out;
  std::string s = kKindArgs[static_cast<int>(k)];
  for (std::size_t pos = 0; pos <= s.size();) {
    const auto comma = std::min(s.find(',', pos), s.size());
    out.push_back(s.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

std::vector<std::string> measure_kind_names() { return {std::begin(kKindNames), std::end(kKindNames)}; }

bool measure_is_share(MeasureKind k) {
  switch (k) {
    case MeasureKind::days_to_stable_housing:
    case MeasureKind::weeks_to_first_job:
    case MeasureKind::months_worked_after_first_job:
    case MeasureKind::family_care_count: return false;
    default: return !measure_per_person_year(k);
  }
}

bool measure_per_person_year(MeasureKind k) {
  return k == MeasureKind::cost_per_person_year || k == MeasureKind::institution_days_per_person_year ||
         k == MeasureKind::emergency_visits_per_person_year || k == MeasureKind::shelter_nights_per_person_year;
}

const std::vector<std::string>& family_care_steps() {
  static const std::vector<std::string> v = {"oriented",         "skills_identified", "skills_validated", "trained",
                                             "matched",          "families_advised",  "family_incentives", "regular_contracts"};
  return v;
}

const std::vector<std::string>& institution_names() {
  static const std::vector<std::string> v = {"any", "hospital", "psychiatric", "prison"};
  return v;
}

double TargetSpec::tolerance_of(double published) const { return relative ? tolerance * std::fabs(published) : tolerance; }

const MeasureSpec* TrialSpec::measure(const std::string& id) const {
  for (const auto& m : measures)
    if (m.id == id) return &m;
  return nullptr;
}
const TargetSpec* TrialSpec::target(const std::string& id) const {
  for (const auto& t : targets)
    if (t.id == id) return &t;
  return nullptr;
}

Trial load_trial(const std::string& path, const LoadOptions& options) { return load(nullptr, path, options); }

Trial parse_trial(const std::string& yaml_text, const std::string& pseudo_file, const LoadOptions& options) {
  return load(&yaml_text, pseudo_file, options);
}

bool is_trial_file(const std::string& path) {
  try {
    std::vector<YamlBlock> blocks;
    LoadOptions o;
    o.seed = 0;
    load_with_overlays(nullptr, path, o, {}, &blocks);
    return !blocks.empty();
  } catch (const ScenarioError&) {
    // A broken file: look for the key itself, so that `validate` reports the trial's errors.
    try {
      if (!input_file_problem(path, "trial file").empty()) return false;  // never read a huge file whole
      return static_cast<bool>(YAML::LoadFile(path)["trial"]);
    } catch (...) {
      return false;
    }
  }
}

}  // namespace percorsi
