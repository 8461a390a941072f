#include "sim/registry/registry.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>
#include <stdexcept>

namespace percorsi {

namespace {

// The choices as the table writes them, stringified: "(a, b, c)" or "()".
std::vector<std::string> split_choices(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == '(' || c == ')' || c == ' ') continue;
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::vector<ParamSpec> build() {
  std::vector<ParamSpec> v;
  int counts[3] = {0, 0, 0};
#define PARAM(scope, id, path, kind, def, unit, lo, hi, choices, desc, source)                 \
  v.push_back(ParamSpec{Scope::scope, #id, path, Kind::kind, def, unit, double(lo), double(hi), \
                        split_choices(#choices), desc, source,                                   \
                        counts[static_cast<int>(Scope::scope)]++, {}, Evidence::missing, {}, {}, -1});
#include "sim/registry/params.def"
#undef PARAM
  // Plausible ranges (plausible.def) and evidence classes (evidence.def): an id params.def lacks
  // does not compile; a class not among Evidence's stays `missing` (a test names it).
  auto at = [&](Scope s, int index) -> ParamSpec& {
    return *std::find_if(v.begin(), v.end(), [&](const ParamSpec& p) { return p.scope == s && p.index == index; });
  };
  // A parameter judged twice (in plausible.def and beside its PARAM line, say) is a programming
  // error: the registry refuses to start rather than keep one of the two silently.
  auto once = [](ParamSpec& p, bool already, const char* what) -> ParamSpec& {
    if (already) throw std::logic_error("sim/registry: parameter '" + p.path + "' is given " + what + " twice");
    return p;
  };
  auto plausible = [&](ParamSpec& p, double lo, double hi, const char* why) {
    once(p, p.plausible.has_value(), "a plausible range").plausible = Plausible{lo, hi, why};
  };
#define PLAUSIBLE(id, lo, hi, why) plausible(at(Scope::Global, static_cast<int>(G::id)), lo, hi, why);
#define PLAUSIBLE_T(id, lo, hi, why) plausible(at(Scope::Territory, static_cast<int>(T::id)), lo, hi, why);
#define PARAM(...)
#include "sim/registry/plausible.def"
#include "sim/registry/params.def"
#undef PARAM
#undef PLAUSIBLE
#undef PLAUSIBLE_T
  auto evidence = [&](ParamSpec& p, const char* cls, const char* detail) {
    once(p, !p.evidence_detail.empty(), "an evidence class").evidence = evidence_of(cls);
    p.evidence_detail = detail;
  };
#define EVIDENCE(id, cls, detail) evidence(at(Scope::Global, static_cast<int>(G::id)), #cls, detail);
#define EVIDENCE_T(id, cls, detail) evidence(at(Scope::Territory, static_cast<int>(T::id)), #cls, detail);
#define EVIDENCE_E(id, cls, detail) evidence(at(Scope::Event, static_cast<int>(E::id)), #cls, detail);
#define PARAM(...)
#include "sim/registry/evidence.def"
#include "sim/registry/params.def"
#undef PARAM
#undef EVIDENCE
#undef EVIDENCE_T
#undef EVIDENCE_E
  int levers = 0;
  auto lever = [&](ParamSpec& p, const char* label) { once(p, p.lever >= 0, "a lever line").label = label, p.lever = levers++; };
#define LEVER(id, label) lever(at(Scope::Global, static_cast<int>(G::id)), label);
#define LEVER_T(id, label) lever(at(Scope::Territory, static_cast<int>(T::id)), label);
#define PARAM(...)
#include "sim/registry/levers.def"
#include "sim/registry/params.def"
#undef PARAM
#undef LEVER
#undef LEVER_T
  return v;
}

constexpr Evidence kEvidence[] = {Evidence::published, Evidence::calibrated, Evidence::assumption, Evidence::legal,
                                  Evidence::definition};

}  // namespace

const char* evidence_name(Evidence e) {
  switch (e) {
    case Evidence::missing: return "missing";
    case Evidence::published: return "published";
    case Evidence::calibrated: return "calibrated";
    case Evidence::assumption: return "assumption";
    case Evidence::legal: return "legal";
    case Evidence::definition: return "definition";
  }
  return "?";
}

Evidence evidence_of(const std::string& name) {
  for (Evidence e : kEvidence)
    if (name == evidence_name(e)) return e;
  return Evidence::missing;
}

std::string ParamSpec::key() const {
  auto p = path.find("[].");
  return p == std::string::npos ? path : path.substr(p + 3);
}

const std::vector<ParamSpec>& registry() {
  static const std::vector<ParamSpec> r = build();
  return r;
}

std::vector<const ParamSpec*> levers() {
  std::vector<const ParamSpec*> out;
  for (const auto& p : registry())
    if (p.lever >= 0) out.push_back(&p);
  std::sort(out.begin(), out.end(), [](const ParamSpec* a, const ParamSpec* b) { return a->lever < b->lever; });
  return out;
}

const std::vector<const ParamSpec*>& params_of(Scope s) {
  static const auto by_scope = [] {
    std::vector<std::vector<const ParamSpec*>> out(3);
    for (const auto& p : registry()) out[static_cast<int>(p.scope)].push_back(&p);
    return out;
  }();
  return by_scope[static_cast<int>(s)];
}

std::vector<const ParamSpec*> params_of(Evidence e) {
  std::vector<const ParamSpec*> out;
  for (const auto& p : registry())
    if (p.evidence == e) out.push_back(&p);
  return out;
}

const ParamSpec& spec(G id) { return *params_of(Scope::Global)[static_cast<std::size_t>(id)]; }
const ParamSpec& spec(T id) { return *params_of(Scope::Territory)[static_cast<std::size_t>(id)]; }

const ParamSpec* find_param(Scope scope, const std::string& key) {
  for (const ParamSpec* p : params_of(scope))
    if ((scope == Scope::Global ? p->path : p->key()) == key) return p;
  return nullptr;
}

const ParamSpec* find_global_param(const std::string& path_or_id) {
  for (const ParamSpec* p : params_of(Scope::Global))
    if (p->path == path_or_id || p->id == path_or_id) return p;
  return nullptr;
}

std::vector<std::string> paths_of(Scope s) {
  std::vector<std::string> out;
  for (const ParamSpec* p : params_of(s)) out.push_back(p->path);
  return out;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Real: return "real";
    case Kind::Int: return "integer";
    case Kind::Bool: return "boolean";
    case Kind::Choice: return "choice";
    case Kind::Duration: return "duration";
    case Kind::Time: return "time";
    case Kind::Text: return "text";
  }
  return "?";
}

namespace {
std::string fmt_bound(double x) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}
std::string md_escape(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}
}  // namespace

std::string evidence_phrase(const ParamSpec& p) {
  const std::string detail = " (" + p.evidence_detail + ")";
  switch (p.evidence) {
    case Evidence::assumption:
      if (!p.plausible) return "an assumption" + detail;
      return "an assumption (plausible range " + fmt_bound(p.plausible->lo) + " to " + fmt_bound(p.plausible->hi) +
             (p.kind == Kind::Duration ? " weeks" : "") + ": " + p.plausible->reason + ")";
    case Evidence::calibrated: return "calibrated" + detail;
    case Evidence::published: return "published" + detail;
    case Evidence::legal: return "set by law" + detail;
    case Evidence::definition: return "a definition" + detail;
    case Evidence::missing: break;
  }
  return "of no evidence class (sim/registry/evidence.def has no line for it)";
}

std::string registry_markdown() {
  std::ostringstream os;
  os << "# Parameter reference\n\n"
        "Generated from `sim/registry/params.def`, `plausible.def` and `evidence.def` by `percorsi params "
        "--markdown`; do not edit by hand (a test fails when this file is stale).\n\n"
        "Durations take units (`26 weeks`, `6 months`, `2 years`, `10 days`); a month is 52/12 "
        "weeks. Rates \"per year\" become weekly probabilities p = 1 - exp(-rate/52 * "
        "exp(sum of coefficient * covariate)). Territory keys go in each item of `territories:` "
        "or once in `territory_defaults:`; event keys in each item of `events:`.\n\n"
        "The plausible column gives the interval a researcher would call plausible for an uncertain "
        "parameter (from `sim/registry/plausible.def`; durations in weeks): `percorsi sensitivity` varies "
        "parameters over it (docs/sensitivity.md).\n\n"
        "The evidence column gives what the default rests on (from `sim/registry/evidence.def`): "
        "**published** (an estimate read from a named study: the source, the estimate, its interval where known, "
        "the population), **calibrated** (fitted by `percorsi calibrate`: the calibration file and the targets, "
        "docs/calibration.md), **assumption** (a judged value: what it rests on; its plausible range and reason "
        "are in the plausible column), **legal** (set by a law or a regulation) or **definition** (a setting of "
        "the run, a name, a seed, a switch or lever of the scenario, a unit, a definition or another choice of "
        "the analyst).\n";
  const char* titles[3] = {"Scenario keys", "Territory keys (`territories[]`)", "Event keys (`events[]`)"};
  for (int s = 0; s < 3; ++s) {
    os << "\n## " << titles[s] << "\n\n"
       << "| key | type | default | unit | range | plausible | description | source | evidence |\n"
       << "|---|---|---|---|---|---|---|---|---|\n";
    for (const ParamSpec* p : params_of(static_cast<Scope>(s))) {
      std::string range;
      if (p->kind == Kind::Choice) {
        for (size_t i = 0; i < p->choices.size(); ++i) range += (i ? " \\| " : "") + ("`" + p->choices[i] + "`");
      } else if (p->kind != Kind::Text && p->kind != Kind::Bool) {
        range = "[" + fmt_bound(p->min) + ", " + fmt_bound(p->max) + "]";
      }
      std::string plausible;
      if (p->plausible)
        plausible = "[" + fmt_bound(p->plausible->lo) + ", " + fmt_bound(p->plausible->hi) + "]: " + p->plausible->reason;
      std::string def = p->default_text.empty() ? (p->kind != Kind::Text ? "*required*" : "") : "`" + p->default_text + "`";
      os << "| `" << p->path << "` | " << kind_name(p->kind) << " | " << def << " | " << md_escape(p->unit) << " | "
         << range << " | " << md_escape(plausible) << " | " << md_escape(p->description) << " | "
         << md_escape(p->source) << " | "
         << md_escape(std::string(evidence_name(p->evidence)) + ": " + p->evidence_detail) << " |\n";
    }
  }
  return os.str();
}

}  // namespace percorsi
