// The phases' contracts (World::phases(): the state each phase reads and writes): a phase
// changes nothing it does not declare, recording changes nothing but the series, and every
// name in a contract is a part of the state.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "sim/engine/world.hpp"

using namespace percorsi;

namespace {
const std::string kSrc = PERCORSI_SOURCE_DIR;
bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }
}  // namespace

TEST(Contracts, EveryNameInAContractIsPartOfTheState) {
  const auto names = World::state_names();
  for (const auto& ph : World::phases()) {
    EXPECT_FALSE(ph.writes.empty()) << ph.name;
    for (const auto* list : {&ph.reads, &ph.writes})
      for (const auto& n : *list) EXPECT_TRUE(has(names, n) || n == "rows") << ph.name << ": " << n;
  }
  // Recording only reads: its one write is the series; no other phase writes them.
  for (const auto& ph : World::phases()) {
    if (std::string(ph.name) == "record") {
      EXPECT_EQ(ph.writes, std::vector<std::string>{"series"});
    } else {
      EXPECT_FALSE(has(ph.writes, "series")) << ph.name;
    }
  }
}

// Runs shipped scenarios phase by phase and checks, after each phase, that every part of the
// state the phase does not declare as written is unchanged (for a phase that may add persons,
// the rows that existed before it). Also records which declared writes were seen to change.
TEST(Contracts, APhaseChangesOnlyWhatItDeclares) {
  std::map<std::string, std::set<std::string>> changed;
  for (const char* f : {"piemonte/housing_first.yaml", "piemonte/lockdown_2020.yaml", "toscana/cpi_integrated.yaml",
                        "toscana/follow_up_12m.yaml", "piemonte/family_care.yaml", "piemonte/fc_migrant_women.yaml"}) {
    const Scenario sc = load_scenario(kSrc + "/scenarios/" + f);
    World w(sc, 0);
    const auto names = World::state_names();
    for (int k = 0; k < std::min(sc.weeks(), 80); ++k) {
      w.begin_week();
      for (const auto& ph : World::phases()) {
        const std::size_t rows = w.persons().size();
        std::map<std::string, std::uint64_t> before;
        for (const auto& n : names) before[n] = w.column_hash(n, rows);
        (w.*ph.fn)();
        for (const auto& n : names) {
          if (w.column_hash(n, rows) == before[n]) continue;
          changed[ph.name].insert(n);
          ASSERT_TRUE(has(ph.writes, n)) << f << " week " << k << ": phase " << ph.name << " changed " << n
                                         << ", which it does not declare";
        }
        if (!has(ph.writes, "rows")) {
          ASSERT_EQ(w.persons().size(), rows) << ph.name << " added persons";
        }
      }
      w.end_week();
    }
  }
  // The contracts are not empty promises: each phase was seen to change most of what it declares.
  for (const auto& ph : World::phases()) {
    std::size_t declared = 0, seen = 0;
    for (const auto& n : ph.writes) {
      if (n == "rows") continue;
      ++declared;
      seen += changed[ph.name].count(n);
    }
    EXPECT_GE(2 * seen, declared) << ph.name << " changed few of the parts it declares";
  }
}
