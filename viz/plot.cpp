#include "viz/plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "viz/core.hpp"

namespace percorsi::viz::plot {

ImU32 palette(int i) {
  static const ImU32 kColors[] = {IM_COL32(0, 114, 178, 255),  IM_COL32(230, 159, 0, 255),
                                  IM_COL32(0, 158, 115, 255),  IM_COL32(204, 121, 167, 255),
                                  IM_COL32(86, 180, 233, 255), IM_COL32(213, 94, 0, 255),
                                  IM_COL32(240, 228, 66, 255), IM_COL32(148, 103, 189, 255),
                                  IM_COL32(140, 86, 75, 255),  IM_COL32(127, 127, 127, 255)};
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

// Reserves the chart's space, draws the title, grid, ticks and axis labels; returns the frame.
Frame begin(const char* id, const Axes& axes, ImVec2 size, Range xr, Range yr) {
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
  f.p1 = ImVec2(origin.x + size.x - pad * 2, origin.y + size.y - fs * 2.6f);
  if (f.p1.x <= f.p0.x + 10) f.p1.x = f.p0.x + 10;
  if (f.p1.y <= f.p0.y + 10) f.p1.y = f.p0.y + 10;

  if (!axes.title.empty()) {
    const float tw = ImGui::CalcTextSize(axes.title.c_str()).x;
    f.dl->AddText(ImVec2(origin.x + (size.x - tw) * 0.5f, origin.y), tc, axes.title.c_str());
  }
  if (!axes.y_label.empty()) f.dl->AddText(ImVec2(origin.x + pad, origin.y + title_h), axis, axes.y_label.c_str());
  f.dl->AddRectFilled(f.p0, f.p1, with_alpha(ImGui::GetColorU32(ImGuiCol_FrameBg), 0.5f));
  for (double v : yticks) {
    const float y = f.Y(v);
    f.dl->AddLine(ImVec2(f.p0.x, y), ImVec2(f.p1.x, y), v == 0 ? axis : grid);
    const std::string s = label_of(v, ys, axes.y_percent);
    const ImVec2 ts = ImGui::CalcTextSize(s.c_str());
    f.dl->AddText(ImVec2(f.p0.x - pad - ts.x, y - ts.y * 0.5f), tc, s.c_str());
  }
  const int max_x_ticks = std::clamp(static_cast<int>((f.p1.x - f.p0.x) / (fs * 5)), 2, 14);
  const double xs = nice_step(f.x1 - f.x0, max_x_ticks);
  for (double v : nice_ticks(f.x0, f.x1, max_x_ticks)) {
    const float x = f.X(v);
    f.dl->AddLine(ImVec2(x, f.p0.y), ImVec2(x, f.p1.y), grid);
    f.dl->AddLine(ImVec2(x, f.p1.y), ImVec2(x, f.p1.y + pad * 0.6f), axis);
    const std::string s = tick_label(v, xs);
    const float tw = ImGui::CalcTextSize(s.c_str()).x;
    f.dl->AddText(ImVec2(x - tw * 0.5f, f.p1.y + pad * 0.7f), tc, s.c_str());
  }
  if (!axes.x_label.empty()) {
    const float tw = ImGui::CalcTextSize(axes.x_label.c_str()).x;
    f.dl->AddText(ImVec2((f.p0.x + f.p1.x - tw) * 0.5f, f.p1.y + fs * 1.4f), axis, axes.x_label.c_str());
  }
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

// Legend box in the top-left corner of the plot area.
void legend(const Frame& f, const std::vector<std::pair<std::string, ImU32>>& items) {
  if (items.empty()) return;
  const float fs = ImGui::GetFontSize(), pad = fs * 0.4f;
  float w = 0;
  for (const auto& [s, c] : items) w = std::max(w, ImGui::CalcTextSize(s.c_str()).x);
  const ImVec2 a(f.p0.x + pad, f.p0.y + pad);
  const ImVec2 b(a.x + w + fs * 1.6f + pad * 2, a.y + items.size() * fs * 1.2f + pad * 2);
  f.dl->AddRectFilled(a, b, with_alpha(ImGui::GetColorU32(ImGuiCol_WindowBg), 0.85f), 3.f);
  f.dl->AddRect(a, b, with_alpha(text_color(), 0.3f), 3.f);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const float y = a.y + pad + i * fs * 1.2f;
    f.dl->AddRectFilled(ImVec2(a.x + pad, y + fs * 0.2f), ImVec2(a.x + pad + fs, y + fs * 0.8f), items[i].second);
    f.dl->AddText(ImVec2(a.x + pad + fs * 1.4f, y), text_color(), items[i].first.c_str());
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
  Frame f = begin(id, axes, size, xr, yr);
  f.dl->PushClipRect(f.p0, f.p1, true);
  for (const auto& s : series)
    if (s.mean && s.lo && s.hi) fill_between(f, *s.lo, *s.hi, with_alpha(s.color, 0.22f));
  for (const auto& s : series)
    if (s.mean) polyline(f, *s.mean, s.color, line_width());
  const int w = hovered_week(f, weeks);
  f.dl->PopClipRect();
  std::vector<std::pair<std::string, ImU32>> items;
  for (const auto& s : series) items.emplace_back(s.label, s.color);
  if (series.size() > 1 || (!series.empty() && !series[0].label.empty())) legend(f, items);
  if (w >= 0) {
    ImGui::BeginTooltip();
    ImGui::Text("week %d", w);
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
  Frame f = begin(id, axes, size, xr, yr);
  f.dl->PushClipRect(f.p0, f.p1, true);
  for (std::size_t i = 0; i < layers.size(); ++i)
    fill_between(f, cum[i], cum[i + 1], with_alpha(layers[i].color, 0.85f));
  for (std::size_t i = 0; i < layers.size(); ++i) polyline(f, cum[i + 1], with_alpha(text_color(), 0.35f), 1.f);
  const int w = hovered_week(f, static_cast<int>(weeks));
  f.dl->PopClipRect();
  std::vector<std::pair<std::string, ImU32>> items;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) items.emplace_back(it->label, it->color);
  legend(f, items);
  if (w >= 0) {
    ImGui::BeginTooltip();
    ImGui::Text("week %d", w);
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
      swatch(it->color);
      ImGui::Text("%s: %s", it->label.c_str(),
                  format_value(w < static_cast<int>(it->values.size()) ? it->values[w] : 0.0).c_str());
    }
    ImGui::Text("total: %s", format_value(cum.back()[w]).c_str());
    ImGui::EndTooltip();
  }
}

void bars(const char* id, const Axes& axes, const std::vector<Bar>& bars, ImVec2 size) {
  size = resolve(size);
  const float fs = ImGui::GetFontSize(), pad = fs * 0.5f;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 tc = text_color(), grid = with_alpha(tc, 0.12f), axis = with_alpha(tc, 0.55f);

  Range xr;
  xr.add(0.0);
  for (const auto& b : bars) xr.add(b.lo), xr.add(b.hi), xr.add(b.mean);
  if (xr.hi <= xr.lo) xr.hi = xr.lo + 1;
  const double step = nice_step(xr.hi - xr.lo, 8);
  const double x0 = std::floor(xr.lo / step - 1e-9) * step, x1 = std::ceil(xr.hi / step + 1e-9) * step;

  float label_w = 0, note_w = 0;
  for (const auto& b : bars) {
    label_w = std::max(label_w, ImGui::CalcTextSize(b.label.c_str()).x);
    note_w = std::max(note_w, ImGui::CalcTextSize(b.note.c_str()).x);
  }
  label_w = std::min(label_w, size.x * 0.4f);
  const float title_h = axes.title.empty() ? 0 : fs * 1.4f;
  const ImVec2 p0(origin.x + label_w + pad * 2, origin.y + title_h + pad);
  const ImVec2 p1(std::max(p0.x + 20, origin.x + size.x - note_w - pad * 3), origin.y + size.y - fs * 2.6f);
  auto X = [&](double v) { return p0.x + static_cast<float>((v - x0) / (x1 - x0)) * (p1.x - p0.x); };

  if (!axes.title.empty()) {
    const float tw = ImGui::CalcTextSize(axes.title.c_str()).x;
    dl->AddText(ImVec2(origin.x + (size.x - tw) * 0.5f, origin.y), tc, axes.title.c_str());
  }
  dl->AddRectFilled(p0, p1, with_alpha(ImGui::GetColorU32(ImGuiCol_FrameBg), 0.5f));
  for (double v : nice_ticks(x0, x1, 8)) {
    const float x = X(v);
    dl->AddLine(ImVec2(x, p0.y), ImVec2(x, p1.y), v == 0 ? axis : grid, v == 0 ? 2.f : 1.f);
    const std::string s = tick_label(v, step);
    dl->AddText(ImVec2(x - ImGui::CalcTextSize(s.c_str()).x * 0.5f, p1.y + pad * 0.7f), tc, s.c_str());
  }
  if (!axes.x_label.empty()) {
    const float tw = ImGui::CalcTextSize(axes.x_label.c_str()).x;
    dl->AddText(ImVec2((p0.x + p1.x - tw) * 0.5f, p1.y + fs * 1.4f), axis, axes.x_label.c_str());
  }
  dl->AddRect(p0, p1, axis);
  if (bars.empty()) return;
  const float row = (p1.y - p0.y) / static_cast<float>(bars.size());
  const ImVec2 m = ImGui::GetIO().MousePos;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const float yc = p0.y + row * (static_cast<float>(i) + 0.5f), h = std::min(row * 0.32f, fs * 0.8f);
    const ImVec2 ls = ImGui::CalcTextSize(b.label.c_str());
    dl->PushClipRect(origin, ImVec2(p0.x - pad * 0.5f, origin.y + size.y), true);
    dl->AddText(ImVec2(p0.x - pad - std::min(ls.x, label_w), yc - ls.y * 0.5f), tc, b.label.c_str());
    dl->PopClipRect();
    if (std::isfinite(b.mean)) {
      const float xa = X(0), xb = X(b.mean);
      dl->AddRectFilled(ImVec2(std::min(xa, xb), yc - h), ImVec2(std::max(xa, xb), yc + h), with_alpha(b.color, 0.75f));
    }
    if (std::isfinite(b.lo) && std::isfinite(b.hi)) {
      const float la = X(b.lo), lb = X(b.hi), cap = h * 0.8f;
      dl->AddLine(ImVec2(la, yc), ImVec2(lb, yc), tc, 2.f);
      dl->AddLine(ImVec2(la, yc - cap), ImVec2(la, yc + cap), tc, 2.f);
      dl->AddLine(ImVec2(lb, yc - cap), ImVec2(lb, yc + cap), tc, 2.f);
    }
    const ImVec2 ns = ImGui::CalcTextSize(b.note.c_str());
    dl->AddText(ImVec2(p1.x + pad, yc - ns.y * 0.5f), tc, b.note.c_str());
    if (hovered && m.y >= yc - row * 0.5f && m.y < yc + row * 0.5f) {
      dl->AddRectFilled(ImVec2(origin.x, yc - row * 0.5f), ImVec2(origin.x + size.x, yc + row * 0.5f),
                        with_alpha(tc, 0.06f));
      ImGui::SetTooltip("%s\n%s  [%s, %s]", b.label.c_str(), format_value(b.mean).c_str(), format_value(b.lo).c_str(),
                        format_value(b.hi).c_str());
    }
  }
}

}  // namespace percorsi::viz::plot
