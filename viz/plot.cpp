#include "viz/plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "viz/core.hpp"

namespace percorsi::viz::plot {

ImU32 palette(int i) {
  // Okabe-Ito (colour-blind safe), then Paul Tol's muted scheme for more lines.
  static const ImU32 kColors[] = {IM_COL32(0, 114, 178, 255),   IM_COL32(230, 159, 0, 255),
                                  IM_COL32(0, 158, 115, 255),   IM_COL32(204, 121, 167, 255),
                                  IM_COL32(86, 180, 233, 255),  IM_COL32(213, 94, 0, 255),
                                  IM_COL32(240, 228, 66, 255),  IM_COL32(136, 34, 85, 255),
                                  IM_COL32(51, 34, 136, 255),   IM_COL32(17, 119, 51, 255),
                                  IM_COL32(153, 153, 51, 255),  IM_COL32(170, 68, 153, 255),
                                  IM_COL32(68, 170, 153, 255),  IM_COL32(136, 204, 238, 255),
                                  IM_COL32(204, 102, 119, 255), IM_COL32(127, 127, 127, 255)};
  const int n = static_cast<int>(sizeof kColors / sizeof kColors[0]);
  return kColors[((i % n) + n) % n];
}

ImU32 with_alpha(ImU32 c, float alpha) {
  ImVec4 v = ImGui::ColorConvertU32ToFloat4(c);
  v.w *= alpha;
  return ImGui::ColorConvertFloat4ToU32(v);
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Range {
  double lo = kInf, hi = -kInf;
  void add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  void add(const std::vector<double>* v) {
    if (v)
      for (double x : *v) add(x);
  }
  bool valid() const { return lo <= hi; }
};

// The plot area of one chart: its pixel rectangle and data ranges, with axes drawn.
struct Frame {
  ImDrawList* dl = nullptr;
  ImVec2 p0, p1;  // plot area (inside the axes)
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  bool hovered = false;
  float X(double x) const { return p0.x + static_cast<float>((x - x0) / (x1 - x0)) * (p1.x - p0.x); }
  float Y(double y) const { return p1.y - static_cast<float>((y - y0) / (y1 - y0)) * (p1.y - p0.y); }
  double x_at(float px) const { return x0 + (px - p0.x) / (p1.x - p0.x) * (x1 - x0); }
};

ImU32 text_color() {
  return ImGui::GetColorU32(ImGuiCol_Text);
}

ImVec2 resolve(ImVec2 size) {
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (size.x <= 0) size.x = std::max(100.f, avail.x);
  if (size.y <= 0) size.y = std::max(150.f, avail.y);
  return size;
}

std::string label_of(double v, double step, bool percent) {
  return percent ? tick_label(v * 100, step * 100) + "%" : tick_label(v, step);
}

// The x axis under a frame: grid lines, ticks and their labels, and the axis label. Time charts
// (the line charts, the stacked areas, the person timeline) take calendar dates from time_ticks
// (weeks when the start date is unknown, and then the label "week").
void x_axis(const Frame& f, const Axes& axes, bool time) {
  const float fs = ImGui::GetFontSize(), pad = fs * 0.5f;
  const ImU32 tc = text_color(), grid = with_alpha(tc, 0.12f), axis = with_alpha(tc, 0.55f);
  std::vector<Tick> xt;
  if (time) {  // calendar dates (weeks when the start date is unknown)
    const float tick_w = ImGui::CalcTextSize(axes.calendar.known ? "Mar 2020" : "000").x + fs * 1.5f;
    xt = time_ticks(axes.calendar, f.x0, f.x1, f.p1.x - f.p0.x, tick_w);
  } else {
    const int max_x_ticks = std::clamp(static_cast<int>((f.p1.x - f.p0.x) / (fs * 5)), 2, 14);
    const double xs = nice_step(f.x1 - f.x0, max_x_ticks);
    for (double v : nice_ticks(f.x0, f.x1, max_x_ticks)) xt.push_back({v, tick_label(v, xs)});
  }
  // A label at the right end is moved left rather than cut by the window's edge.
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  for (const auto& t : xt) {
    const float x = f.X(t.week);
    f.dl->AddLine(ImVec2(x, f.p0.y), ImVec2(x, f.p1.y), grid);
    f.dl->AddLine(ImVec2(x, f.p1.y), ImVec2(x, f.p1.y + pad * 0.6f), axis);
    const float tw = ImGui::CalcTextSize(t.label.c_str()).x;
    f.dl->AddText(ImVec2(std::min(x - tw * 0.5f, right - tw), f.p1.y + pad * 0.7f), tc, t.label.c_str());
  }
  const std::string xl = time && axes.calendar.known ? std::string() : axes.x_label;
  if (!xl.empty()) {
    const float tw = ImGui::CalcTextSize(xl.c_str()).x;
    f.dl->AddText(ImVec2((f.p0.x + f.p1.x - tw) * 0.5f, f.p1.y + fs * 1.4f), tc, xl.c_str());
  }
}

// Reserves the chart's space, draws the title, grid, ticks and axis labels; returns the frame.
Frame begin(const char* id, const Axes& axes, ImVec2 size, Range xr, Range yr, bool time = false,
            float right_reserve = 0) {
  Frame f;
  size = resolve(size);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  f.hovered = ImGui::IsItemHovered();
  f.dl = ImGui::GetWindowDrawList();
  const float fs = ImGui::GetFontSize(), pad = fs * 0.5f;
  const ImU32 tc = text_color(), grid = with_alpha(tc, 0.12f), axis = with_alpha(tc, 0.55f);

  if (!xr.valid()) xr.lo = 0, xr.hi = 1;
  if (xr.hi <= xr.lo) xr.hi = xr.lo + 1;
  if (!yr.valid()) yr.lo = 0, yr.hi = 1;
  if (axes.y_from_zero) yr.lo = std::min(0.0, yr.lo), yr.hi = std::max(0.0, yr.hi);
  if (yr.hi <= yr.lo) yr.hi = yr.lo + (yr.lo == 0 ? 1 : std::fabs(yr.lo) * 0.1);
  const int max_y_ticks = std::clamp(static_cast<int>(size.y / (fs * 2.5f)), 2, 10);
  const double ys = nice_step(yr.hi - yr.lo, max_y_ticks);
  f.y0 = std::floor(yr.lo / ys - 1e-9) * ys;
  f.y1 = std::ceil(yr.hi / ys + 1e-9) * ys;
  if (f.y0 < 0 && yr.lo >= 0) f.y0 = 0;
  f.x0 = xr.lo, f.x1 = xr.hi;
  const auto yticks = nice_ticks(f.y0, f.y1, max_y_ticks);

  float label_w = 0;
  for (double v : yticks) label_w = std::max(label_w, ImGui::CalcTextSize(label_of(v, ys, axes.y_percent).c_str()).x);
  const float title_h = axes.title.empty() ? 0 : fs * 1.4f;
  const float unit_h = axes.y_label.empty() ? 0 : fs * 1.2f;
  f.p0 = ImVec2(origin.x + label_w + pad * 2, origin.y + title_h + unit_h + pad);
  f.p1 = ImVec2(origin.x + size.x - pad * 2 - right_reserve, origin.y + size.y - fs * 2.6f);
  if (f.p1.x <= f.p0.x + 10) f.p1.x = f.p0.x + 10;
  if (f.p1.y <= f.p0.y + 10) f.p1.y = f.p0.y + 10;

  if (!axes.title.empty()) {
    const float tw = ImGui::CalcTextSize(axes.title.c_str()).x;
    f.dl->AddText(ImVec2(origin.x + (size.x - tw) * 0.5f, origin.y), tc, axes.title.c_str());
  }
  if (!axes.y_label.empty()) f.dl->AddText(ImVec2(origin.x + pad, origin.y + title_h), tc, axes.y_label.c_str());
  f.dl->AddRectFilled(f.p0, f.p1, with_alpha(ImGui::GetColorU32(ImGuiCol_FrameBg), 0.5f));
  for (double v : yticks) {
    const float y = f.Y(v);
    f.dl->AddLine(ImVec2(f.p0.x, y), ImVec2(f.p1.x, y), v == 0 ? axis : grid);
    const std::string s = label_of(v, ys, axes.y_percent);
    const ImVec2 ts = ImGui::CalcTextSize(s.c_str());
    f.dl->AddText(ImVec2(f.p0.x - pad - ts.x, y - ts.y * 0.5f), tc, s.c_str());
  }
  x_axis(f, axes, time);
  f.dl->AddRect(f.p0, f.p1, axis);
  return f;
}

// Fills the area between two curves, segment by segment (each segment is a convex quad).
void fill_between(const Frame& f, const std::vector<double>& lo, const std::vector<double>& hi, ImU32 col) {
  const ImDrawListFlags saved = f.dl->Flags;
  f.dl->Flags &= ~ImDrawListFlags_AntiAliasedFill;  // no seams between adjacent quads
  const std::size_t n = std::min(lo.size(), hi.size());
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (!std::isfinite(lo[i]) || !std::isfinite(hi[i]) || !std::isfinite(lo[i + 1]) || !std::isfinite(hi[i + 1]))
      continue;
    const float xa = f.X(static_cast<double>(i)), xb = f.X(static_cast<double>(i + 1));
    f.dl->AddQuadFilled(ImVec2(xa, f.Y(hi[i])), ImVec2(xb, f.Y(hi[i + 1])), ImVec2(xb, f.Y(lo[i + 1])),
                        ImVec2(xa, f.Y(lo[i])), col);
  }
  f.dl->Flags = saved;
}

void polyline(const Frame& f, const std::vector<double>& v, ImU32 col, float thickness) {
  std::vector<ImVec2> pts;
  auto flush = [&] {
    if (pts.size() >= 2) f.dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), col, 0, thickness);
    pts.clear();
  };
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      flush();
      continue;
    }
    pts.emplace_back(f.X(static_cast<double>(i)), f.Y(v[i]));
  }
  flush();
}

using Items = std::vector<std::pair<std::string, ImU32>>;

float measure(const std::string& s) {
  return ImGui::CalcTextSize(s.c_str()).x;
}

// Width a legend right of the plot needs: its widest name, at most a third of the chart.
float legend_width(const Items& items, float chart_w) {
  if (items.empty()) return 0;
  const float fs = ImGui::GetFontSize();
  float w = 0;
  for (const auto& it : items) w = std::max(w, measure(it.first));
  return std::min(w, chart_w / 3) + fs * 2.2f;
}

// Legend right of the plot area (in the `reserved` width begin() left), names wrapped, never cut.
void legend(const Frame& f, const Items& items, float reserved) {
  if (items.empty()) return;
  const float fs = ImGui::GetFontSize();
  const float x = f.p1.x + fs * 0.8f, w = std::max(fs * 3, reserved - fs * 2.2f);
  float y = f.p0.y;
  for (const auto& [name, col] : items) {
    f.dl->AddRectFilled(ImVec2(x, y + fs * 0.2f), ImVec2(x + fs, y + fs * 0.8f), col);
    for (const auto& line : wrap_label(name, w, measure)) {
      f.dl->AddText(ImVec2(x + fs * 1.3f, y), text_color(), line.c_str());
      y += fs * 1.1f;
    }
    y += fs * 0.15f;
  }
}

// Events: a shaded span behind the data for each, labelled at the top of the plot.
void shade_events(const Frame& f, const Axes& axes) {
  for (const auto& e : axes.events)
    f.dl->AddRectFilled(ImVec2(f.X(e.start), f.p0.y), ImVec2(std::max(f.X(e.end), f.X(e.start) + 2), f.p1.y),
                        with_alpha(text_color(), 0.13f));
}
void label_events(const Frame& f, const Axes& axes) {
  const float fs = ImGui::GetFontSize(), pad = fs * 0.25f;
  for (const auto& e : axes.events) {
    const float x0 = f.X(e.start), x1 = f.X(e.end);
    f.dl->AddLine(ImVec2(x0, f.p0.y), ImVec2(x0, f.p1.y), with_alpha(text_color(), 0.6f), 1.5f);
    const ImVec2 ts = ImGui::CalcTextSize(e.label.c_str());
    // The label stands clear of the event's line (a glyph touching it reads badly on a projector,
    // and to OCR: tests/test_viz.cpp reads it back).
    const float x = std::min(x0 + pad * 5, f.p1.x - ts.x - pad * 2);
    const ImVec2 a(x - pad, f.p0.y + pad), b(x + ts.x + pad, f.p0.y + pad * 3 + ts.y);
    // On a plain box, no border: a frame line next to a glyph reads badly (to OCR too).
    f.dl->AddRectFilled(a, b, ImGui::GetColorU32(ImGuiCol_WindowBg), 3.f);
    f.dl->AddText(ImVec2(x, f.p0.y + pad * 2), text_color(), e.label.c_str());
    const ImVec2 m = ImGui::GetIO().MousePos;
    if (f.hovered && m.x >= x0 && m.x < std::max(x1, x0 + 2) && m.y >= f.p0.y && m.y < f.p1.y && m.y < b.y)
      ImGui::SetTooltip("%s\n%s", e.label.c_str(), e.detail.c_str());
  }
}

// Week under the mouse (or -1), with a vertical guide line.
int hovered_week(const Frame& f, int weeks) {
  if (!f.hovered || weeks <= 0) return -1;
  const ImVec2 m = ImGui::GetIO().MousePos;
  if (m.x < f.p0.x || m.x > f.p1.x || m.y < f.p0.y || m.y > f.p1.y) return -1;
  const int w = std::clamp(static_cast<int>(std::lround(f.x_at(m.x))), 0, weeks - 1);
  f.dl->AddLine(ImVec2(f.X(w), f.p0.y), ImVec2(f.X(w), f.p1.y), with_alpha(text_color(), 0.6f));
  return w;
}

void swatch(ImU32 c) {
  const float fs = ImGui::GetFontSize();
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x, p.y + fs * 0.2f), ImVec2(p.x + fs * 0.8f, p.y + fs * 0.8f), c);
  ImGui::Dummy(ImVec2(fs * 0.9f, fs));
  ImGui::SameLine();
}

std::string value_text(double v, bool percent) {
  if (percent && std::isfinite(v)) return format_value(v * 100) + "%";
  return format_value(v);
}

float line_width() {
  return std::max(1.5f, ImGui::GetFontSize() / 7.f);
}

}  // namespace

void lines(const char* id, const Axes& axes, const std::vector<Line>& series, ImVec2 size) {
  Range xr, yr;
  int weeks = 0;
  for (const auto& s : series) {
    if (!s.mean) continue;
    weeks = std::max(weeks, static_cast<int>(s.mean->size()));
    yr.add(s.mean), yr.add(s.lo), yr.add(s.hi);
  }
  xr.add(0.0), xr.add(std::max(1, weeks - 1));
  Items items;
  for (const auto& s : series) items.emplace_back(s.label, s.color);
  if (series.size() == 1 && series[0].label.empty()) items.clear();
  const float lw = legend_width(items, resolve(size).x);
  Frame f = begin(id, axes, size, xr, yr, true, lw);
  f.dl->PushClipRect(f.p0, f.p1, true);
  shade_events(f, axes);
  // Up to three scenarios: filled 95% bands; more would merge into one block, so their bands
  // are drawn as thin lines of the scenario's colour.
  const bool fill = series.size() <= 3;
  for (const auto& s : series)
    if (s.mean && s.lo && s.hi) {
      if (fill) {
        fill_between(f, *s.lo, *s.hi, with_alpha(s.color, 0.22f));
      } else {
        polyline(f, *s.lo, with_alpha(s.color, 0.55f), 1.f);
        polyline(f, *s.hi, with_alpha(s.color, 0.55f), 1.f);
      }
    }
  for (const auto& s : series)
    if (s.mean) polyline(f, *s.mean, s.color, line_width());
  const int w = hovered_week(f, weeks);
  f.dl->PopClipRect();
  label_events(f, axes);
  legend(f, items, lw);
  if (w >= 0) {
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(week_text(axes.calendar, w).c_str());
    for (const auto& s : series) {
      if (!s.mean || w >= static_cast<int>(s.mean->size())) continue;
      swatch(s.color);
      const std::string v = value_text((*s.mean)[w], axes.y_percent);
      if (s.lo && s.hi)
        ImGui::Text("%s: %s  [%s, %s]", s.label.c_str(), v.c_str(), value_text((*s.lo)[w], axes.y_percent).c_str(),
                    value_text((*s.hi)[w], axes.y_percent).c_str());
      else
        ImGui::Text("%s: %s", s.label.c_str(), v.c_str());
    }
    ImGui::EndTooltip();
  }
}

void stacked(const char* id, const Axes& axes, const std::vector<Layer>& layers, ImVec2 size) {
  std::size_t weeks = 0;
  for (const auto& l : layers) weeks = std::max(weeks, l.values.size());
  std::vector<std::vector<double>> cum(layers.size() + 1, std::vector<double>(weeks, 0.0));
  Range xr, yr;
  for (std::size_t i = 0; i < layers.size(); ++i)
    for (std::size_t w = 0; w < weeks; ++w) {
      const double v = w < layers[i].values.size() && std::isfinite(layers[i].values[w]) ? layers[i].values[w] : 0.0;
      cum[i + 1][w] = cum[i][w] + v;
      yr.add(cum[i + 1][w]);
    }
  xr.add(0.0), xr.add(std::max<double>(1, static_cast<double>(weeks) - 1));
  Items items;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) items.emplace_back(it->label, it->color);
  const float lw = legend_width(items, resolve(size).x);
  Frame f = begin(id, axes, size, xr, yr, true, lw);
  f.dl->PushClipRect(f.p0, f.p1, true);
  for (std::size_t i = 0; i < layers.size(); ++i)
    fill_between(f, cum[i], cum[i + 1], with_alpha(layers[i].color, 0.9f));
  for (std::size_t i = 0; i < layers.size(); ++i) polyline(f, cum[i + 1], with_alpha(text_color(), 0.35f), 1.f);
  shade_events(f, axes);
  const int w = hovered_week(f, static_cast<int>(weeks));
  f.dl->PopClipRect();
  label_events(f, axes);
  legend(f, items, lw);
  if (w >= 0) {
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(week_text(axes.calendar, w).c_str());
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
      swatch(it->color);
      ImGui::Text("%s: %s", it->label.c_str(),
                  format_value(w < static_cast<int>(it->values.size()) ? it->values[w] : 0.0).c_str());
    }
    ImGui::Text("total: %s", format_value(cum.back()[w]).c_str());
    ImGui::EndTooltip();
  }
}

namespace {
// The columns and wrapped lines of a dot chart at the current font size.
struct DotLayout {
  float name_w = 0, note_w = 0, lines = 0, fixed_h = 0, line_h = 0, min_pad = 0;
  std::vector<std::vector<std::string>> names, notes;
  std::vector<std::string> legend;  // the axes' note, wrapped to the notes' width
  float legend_extra = 0;           // the height it needs beyond the axis's
  bool legend_below = false;        // under the x label (too wide to leave it room beside)
  float min_height(std::size_t rows) const { return lines * line_h + rows * min_pad * 2 + fixed_h; }
};
DotLayout dot_layout(const Axes& axes, const std::vector<DotRow>& rows, float width) {
  const float fs = ImGui::GetFontSize();
  DotLayout l;
  // Columns: names (at most 34% of the width), the plot, the notes (at most 40%).
  for (const auto& r : rows) {
    l.name_w = std::max(l.name_w, measure(r.label));
    l.note_w = std::max(l.note_w, measure(r.note));
  }
  l.name_w = std::min(l.name_w, width * 0.34f);
  l.note_w = std::min(l.note_w, width * 0.40f);
  // The axes' note goes under the notes' column, beside the x axis's ticks and label: the column
  // is wide enough for it to take a few lines; only the lines beyond the axis's height add to the
  // chart's.
  if (!axes.note.empty()) l.note_w = std::max(l.note_w, std::min(width * 0.40f, fs * 14));
  for (const auto& r : rows) {
    l.names.push_back(wrap_label(r.label, l.name_w, measure));
    l.notes.push_back(wrap_label(r.note, l.note_w, measure));
    l.lines += static_cast<float>(std::max(l.names.back().size(), l.notes.back().size()));
  }
  l.line_h = fs * 1.15f;
  l.min_pad = fs * 0.1f;
  // (Indented by a font size: clear of the last tick's label.)
  if (!axes.note.empty()) l.legend = wrap_label(axes.note, l.note_w - fs, measure);
  // The x label is kept left of the notes where it fits (drawn right-aligned to the plot when
  // wider than it); one wider than that reaches under the notes, and the note goes below it.
  l.legend_below = !l.legend.empty() && measure(axes.x_label) > width - l.note_w - fs * 1.5f;
  l.legend_extra = l.legend_below ? static_cast<float>(l.legend.size()) * l.line_h + fs * 0.2f
                                  : std::max(0.f, static_cast<float>(l.legend.size()) * l.line_h + fs * 0.3f - fs * 2.8f);
  l.fixed_h = (axes.title.empty() ? 0 : fs * 1.5f) + fs * 2.8f + fs * 0.5f + l.legend_extra;
  return l;
}
}  // namespace

float dots_height(const Axes& axes, const std::vector<DotRow>& rows, float width) {
  return dot_layout(axes, rows, width).min_height(rows.size());
}

void dots(const char* id, const Axes& axes, const std::vector<DotRow>& rows, ImVec2 size, bool fit) {
  size = resolve(size);
  DotLayout L = dot_layout(axes, rows, size.x);
  // Too many rows for the height: a smaller font (down to 60%) when the chart must fit (a
  // presentation has no scroll bar); else the chart grows and its window scrolls.
  const bool shrink = fit && L.min_height(rows.size()) > size.y;
  if (shrink) {
    ImGui::SetWindowFontScale(std::max(0.6f, size.y / L.min_height(rows.size())));
    L = dot_layout(axes, rows, size.x);
    for (int k = 0; k < 8 && L.min_height(rows.size()) > size.y; ++k) {  // wrapping changed: a little more
      ImGui::SetWindowFontScale(std::max(0.6f, ImGui::GetFontSize() / ImGui::GetIO().FontGlobalScale /
                                                   ImGui::GetFont()->FontSize * 0.95f));
      L = dot_layout(axes, rows, size.x);
    }
  }
  const float fs = ImGui::GetFontSize(), pad = fs * 0.5f;
  const ImU32 tc = text_color(), grid = with_alpha(tc, 0.15f), axis = with_alpha(tc, 0.6f);
  const float name_w = L.name_w, note_w = L.note_w, lines = L.lines, line_h = L.line_h;
  const auto& names = L.names;
  const auto& notes = L.notes;
  const float title_h = axes.title.empty() ? 0 : fs * 1.5f,
              axis_h = fs * 2.8f + L.legend_extra;
  // Rows share the height by their lines, with the padding the height allows; never less than their text.
  const float row_pad = rows.empty() ? 0
                                     : std::clamp((size.y - L.fixed_h - lines * line_h) / (2.f * rows.size()), L.min_pad,
                                                  fs * 0.35f);
  size.y = std::max(size.y, lines * line_h + rows.size() * row_pad * 2 + L.fixed_h);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p0(origin.x + name_w + pad * 2, origin.y + title_h + pad);
  const ImVec2 p1(std::max(p0.x + fs * 4, origin.x + size.x - note_w - pad * 3), origin.y + size.y - axis_h);
  Range xr;
  xr.add(0.0);
  for (const auto& r : rows)
    if (std::isfinite(r.mean)) xr.add(r.lo), xr.add(r.hi), xr.add(r.mean);
  if (xr.hi <= xr.lo) xr.hi = xr.lo + 1;
  const int max_ticks = std::clamp(static_cast<int>((p1.x - p0.x) / (fs * 4)), 2, 8);
  const double step = nice_step(xr.hi - xr.lo, max_ticks);
  const double x0 = std::floor(xr.lo / step - 1e-9) * step, x1 = std::ceil(xr.hi / step + 1e-9) * step;
  auto X = [&](double v) { return p0.x + static_cast<float>((v - x0) / (x1 - x0)) * (p1.x - p0.x); };
  if (!axes.title.empty()) dl->AddText(ImVec2(origin.x, origin.y), tc, axes.title.c_str());
  for (double v : nice_ticks(x0, x1, max_ticks)) {
    const float x = X(v);
    dl->AddLine(ImVec2(x, p0.y), ImVec2(x, p1.y), v == 0 ? axis : grid, v == 0 ? 2.f : 1.f);
    const std::string t = (v > 0 ? "+" : "") + tick_label(v, step);
    dl->AddText(ImVec2(x - measure(t) * 0.5f, p1.y + pad * 0.5f), tc, t.c_str());
  }
  if (!axes.x_label.empty()) {  // centred under the plot, within it where it can
    const float w = measure(axes.x_label);
    dl->AddText(ImVec2(std::max(origin.x, std::min((p0.x + p1.x - w) * 0.5f, p1.x - w)), p1.y + fs * 1.5f), tc,
                axes.x_label.c_str());
  }
  for (std::size_t i = 0; i < L.legend.size(); ++i)  // the legend under the notes, beside the x axis
    dl->AddText(ImVec2(p1.x + pad * 1.5f + fs, p1.y + (L.legend_below ? fs * 2.8f : fs * 0.3f) + line_h * static_cast<float>(i)),
                tc, L.legend[i].c_str());
  const float per_line = rows.empty() ? 0 : (p1.y - p0.y - rows.size() * row_pad * 2) / std::max(1.f, lines);
  float y = p0.y;
  const ImVec2 m = ImGui::GetIO().MousePos;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const DotRow& r = rows[i];
    const float n = static_cast<float>(std::max(names[i].size(), notes[i].size()));
    const float h = n * per_line + row_pad * 2, yc = y + h * 0.5f;
    if (i % 2 == 1) dl->AddRectFilled(ImVec2(origin.x, y), ImVec2(origin.x + size.x, y + h), with_alpha(tc, 0.05f));
    auto column = [&](const std::vector<std::string>& ls, float x_right, float x_left, ImU32 col) {
      float ty = yc - ls.size() * line_h * 0.5f;
      for (const auto& l : ls) {
        const float lx = x_right > 0 ? x_right - measure(l) : x_left;
        dl->AddText(ImVec2(lx, ty), col, l.c_str());
        ty += line_h;
      }
    };
    column(names[i], p0.x - pad, 0, tc);
    column(notes[i], 0, p1.x + pad * 1.5f, r.note_color ? r.note_color : tc);
    if (std::isfinite(r.mean)) {
      const float rad = std::max(4.f, fs * 0.32f);
      if (std::isfinite(r.lo) && std::isfinite(r.hi)) {
        const float la = X(r.lo), lb = X(r.hi), cap = rad * 0.9f;
        dl->AddLine(ImVec2(la, yc), ImVec2(lb, yc), r.color, std::max(2.f, fs * 0.14f));
        dl->AddLine(ImVec2(la, yc - cap), ImVec2(la, yc + cap), r.color, 2.f);
        dl->AddLine(ImVec2(lb, yc - cap), ImVec2(lb, yc + cap), r.color, 2.f);
      }
      if (r.reference)
        dl->AddCircle(ImVec2(X(r.mean), yc), rad, r.color, 0, 2.5f);
      else
        dl->AddCircleFilled(ImVec2(X(r.mean), yc), rad, r.color);
    }
    if (hovered && m.y >= y && m.y < y + h) {
      dl->AddRect(ImVec2(origin.x, y), ImVec2(origin.x + size.x, y + h), with_alpha(tc, 0.3f));
      ImGui::SetTooltip("%s\n%s", r.label.c_str(), r.note.c_str());
    }
    y += h;
  }
  dl->AddRect(p0, p1, axis);
  if (shrink) ImGui::SetWindowFontScale(1.0f);
}

void strips(const char* id, const Axes& axes, int weeks, const std::vector<Strip>& rows) {
  const float fs = ImGui::GetFontSize(), pad = fs * 0.5f, row_h = fs * 1.2f, gap = fs * 0.35f;
  float label_w = 0;
  for (const auto& r : rows) label_w = std::max(label_w, measure(r.label));
  // Above the strips, room for the events' labels; below, the calendar axis.
  const float events_h = axes.events.empty() ? 0 : fs * 1.9f;
  const ImVec2 size(std::max(fs * 10, ImGui::GetContentRegionAvail().x),
                    events_h + static_cast<float>(rows.size()) * (row_h + gap) + fs * 2.2f);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  Frame f;
  f.hovered = ImGui::IsItemHovered();
  f.dl = ImGui::GetWindowDrawList();
  f.p0 = ImVec2(origin.x + label_w + pad * 2, origin.y);
  f.p1 = ImVec2(origin.x + size.x - pad * 2, origin.y + events_h + static_cast<float>(rows.size()) * (row_h + gap));
  f.x0 = 0, f.x1 = std::max(1, weeks);
  const ImU32 tc = text_color();
  const ImVec2 m = ImGui::GetIO().MousePos;
  std::string tip;
  float y = origin.y + events_h;
  for (const auto& r : rows) {
    f.dl->AddText(ImVec2(origin.x + label_w - measure(r.label), y + (row_h - fs) * 0.5f), tc, r.label.c_str());
    f.dl->AddRectFilled(ImVec2(f.p0.x, y), ImVec2(f.p1.x, y + row_h), with_alpha(tc, 0.08f));
    for (const auto& sp : r.spans) {
      const float x0 = f.X(std::clamp(sp.start, f.x0, f.x1)), x1 = std::max(f.X(std::clamp(sp.end, f.x0, f.x1)), x0 + 1.f);
      const float inset = sp.thin ? row_h * 0.3f : 0;
      f.dl->AddRectFilled(ImVec2(x0, y + inset), ImVec2(x1, y + row_h - inset), sp.color);
      if (f.hovered && m.x >= x0 && m.x < x1 && m.y >= y && m.y < y + row_h) tip = sp.tip;
    }
    for (double w : r.marks) {
      const float x = f.X(w);
      f.dl->AddTriangleFilled(ImVec2(x, y + row_h), ImVec2(x - fs * 0.4f, y), ImVec2(x + fs * 0.4f, y), r.mark_color);
    }
    y += row_h + gap;
  }
  shade_events(f, axes);  // over the strips, across all of them, as on the other time charts
  label_events(f, axes);
  x_axis(f, axes, true);
  if (!tip.empty()) ImGui::SetTooltip("%s", tip.c_str());
}

}  // namespace percorsi::viz::plot
