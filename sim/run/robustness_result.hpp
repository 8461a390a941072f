// The robustness of a comparison's differences (`percorsi compare --robustness`, docs/robustness.md):
// the result the study computes (sim/study/robustness.hpp), kept here, beside the tables that print
// it (sim/run/tables.hpp) and read by the viewer, so that neither reaches up into the studies.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace percorsi {

// One difference (a scenario minus the first, on one indicator) over the points.
struct RobustnessCell {
  std::array<int, 3> side{};          // points whose paired mean falls below -MID, within +-MID, above +MID
  std::vector<std::string> rests_on;  // assumption paths, the most influential first (at most kRestsOnMax)
  std::vector<double> rho;            // their rank correlations with the difference, in that order
  int defined() const { return side[0] + side[1] + side[2]; }
  // The share of the defined points on `side` (-1, 0, +1); NaN when no point is defined.
  double share(int on) const;
};

struct Robustness {
  std::vector<std::string> scenarios;   // in the comparison's order: differences from the first
  std::vector<std::string> indicators;  // headline indicators (not their denominators)
  std::vector<std::string> parameters;  // the assumptions varied
  int points = 0, replicates = 0;
  std::uint64_t seed = 0;
  double threshold = 0;            // the smallest |rho| named in rests_on (of a difference defined at every point)
  std::vector<std::string> notes;  // what was left out (levers, indicators the horizon does not define)
  std::vector<RobustnessCell> cells;  // [D, indicators]
  // The cell of `scenario` minus the first on `indicator`; nullptr when there is none.
  const RobustnessCell* cell(const std::string& scenario, const std::string& indicator) const;
};

// "0.85 (rests on: a; b)", "1.00", "n/a" (no point defined): the cell's share on `side`.
std::string robustness_text(const RobustnessCell& c, int side);

// A share as a whole percentage, rounded down so that 100% means every point ("87%"; "n/a": NaN).
std::string share_percent(double share);

// One paragraph: the design the shares come from (points, replicates, assumptions, seed).
std::string robustness_legend(const Robustness& r);

}  // namespace percorsi
