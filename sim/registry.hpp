// The parameter registry: one table (sim/params.def) with every scenario key's type,
// default, unit, bounds, description and source. Ids are generated from the same table,
// so the engine reads parameters by enum and the loader validates by path.
#pragma once

#include <string>
#include <vector>

namespace percorsi {

enum class Scope { Global, Territory, Event };
enum class Kind { Real, Int, Bool, Choice, Duration, Time, Text };

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
  std::string key() const;   // path without the "territories[]." / "events[]." prefix
};

// Ids of each scope, in table order: G (global), T (territory), E (event).
#define PARAM(scope, id, ...) PERCORSI_ID_##scope(id)
#define PERCORSI_ID_Global(id) id,
#define PERCORSI_ID_Territory(id)
#define PERCORSI_ID_Event(id)
enum class G : int {
#include "sim/params.def"
  count_
};
#undef PERCORSI_ID_Global
#undef PERCORSI_ID_Territory
#define PERCORSI_ID_Global(id)
#define PERCORSI_ID_Territory(id) id,
enum class T : int {
#include "sim/params.def"
  count_
};
#undef PERCORSI_ID_Territory
#undef PERCORSI_ID_Event
#define PERCORSI_ID_Territory(id)
#define PERCORSI_ID_Event(id) id,
enum class E : int {
#include "sim/params.def"
  count_
};
#undef PERCORSI_ID_Global
#undef PERCORSI_ID_Territory
#undef PERCORSI_ID_Event
#undef PARAM

const std::vector<ParamSpec>& registry();
const std::vector<const ParamSpec*>& params_of(Scope s);
const char* kind_name(Kind k);
// Markdown reference of every parameter (docs/parameters.md is this text).
std::string registry_markdown();

}  // namespace percorsi
