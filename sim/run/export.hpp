// Tidy CSV tables of a results file (`percorsi export FILE.h5 --out DIR`), for pandas, R and
// spreadsheets: one observation per row, numbers as numbers, categories as labels.
#pragma once

#include <string>
#include <vector>

namespace percorsi {

// Writes into `dir` (created if needed):
//   weekly.csv     scenario,replicate,week,territory,series,value          (every weekly series)
//   persons.csv    scenario,replicate, then one column per person column; territory, states,
//                  pathway steps and target groups as labels (groups: "homeless;disability"),
//                  "not reached"/"never" codes (-1) as empty cells
//   headline.csv   scenario,replicate,indicator,value                      (one value per replicate)
//   summary.csv    the tidy comparison table (as `percorsi compare FILE --format csv`)
//   scenarios.csv  scenario,seed,replicates,weeks,start_date,territories, then the swept levers
// Returns the paths written. The tables are written in a staging folder "<dir>.tmp-<pid>" beside
// `dir`, every write and close checked, and moved into `dir` when all are complete (on failure
// the staging folder is removed and the error rethrown: nothing is left half-written). Throws
// out::ReadError for an unreadable file, out::DamagedResults for a damaged one (nothing written),
// out::OutputRefused when `dir` holds the tables of an earlier export and `force` is false.
std::vector<std::string> export_csv(const std::string& h5_path, const std::string& dir, bool force = false);

// The label of a person-table code (e.g. housing_final 3 -> "hf_flat"; groups 3 ->
// "homeless;disability"); "" for -1 (not reached, never); the number itself for columns that are
// not codes. `territories`: the scenario's territory names.
std::string person_value_label(const std::string& column, long long value, const std::vector<std::string>& territories);

// What a results file holds, for `percorsi info`: brief (scenarios, replicates, horizon and start,
// territories, target groups with their sizes, a few headline values), or with `all` the full
// listing of every group and dataset (out::Reader::describe()).
std::string describe_results(const std::string& h5_path, bool all);

}  // namespace percorsi
