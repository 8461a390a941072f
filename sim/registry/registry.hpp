// The parameter registry: one table (sim/registry/params.def) with every scenario key's type,
// default, unit, bounds, description and source, with the plausible ranges (plausible.def) and
// the evidence classes (evidence.def) beside it. Ids are generated from the same table,
// so the engine reads parameters by enum and the loader validates by path.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace percorsi {

enum class Scope { Global, Territory, Event };
enum class Kind { Real, Int, Bool, Choice, Duration, Time, Text };

// The interval a researcher would call plausible for an uncertain parameter
// (sim/registry/plausible.def), in the parameter's stored unit (durations in weeks).
struct Plausible {
  double lo, hi;
  std::string reason;
};

// What a parameter's default rests on (sim/registry/evidence.def; ../shared/MODEL.md, "Evidence,
// balance and money"). `missing`: no line in evidence.def, or a class not among these (a test
// names it).
enum class Evidence { missing, published, calibrated, assumption, legal, definition };
const char* evidence_name(Evidence e);  // "published", ...; "missing"
// The class named by `name` ("published", ...), or Evidence::missing.
Evidence evidence_of(const std::string& name);

struct ParamSpec {
  Scope scope;
  std::string id;
  std::string path;          // dotted path; territory and event keys as "territories[].x"
  Kind kind;
  std::string default_text;  // as it would be written in YAML ("" = no default / required)
  std::string unit;
  double min, max;
  std::vector<std::string> choices;
  std::string description;
  std::string source;
  int index;                 // position within its scope (= the enum value)
  std::optional<Plausible> plausible;  // from plausible.def (none: not uncertain, or not yet judged)
  Evidence evidence;                   // from evidence.def
  std::string evidence_detail;         // what it rests on (the source, the calibration, the reason)
  std::string label;                   // a policy lever's words for a room (levers.def); "" otherwise
  int lever = -1;                      // its place among the levers (levers.def), -1: not a lever
  std::string key() const;   // path without the "territories[]." / "events[]." prefix
  // Whether its value is a planning assumption (evidence class `assumption`).
  bool assumption() const { return evidence == Evidence::assumption; }
};

// Ids of each scope, in table order: G (global), T (territory), E (event).
#define PARAM(scope, id, ...) PERCORSI_ID_##scope(id)
#define PERCORSI_ID_Global(id) id,
#define PERCORSI_ID_Territory(id)
#define PERCORSI_ID_Event(id)
enum class G : int {
#include "sim/registry/params.def"
  count_
};
#undef PERCORSI_ID_Global
#undef PERCORSI_ID_Territory
#define PERCORSI_ID_Global(id)
#define PERCORSI_ID_Territory(id) id,
enum class T : int {
#include "sim/registry/params.def"
  count_
};
#undef PERCORSI_ID_Territory
#undef PERCORSI_ID_Event
#define PERCORSI_ID_Territory(id)
#define PERCORSI_ID_Event(id) id,
enum class E : int {
#include "sim/registry/params.def"
  count_
};
#undef PERCORSI_ID_Global
#undef PERCORSI_ID_Territory
#undef PERCORSI_ID_Event
#undef PARAM

// Choice parameters as enums, one per Choice entry of the table, with its choices in order:
// choice::housing_model::{step, housing_first, mixed}, ...
#define PERCORSI_BRACED(...) {__VA_ARGS__}
#define PARAM(scope, id, path, kind, def, unit, lo, hi, choices, ...) PERCORSI_CHOICE_##kind(id, choices)
#define PERCORSI_CHOICE_Real(id, c)
#define PERCORSI_CHOICE_Int(id, c)
#define PERCORSI_CHOICE_Bool(id, c)
#define PERCORSI_CHOICE_Duration(id, c)
#define PERCORSI_CHOICE_Time(id, c)
#define PERCORSI_CHOICE_Text(id, c)
#define PERCORSI_CHOICE_Choice(id, c) enum class id : int PERCORSI_BRACED c;
namespace choice {
#include "sim/registry/params.def"
}  // namespace choice
#undef PERCORSI_CHOICE_Choice
// ChoiceOf<G::housing_model>::type is choice::housing_model (and likewise for T and E ids).
template <auto Id>
struct ChoiceOf;
#define PERCORSI_LETTER_Global G
#define PERCORSI_LETTER_Territory T
#define PERCORSI_LETTER_Event E
#define PERCORSI_CAT(a, b) a##b
#define PERCORSI_LETTER(scope) PERCORSI_CAT(PERCORSI_LETTER_, scope)
#undef PARAM
#define PARAM(scope, id, path, kind, def, unit, lo, hi, choices, ...) PERCORSI_TRAIT_##kind(PERCORSI_LETTER(scope), id)
#define PERCORSI_TRAIT_Real(L, id)
#define PERCORSI_TRAIT_Int(L, id)
#define PERCORSI_TRAIT_Bool(L, id)
#define PERCORSI_TRAIT_Duration(L, id)
#define PERCORSI_TRAIT_Time(L, id)
#define PERCORSI_TRAIT_Text(L, id)
#define PERCORSI_TRAIT_Choice(L, id) \
  template <>                        \
  struct ChoiceOf<L::id> {           \
    using type = choice::id;         \
  };
#include "sim/registry/params.def"
#undef PARAM
#undef PERCORSI_TRAIT_Choice
#undef PERCORSI_TRAIT_Real
#undef PERCORSI_TRAIT_Int
#undef PERCORSI_TRAIT_Bool
#undef PERCORSI_TRAIT_Duration
#undef PERCORSI_TRAIT_Time
#undef PERCORSI_TRAIT_Text
#undef PERCORSI_CHOICE_Real
#undef PERCORSI_CHOICE_Int
#undef PERCORSI_CHOICE_Bool
#undef PERCORSI_CHOICE_Duration
#undef PERCORSI_CHOICE_Time
#undef PERCORSI_CHOICE_Text

const std::vector<ParamSpec>& registry();
// The policy levers (sim/registry/levers.def), in their order.
std::vector<const ParamSpec*> levers();
const std::vector<const ParamSpec*>& params_of(Scope s);
// The parameters of an evidence class, in table order.
std::vector<const ParamSpec*> params_of(Evidence e);
const ParamSpec& spec(G id);
const ParamSpec& spec(T id);
// The parameter of a scope by its YAML path (Global: "step.move_on_rate") or key (Territory and
// Event: "shelter_beds"), or nullptr.
const ParamSpec* find_param(Scope scope, const std::string& key);
// The Global parameter named by its YAML path ("employment.follow_up.effect") or its id
// ("employment_follow_up_effect"), or nullptr.
const ParamSpec* find_global_param(const std::string& path_or_id);
// The YAML paths of the parameters of a scope, in table order (for "did you mean").
std::vector<std::string> paths_of(Scope s);
// The plausible range of a parameter (sim/registry/plausible.def), if it has one.
inline const std::optional<Plausible>& plausible(G id) { return spec(id).plausible; }
inline const std::optional<Plausible>& plausible(T id) { return spec(id).plausible; }
const char* kind_name(Kind k);
// "an assumption (plausible range 0.2 to 0.7: from weak to strong)", "calibrated (scenarios/...)",
// "published (fio.PSD ...)": the parameter's evidence in a sentence, as the lessons page gives it.
std::string evidence_phrase(const ParamSpec& p);
// Markdown reference of every parameter (docs/parameters.md is this text).
std::string registry_markdown();

}  // namespace percorsi
