// Statistics of replicates (docs/statistics.md): summaries of an indicator across replicates
// (mean, SD, 95% interval) and differences between scenarios (paired by replicate under common
// random numbers, Welch otherwise). One implementation, used by the command line, the results
// files (output/recorder.cpp) and the viewer.
#pragma once

#include <vector>

#include "output/results.hpp"

namespace percorsi {

// Mean, sample standard deviation and 95% t-interval of a sample.
out::Summary summarize(const std::vector<double>& xs);

// The difference b - a of two samples' means, with Welch's 95% interval.
out::Summary welch(const std::vector<double>& a, const std::vector<double>& b);

// The difference of scenario b from scenario a on one indicator: paired by replicate index
// (ra, rb) when the scenarios share their seed (common random numbers), and NaN values left
// out; unpaired (Welch) otherwise or when fewer than two pairs are defined.
struct Difference {
  out::Summary summary;
  bool paired = false;
};
Difference difference(const std::vector<double>& a, const std::vector<int>& ra, const std::vector<double>& b,
                      const std::vector<int>& rb, bool paired);

}  // namespace percorsi
