// A small plotting module drawn with ImDrawList (Debian has no ImPlot): line charts with 95%
// bands, stacked areas, and dot-and-interval rows. Axes use "nice" 1-2-5 ticks.
#pragma once

#include <imgui.h>

#include <string>
#include <vector>

#include "viz/core.hpp"

namespace percorsi::viz::plot {

struct Axes {
  std::string title;
  std::string x_label = "week";
  std::string y_label;  // unit, shown beside the y axis
  std::string note;     // dot charts: a legend line under the x axis (what the notes beside the rows mean)
  bool y_from_zero = true;
  bool y_percent = false;  // values are shares: ticks as percentages
  // Time charts: calendar dates on the x axis (weeks when unknown) and events shaded and labelled.
  Calendar calendar;
  std::vector<EventSpan> events;
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

// One row of a dot-and-interval chart (compare: one scenario).
struct DotRow {
  std::string label;  // the scenario's full name (wrapped, never cut)
  double mean = 0, lo = 0, hi = 0;  // NaN mean: no dot (the note says why)
  ImU32 color = 0;
  std::string note;  // right of the chart: the difference and its verdict
  ImU32 note_color = 0;  // 0: the text colour
  bool reference = false;  // the baseline row (drawn as the zero line's label)
};

// Distinct, colour-blind friendly colours (Okabe-Ito, then Tableau).
ImU32 palette(int i);
ImU32 with_alpha(ImU32 c, float alpha);

// Line chart over weeks; hovering shows the week and every line's value and interval.
// size: (0, 0) or negative components fill the available space.
void lines(const char* id, const Axes& axes, const std::vector<Line>& series, ImVec2 size = ImVec2(0, 0));
// Stacked areas over weeks (layers from the bottom up), with a legend and hover values.
void stacked(const char* id, const Axes& axes, const std::vector<Layer>& layers, ImVec2 size = ImVec2(0, 0));
// Dot-and-interval chart: one labelled row per entry on a shared x axis with a zero line, the
// label left (wrapped to fit), the note right. Rows keep at least a line of text each; when
// they do not fit, the chart grows taller than `size` (the window scrolls), or with `fit` its
// font shrinks (down to 60%) so that every row shows (presentation mode has no scroll bar).
void dots(const char* id, const Axes& axes, const std::vector<DotRow>& rows, ImVec2 size = ImVec2(0, 0),
          bool fit = false);
// A person's pathway over the weeks of a run: one strip per kind of state (presence, housing,
// case, work), each a row of spans in the state's colour, on the calendar axis of the other time
// charts (months and years from the start date: time_ticks), the events shaded across every strip
// and labelled above them. Hovering a span shows its tooltip.
struct Span {
  double start = 0, end = 0;  // weeks, end exclusive
  ImU32 color = 0;
  bool thin = false;  // drawn as a thinner bar (presence in the population)
  std::string tip;
};
struct Strip {
  std::string label;  // left of the strip
  std::vector<Span> spans;
  std::vector<double> marks;  // weeks marked with a triangle (first week in stable housing)
  ImU32 mark_color = 0;
};
void strips(const char* id, const Axes& axes, int weeks, const std::vector<Strip>& rows);
// The least height the rows need at the current font size and that width.
float dots_height(const Axes& axes, const std::vector<DotRow>& rows, float width);
}  // namespace percorsi::viz::plot
