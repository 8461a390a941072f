// Writes the seed corpus of fuzz_results (tools/fuzz.sh): two tiny valid results files made by
// the Recorder (one scenario, 2 replicates of 3 weeks in 2 territories, with summaries, weekly
// summaries and a timeline), one written plain and one compressed, each a few tens of KB.
// Usage: make_results_seed DIR
#include <cstdio>
#include <filesystem>
#include <string>

#include "output/recorder.hpp"
#include "output/validate.hpp"

using namespace percorsi::out;

namespace {

void write(const std::string& path, bool compress) {
  Recorder rec(path, compress);
  ScenarioInfo info;
  info.name = "seed";
  info.resolved_yaml = "name: seed\nseed: 7\nreplicates: 2\nhorizon: 3 weeks\n";
  info.source_file = "seed.yaml";
  info.seed = 7;
  info.replicates = 2;
  info.weeks = 3;
  info.territories = {"Alba", "Bra"};
  rec.begin_scenario(info);
  for (int r = 0; r < 2; ++r) {
    ReplicateResult res;
    res.replicate = r;
    res.seed = 7 + static_cast<unsigned>(r);
    res.weeks = 3;
    res.territories = info.territories;
    res.weekly = {{"persons", {10, 12, 11, 13, 12, 14}}, {"housing_street", {3, 2, 4, 3, 2, 1}},
                  {"housing_shelter", {5, 6, 5, 6, 7, 6}}};
    // 4 persons in the plain file; 600 in the compressed one (chunked and deflated beyond 4 KB).
    PersonColumn territory{"territory", true, {}, {}};
    PersonColumn cost{"cost", false, {}, {}};
    for (int p = 0; p < (compress ? 600 : 4); ++p) {
      territory.ints.push_back(p % 2);
      cost.reals.push_back(0.25 * p);
    }
    res.persons = {territory, cost};
    res.timeline = {{"person", true, {0, 0, 1}, {}}, {"week", true, {0, 1, 2}, {}}, {"housing", true, {1, 2, 2}, {}}};
    res.headline = {{"stably_housed_12m", 0.25 + 0.1 * r}, {"time_stably_housed", 0.5}, {"cost_per_person", 1234.5}};
    rec.write_replicate(info.name, res);
  }
  rec.finish_scenario(info.name);
  rec.write_weekly_summary(info.name);
  Provenance p;
  p.program_version = "0.1.0";
  p.git_commit = "seed";
  p.command_line = "make_results_seed";
  p.threads = 1;
  p.start_time = "2026-01-01T00:00:00Z";
  rec.commit(p);
  const std::string why = results_damage(path, true);  // a seed the validator passes
  if (!why.empty()) throw ReadError(path + ": " + why);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_results_seed DIR\n");
    return 2;
  }
  std::filesystem::create_directories(argv[1]);
  const std::string dir = argv[1];
  try {
    write(dir + "/seed_plain.h5", false);
    write(dir + "/seed_compressed.h5", true);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_results_seed: %s\n", e.what());
    return 1;
  }
  return 0;
}
