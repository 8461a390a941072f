// The data dictionary: one row per group, dataset and attribute of the results layout, and a
// check that a results file agrees with it. The rows of the weekly series, headline indicators
// (with their summaries) and person columns are generated from the output table
// (sim/registry/outputs.def); the other rows (groups, attributes, territories, timeline, weekly
// summaries) are in output/dictionary.csv, embedded in the library at build time.
//
// Paths use placeholders for the variable parts: `{scenario}` for the name of a scenario
// under /scenarios, `{replicate}` for a replicate group (r0000, r0001, ...), `{series}` for a
// weekly series under /scenarios/{scenario}/summary/weekly. Attributes are
// written `<object path>@<attribute name>`: `/@format`, `/scenarios/{scenario}@seed`.
// Types: group, int32, uint64, float64, string (other HDF5 types are named int16, uint32,
// float32, compound, ... by the check).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace percorsi::out {

struct DictEntry {
  std::string path;     // e.g. /scenarios/{scenario}/replicates/{replicate}/weekly
  std::string kind;     // group | dataset | attribute
  std::string type;     // group | int32 | uint64 | float64 | string
  std::string unit;     // may be empty
  std::string meaning;
  // Written only in some files: the family-care model's headline indicators (fc_*), only by
  // scenarios with family_care.enabled (so that the tables of the others stay as they were).
  bool optional = false;
};

// The whole dictionary: the embedded CSV rows with the output table's rows after the weekly,
// persons and headline group rows (built once; throws std::runtime_error if the CSV is malformed).
const std::vector<DictEntry>& dictionary();
// The rows of the files one command writes: "run" (also compare and merge: no /trial, no
// /sensitivity, no /robustness), "trial" (with /trial), "sensitivity" (with /sensitivity) or
// "robustness" (compare --robustness --out: with /robustness).
std::vector<DictEntry> dictionary_for(const std::string& command);
// The CSV rows with the output table's rows inserted (what dictionary() returns).
std::vector<DictEntry> with_output_rows(const std::vector<DictEntry>& file_rows);

// Parses dictionary CSV text (header `path,kind,type,unit,meaning`; quoted fields may hold
// commas, newlines and doubled quotes). Throws std::runtime_error naming the line.
std::vector<DictEntry> parse_dictionary_csv(std::string_view csv);

// Maps a concrete object path (optionally `@attr`) to its dictionary form:
// "/scenarios/base/replicates/r0003/weekly@x" -> "/scenarios/{scenario}/replicates/{replicate}/weekly@x".
std::string generic_path(const std::string& concrete);

// The entry of `dict` with this (generic) path, or nullptr.
const DictEntry* find_entry(const std::vector<DictEntry>& dict, const std::string& path);

// Walks every group, dataset and attribute of the file and compares with `dict` both ways.
// Returns one line per problem (empty: the file and the dictionary agree):
//   "not in dictionary: dataset /scenarios/{scenario}/... (float64), e.g. /scenarios/a/..."
//   "missing from file: attribute /scenarios/{scenario}@seed (uint64)"
//   "type mismatch: attribute /@threads: file has int64, dictionary says int32"
//   "kind mismatch: ...", "duplicate dictionary row: ..."
// Throws ReadError if the file cannot be opened.
std::vector<std::string> check_against_dictionary(const std::string& h5_path, const std::vector<DictEntry>& dict);

// The dictionary as a Markdown table (for the docs).
std::string dictionary_markdown(const std::vector<DictEntry>& dict);
std::string dictionary_markdown();  // of dictionary()

}  // namespace percorsi::out
