// A small plotting module drawn with ImDrawList (Debian has no ImPlot): line charts with 95%
// bands, stacked areas, and horizontal bars with interval whiskers. Axes use "nice" 1-2-5 ticks.
#pragma once

#include <imgui.h>

#include <string>
#include <vector>

namespace percorsi::viz::plot {

struct Axes {
  std::string title;
  std::string x_label = "week";
  std::string y_label;  // unit, shown beside the y axis
  bool y_from_zero = true;
  bool y_percent = false;  // values are shares: ticks as percentages
};

struct Line {
  std::string label;
  ImU32 color = 0;
  const std::vector<double>* mean = nullptr;
  const std::vector<double>* lo = nullptr;  // optional band
  const std::vector<double>* hi = nullptr;
};

struct Layer {
  std::string label;
  ImU32 color = 0;
  std::vector<double> values;
};

struct Bar {
  std::string label;
  double mean = 0, lo = 0, hi = 0;
  ImU32 color = 0;
  std::string note;  // shown right of the bar (e.g. the value)
};

// Distinct, colour-blind friendly colours (Okabe-Ito, then Tableau).
ImU32 palette(int i);
ImU32 with_alpha(ImU32 c, float alpha);

// Line chart over weeks; hovering shows the week and every line's value and interval.
// size: (0, 0) or negative components fill the available space.
void lines(const char* id, const Axes& axes, const std::vector<Line>& series, ImVec2 size = ImVec2(0, 0));
// Stacked areas over weeks (layers from the bottom up), with a legend and hover values.
void stacked(const char* id, const Axes& axes, const std::vector<Layer>& layers, ImVec2 size = ImVec2(0, 0));
// Horizontal bars from zero with interval whiskers, one row per bar, on a shared x axis.
void bars(const char* id, const Axes& axes, const std::vector<Bar>& bars, ImVec2 size = ImVec2(0, 0));

}  // namespace percorsi::viz::plot
