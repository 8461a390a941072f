// Panels of percorsi-viz, one function each (like imgui_demo.cpp), and small helpers.
#include "viz/app.hpp"

#include <GLFW/glfw3.h>  // key codes (ImGui 1.86 indexes io.KeysDown by GLFW key)
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "sim/engine/world.hpp"
#include "viz/plot.hpp"

namespace percorsi::viz {

namespace fs = std::filesystem;

namespace {

// ---- Helpers -------------------------------------------------------------------------------

const char* kFamilies[] = {"housing", "work", "case"};
const char* kGroupShort[] = {"H", "D", "MH", "Mi", "CL", "LTU", "VV", "EO"};

ImU32 state_color(int family, int state) {
  static const ImU32 kHousing[] = {IM_COL32(213, 62, 79, 255), IM_COL32(244, 165, 66, 255), IM_COL32(230, 215, 80, 255),
                                   IM_COL32(80, 170, 200, 255), IM_COL32(70, 160, 90, 255)};
  if (family == 0) return kHousing[state % 5];
  return plot::palette(state + (family == 1 ? 0 : 3));
}

std::vector<std::string> family_states(int family) {
  std::vector<std::string> s;
  if (family == 0) s.assign(std::begin(kHousingNames), std::end(kHousingNames));
  if (family == 1) s.assign(std::begin(kWorkNames), std::end(kWorkNames));
  if (family == 2) s.assign(std::begin(kCaseNames), std::end(kCaseNames));
  return s;
}

// Bool checkbox over a byte.
bool check(const char* label, std::uint8_t& v) {
  bool b = v != 0;
  const bool changed = ImGui::Checkbox(label, &b);
  v = b ? 1 : 0;
  return changed;
}

bool input_text(const char* label, std::string& s) {
  return ImGui::InputText(label, &s);
}

void help_marker(const char* text) {
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text);
}

std::vector<int> shown_scenarios(const App& a) {
  std::vector<int> out;
  for (int s = 0; s < static_cast<int>(a.shown.size()); ++s)
    if (a.shown[s]) out.push_back(s);
  return out;
}

std::string summary_text(const out::Summary& s, bool percent) {
  if (s.n == 0 || std::isnan(s.mean)) return "n/a";
  auto f = [&](double v) { return percent ? format_value(v * 100) + "%" : format_value(v); };
  return f(s.mean) + " [" + f(s.ci_low) + ", " + f(s.ci_high) + "]";
}

std::string diff_text(const out::Summary& s, bool percent) {
  if (std::isnan(s.mean)) return "n/a";
  auto f = [&](double v) {
    const std::string t = percent ? format_value(v * 100) + " pp" : format_value(v);
    return (v > 0 ? "+" : "") + t;
  };
  return f(s.mean) + " [" + f(s.ci_low) + ", " + f(s.ci_high) + "]";
}

ImVec4 verdict_color(int v) {
  if (v >= 2) return ImVec4(0.20f, 0.75f, 0.30f, 1);
  if (v == 1) return ImVec4(0.45f, 0.70f, 0.45f, 1);
  if (v <= -2) return ImVec4(0.90f, 0.25f, 0.25f, 1);
  if (v == -1) return ImVec4(0.80f, 0.50f, 0.45f, 1);
  return ImGui::GetStyle().Colors[ImGuiCol_TextDisabled];
}

// Line chart of one weekly series for every shown scenario (mean and 95% band).
void series_chart(App& a, const std::string& series, ImVec2 size) {
  std::vector<Band> bands;
  std::vector<int> ids;
  for (int s : shown_scenarios(a)) {
    bands.push_back(a.cat.band(s, series, a.territories));
    ids.push_back(s);
  }
  std::vector<plot::Line> lines;
  for (std::size_t i = 0; i < bands.size(); ++i) {
    if (bands[i].mean.empty()) continue;
    lines.push_back(
        {a.cat.scenarios()[ids[i]].label, plot::palette(ids[i]), &bands[i].mean, &bands[i].lo, &bands[i].hi});
  }
  plot::Axes ax;
  ax.title = series_label(series) + (a.territories.empty() ? "  (all territories)" : "  (selected territories)");
  ax.y_label = series_unit(series) + "  - mean and 95% interval over replicates";
  plot::lines(series.c_str(), ax, lines, size);
}

// Stacked areas of the states of one family (housing/work/case) for one scenario.
void stacked_chart(App& a, int s, int family, ImVec2 size) {
  std::vector<plot::Layer> layers;
  const auto states = family_states(family);
  for (std::size_t k = 0; k < states.size(); ++k) {
    const std::string name = std::string(kFamilies[family]) + "_" + states[k];
    Band b = a.cat.band(s, name, a.territories);
    if (!b.mean.empty()) layers.push_back({states[k], state_color(family, static_cast<int>(k)), std::move(b.mean)});
  }
  plot::Axes ax;
  ax.title = a.cat.scenarios()[s].label + ": " + kFamilies[family] + " states";
  ax.y_label = "persons (mean over replicates)";
  const std::string id = "stacked" + std::to_string(s) + "_" + std::to_string(family);
  plot::stacked(id.c_str(), ax, layers, size);
}

// The shown scenarios with the chosen baseline first.
std::vector<int> compare_order(App& a) {
  std::vector<int> order = shown_scenarios(a);
  if (order.empty()) return order;
  a.compare_base = std::clamp(a.compare_base, 0, static_cast<int>(order.size()) - 1);
  std::rotate(order.begin(), order.begin() + a.compare_base, order.begin() + a.compare_base + 1);
  return order;
}

// Bars of the differences from the baseline, as % of the baseline mean, with 95% whiskers.
void difference_bars(App& a, const std::vector<int>& order, const std::vector<CompareRow>& rows, ImVec2 size) {
  if (order.size() < 2) {
    ImGui::TextDisabled("Select two or more scenarios in the sidebar to compare them.");
    return;
  }
  std::vector<plot::Bar> bars;
  for (const auto& r : rows)
    for (std::size_t i = 1; i < order.size(); ++i) {
      const double m0 = r.value[0].mean;
      const auto& d = r.diff[i].summary;
      if (r.value[0].n == 0 || std::isnan(d.mean) || !std::isfinite(m0) || m0 == 0) continue;
      const double k = 100.0 / std::fabs(m0);
      const ImU32 col = ImGui::ColorConvertFloat4ToU32(verdict_color(r.verdict[i]));
      std::string label = indicator_label(r.indicator);
      if (order.size() > 2) label += " (" + a.cat.scenarios()[order[i]].info.name + ")";
      char note[64];
      std::snprintf(note, sizeof note, "%+.1f%%", d.mean * k);
      bars.push_back({label, d.mean * k, d.ci_low * k, d.ci_high * k, col, note});
    }
  plot::Axes ax;
  ax.title = "Difference from " + a.cat.scenarios()[order[0]].label;
  ax.x_label = "% of the baseline mean (bar: mean difference, whiskers: 95% interval)";
  plot::bars("diffbars", ax, bars, size);
}

// ---- Panels --------------------------------------------------------------------------------

void panel_errors(App& a) {
  if (a.cat.errors().empty()) return;
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.45f, 0.08f, 0.08f, 1));
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.95f, 0.95f, 1));
  const float fs = ImGui::GetFontSize();
  const float h = std::min(8.f, static_cast<float>(a.cat.errors().size()) + 1.6f) * fs * 1.35f;
  ImGui::BeginChild("errors", ImVec2(0, h), true);
  ImGui::Text("%d error(s):", static_cast<int>(a.cat.errors().size()));
  ImGui::SameLine(ImGui::GetWindowWidth() - fs * 6);
  if (ImGui::SmallButton("Dismiss")) a.cat.clear_errors();
  for (const auto& e : a.cat.errors()) ImGui::BulletText("%s", e.c_str());
  ImGui::EndChild();
  ImGui::PopStyleColor(2);
}

void panel_sidebar(App& a) {
  auto& ss = a.cat.scenarios();
  ImGui::TextUnformatted("Scenarios");
  ImGui::Separator();
  if (ss.empty()) ImGui::TextWrapped("No results loaded: open a file in the Files tab.");
  for (int s = 0; s < static_cast<int>(ss.size()); ++s) {
    ImGui::PushID(s);
    const ImVec4 c = ImGui::ColorConvertU32ToFloat4(plot::palette(s));
    ImGui::PushStyleColor(ImGuiCol_CheckMark, c);
    check(ss[s].label.c_str(), a.shown[s]);
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s\nseed %llu, %d replicates, %d weeks, %d territories", ss[s].origin.c_str(),
                        static_cast<unsigned long long>(ss[s].info.seed), static_cast<int>(ss[s].replicates.size()),
                        ss[s].info.weeks, static_cast<int>(ss[s].info.territories.size()));
    ImGui::PopID();
  }
  ImGui::Spacing();
  ImGui::TextUnformatted("Territories");
  ImGui::Separator();
  bool all = a.territories.empty();
  if (ImGui::Checkbox("All (sum)", &all) && all) a.territories.clear();
  for (const auto& t : a.cat.territories()) {
    bool on = a.territories.count(t) > 0;
    if (ImGui::Checkbox(t.c_str(), &on)) {
      if (on)
        a.territories.insert(t);
      else
        a.territories.erase(t);
    }
  }
  ImGui::Spacing();
  ImGui::TextUnformatted("Indicators (weekly)");
  ImGui::Separator();
  ImGui::SetNextItemWidth(-1);
  input_text("##filter", a.series_filter);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Filter indicators by label or name");
  ImGui::BeginChild("indicators", ImVec2(0, 0), true);
  for (const auto& n : a.cat.weekly_names()) {
    const std::string label = series_label(n);
    if (!a.series_filter.empty() && n.find(a.series_filter) == std::string::npos &&
        label.find(a.series_filter) == std::string::npos)
      continue;
    if (ImGui::Selectable((label + "##" + n).c_str(), n == a.series)) {
      a.series = n;
      a.request_tab = "Charts";
    }
    if (ImGui::IsItemHovered()) {
      const std::string m = series_meaning(n);
      ImGui::SetTooltip("%s (%s)%s%s", n.c_str(), series_unit(n).c_str(), m.empty() ? "" : "\n", m.c_str());
    }
  }
  ImGui::EndChild();
}

void panel_charts(App& a) {
  if (a.cat.size() == 0) {
    ImGui::TextDisabled("No results loaded: open a results file (.h5) in the Files tab, or run a scenario in Levers.");
    return;
  }
  ImGui::Text("%s", series_label(a.series).c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("%s  (%s)", series_unit(a.series).c_str(), a.series.c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("Add to presentation")) a.views.push_back({View::Lines, a.series, 0});
  const std::string m = series_meaning(a.series);
  if (!m.empty()) ImGui::TextDisabled("%s", m.c_str());
  series_chart(a, a.series, ImVec2(0, 0));
}

void panel_stacked(App& a) {
  ImGui::TextUnformatted("States:");
  for (int f = 0; f < 3; ++f) {
    ImGui::SameLine();
    ImGui::RadioButton(kFamilies[f], &a.family, f);
  }
  ImGui::SameLine();
  if (ImGui::SmallButton("Add to presentation")) a.views.push_back({View::Stacked, {}, a.family});
  const auto ids = shown_scenarios(a);
  if (ids.empty()) {
    ImGui::TextDisabled("Select a scenario in the sidebar.");
    return;
  }
  const int n = std::min<int>(static_cast<int>(ids.size()), 6), cols = n > 2 ? 2 : 1, rows = (n + cols - 1) / cols;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const ImGuiStyle& st = ImGui::GetStyle();
  const ImVec2 cell((avail.x - st.ItemSpacing.x * (cols - 1)) / cols, (avail.y - st.ItemSpacing.y * (rows - 1)) / rows);
  for (int i = 0; i < n; ++i) {
    if (i % cols) ImGui::SameLine();
    stacked_chart(a, ids[i], a.family, cell);
  }
}

void panel_compare(App& a) {
  const auto ids = shown_scenarios(a);
  if (ids.size() < 2) {
    ImGui::TextDisabled("Select two or more scenarios in the sidebar to compare them.");
    return;
  }
  a.compare_base = std::clamp(a.compare_base, 0, static_cast<int>(ids.size()) - 1);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 20);
  if (ImGui::BeginCombo("Baseline", a.cat.scenarios()[ids[a.compare_base]].label.c_str())) {
    for (int i = 0; i < static_cast<int>(ids.size()); ++i)
      if (ImGui::Selectable(a.cat.scenarios()[ids[i]].label.c_str(), i == a.compare_base)) a.compare_base = i;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (ImGui::SmallButton("Add to presentation")) a.views.push_back({View::Compare, {}, 0});
  help_marker(
      "Mean [95% interval] over replicates. Differences are paired by replicate when the seeds agree (common "
      "random numbers), Welch otherwise. Green: better, red: worse (lower is better for costs, returns to the "
      "street and waiting); bright when the interval excludes zero.");
  const std::vector<int> order = compare_order(a);
  const auto rows = compare(a.cat, order);
  if (const std::string unlike = unlike_runs(a.cat, order); !unlike.empty())
    ImGui::TextColored(ImVec4(0.95f, 0.55f, 0.2f, 1), "Not like with like, so no differences are shown: %s. "
                       "Rerun them over a common window with `percorsi compare --align`.", unlike.c_str());
  const int ncol = 2 + static_cast<int>(order.size()) * 2 - 1;
  const float row_h = ImGui::GetTextLineHeight() + ImGui::GetStyle().CellPadding.y * 2 + 1;
  const float table_h = std::min(ImGui::GetContentRegionAvail().y * 0.5f, (rows.size() + 1.5f) * row_h);
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_ScrollX | ImGuiTableFlags_SizingFixedFit;
  if (ImGui::BeginTable("compare", ncol, flags, ImVec2(0, table_h))) {
    ImGui::TableSetupScrollFreeze(1, 1);
    ImGui::TableSetupColumn("indicator");
    ImGui::TableSetupColumn("unit");
    for (int s : order) ImGui::TableSetupColumn(a.cat.scenarios()[s].info.name.c_str());
    for (std::size_t i = 1; i < order.size(); ++i)
      ImGui::TableSetupColumn(
          (a.cat.scenarios()[order[i]].info.name + " - " + a.cat.scenarios()[order[0]].info.name).c_str());
    ImGui::TableHeadersRow();
    for (const auto& r : rows) {
      const bool pct = is_share(r.indicator);
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      // The table's label; an indicator whose denominator depends on the policy is marked and
      // shown with it.
      const std::string den = indicator_policy_denominator(r.indicator);
      ImGui::TextUnformatted((indicator_label(r.indicator) + (den.empty() ? "" : " \u2020")).c_str());
      if (!r.denominator.empty()) {
        ImGui::SameLine();
        ImGui::TextDisabled("(%s per replicate)", r.denominator.c_str());
      }
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("%s%s%s", r.indicator.c_str(), den.empty() ? "" : "\n\u2020 among ",
                          den.empty() ? "" : (den + " (depends on the policy)").c_str());
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", indicator_unit(r.indicator).c_str());
      for (std::size_t i = 0; i < r.value.size(); ++i) {
        ImGui::TableNextColumn();
        const std::string t = summary_text(r.value[i], pct);
        ImGui::TextUnformatted((r.na[i].empty() ? t : "n/a (" + r.na[i] + ")").c_str());
      }
      for (std::size_t i = 1; i < order.size(); ++i) {
        ImGui::TableNextColumn();
        const auto& d = r.diff[i];
        ImGui::TextColored(verdict_color(r.verdict[i]), "%s%s%s", diff_text(d.summary, pct).c_str(),
                           d.paired || std::isnan(d.summary.mean) ? "" : " (unpaired)",
                           r.meaning[i] == Verdict::Undefined ? "" : (std::string(" ") + verdict_name(r.meaning[i])).c_str());
      }
    }
    ImGui::EndTable();
  }
  difference_bars(a, order, rows, ImVec2(0, 0));
}

void pathway(const PeopleTable& t, int row, const out::ScenarioInfo& info) {
  const float fs = ImGui::GetFontSize();
  const int weeks = info.weeks, tt = t.territory[row];
  const char* terr = tt >= 0 && tt < static_cast<int>(info.territories.size()) ? info.territories[tt].c_str() : "?";
  ImGui::Text("Person %d: age %d, %s, %d return(s) to the street, cost %s euro", t.id[row], t.age[row], terr,
              t.returns[row], format_value(t.cost[row]).c_str());
  ImGui::Text("Entry week %d, exit week %s, first stable housing week %s", t.entry[row],
              t.exit[row] >= 0 ? std::to_string(t.exit[row]).c_str() : "- (still present)",
              t.first_stable[row] >= 0 ? std::to_string(t.first_stable[row]).c_str() : "- (never)");
  // Timeline of the run: presence from entry to exit, with first stable housing marked.
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float w = ImGui::GetContentRegionAvail().x - fs, h = fs * 1.2f;
  ImVec2 p = ImGui::GetCursorScreenPos();
  const ImU32 tc = ImGui::GetColorU32(ImGuiCol_Text);
  const int horizon = std::max(1, weeks);
  auto X = [&](double wk) { return p.x + static_cast<float>(std::clamp(wk / horizon, 0.0, 1.0)) * w; };
  ImGui::TextDisabled("Timeline (weeks 0-%d)", horizon);
  p = ImGui::GetCursorScreenPos();
  dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), plot::with_alpha(tc, 0.1f));
  const double entry = std::max(0, t.entry[row]), exit = t.exit[row] >= 0 ? t.exit[row] : horizon;
  dl->AddRectFilled(ImVec2(X(entry), p.y + h * 0.3f), ImVec2(X(exit), p.y + h * 0.7f), plot::with_alpha(tc, 0.5f));
  if (t.first_stable[row] >= 0) {
    const float x = X(t.first_stable[row]);
    dl->AddTriangleFilled(ImVec2(x, p.y + h), ImVec2(x - fs * 0.4f, p.y), ImVec2(x + fs * 0.4f, p.y),
                          state_color(0, 4));
  }
  ImGui::Dummy(ImVec2(w, h));
  if (t.has_timeline()) {
    // The pathway: one band per kind of state, coloured by the state in force each week.
    const auto b = t.change_begin[static_cast<std::size_t>(row)], e = t.change_begin[static_cast<std::size_t>(row) + 1];
    const char* kinds[3] = {"housing", "case", "work"};
    const int family[3] = {0, 2, 1};
    for (int k = 0; k < 3; ++k) {
      ImGui::TextDisabled("%s", kinds[k]);
      ImGui::SameLine(fs * 5);
      p = ImGui::GetCursorScreenPos();
      const float bw = w - fs * 5;
      auto XB = [&](double wk) { return p.x + static_cast<float>(std::clamp(wk / horizon, 0.0, 1.0)) * bw; };
      for (auto i = b; i < e; ++i) {
        const auto& c = t.changes[i];
        const double end = i + 1 < e ? t.changes[i + 1][0] : exit;
        const float x0 = XB(c[0]), x1 = std::max(XB(end), x0 + 1.0f);
        dl->AddRectFilled(ImVec2(x0, p.y), ImVec2(x1, p.y + h), state_color(family[k], c[1 + k]));
        if (ImGui::IsMouseHoveringRect(ImVec2(x0, p.y), ImVec2(x1, p.y + h))) {
          const auto names = family_states(family[k]);
          const int st = c[1 + k];
          ImGui::SetTooltip("%s: %s from week %d to %d", kinds[k],
                            st >= 0 && st < static_cast<int>(names.size()) ? names[static_cast<std::size_t>(st)].c_str() : "?",
                            c[0], static_cast<int>(end));
        }
      }
      ImGui::Dummy(ImVec2(bw, h));
    }
    for (int k = 0; k < 5; ++k) {
      if (k) ImGui::SameLine();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(state_color(0, k)), "%s %d", kHousingNames[k], t.weeks[row][k]);
    }
    return;
  }
  // Without timelines: weeks in each housing state, as one horizontal bar.
  ImGui::TextDisabled("Weeks in each housing state (this run did not record timelines: output.timeline)");
  p = ImGui::GetCursorScreenPos();
  int total = 0;
  for (int k = 0; k < 5; ++k) total += t.weeks[row][k];
  float x = p.x;
  for (int k = 0; k < 5 && total > 0; ++k) {
    const float seg = w * static_cast<float>(t.weeks[row][k]) / static_cast<float>(total);
    dl->AddRectFilled(ImVec2(x, p.y), ImVec2(x + seg, p.y + h * 1.4f), state_color(0, k));
    x += seg;
  }
  ImGui::Dummy(ImVec2(w, h * 1.4f));
  for (int k = 0; k < 5; ++k) {
    if (k) ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(state_color(0, k)), "%s %d", kHousingNames[k], t.weeks[row][k]);
  }
}

void panel_people(App& a) {
  auto& ss = a.cat.scenarios();
  if (ss.empty()) {
    ImGui::TextDisabled("No results loaded.");
    return;
  }
  a.people_scenario = std::clamp(a.people_scenario, 0, static_cast<int>(ss.size()) - 1);
  ScenarioData& d = ss[a.people_scenario];
  const float fs = ImGui::GetFontSize();
  ImGui::SetNextItemWidth(fs * 16);
  if (ImGui::BeginCombo("Scenario", d.label.c_str())) {
    for (int s = 0; s < static_cast<int>(ss.size()); ++s)
      if (ImGui::Selectable(ss[s].label.c_str(), s == a.people_scenario)) a.people_scenario = s, a.selected_person = -1;
    ImGui::EndCombo();
  }
  if (d.replicates.empty()) {
    ImGui::TextDisabled("This scenario has no replicates.");
    return;
  }
  a.people_replicate = std::clamp(a.people_replicate, 0, static_cast<int>(d.replicates.size()) - 1);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 6);
  if (ImGui::SliderInt("Replicate", &a.people_replicate, 0, static_cast<int>(d.replicates.size()) - 1))
    a.selected_person = -1;
  PeopleFilter& f = a.people_filter;
  ImGui::SetNextItemWidth(fs * 9);
  const char* outcome = f.housing < 0 ? "any" : kHousingNames[f.housing];
  if (ImGui::BeginCombo("Final housing", outcome)) {
    if (ImGui::Selectable("any", f.housing < 0)) f.housing = -1;
    for (int h = 0; h < 5; ++h)
      if (ImGui::Selectable(kHousingNames[h], f.housing == h)) f.housing = h;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 9);
  const char* terr = f.territory < 0 || f.territory >= static_cast<int>(d.info.territories.size())
                         ? "any"
                         : d.info.territories[f.territory].c_str();
  if (ImGui::BeginCombo("Territory", terr)) {
    if (ImGui::Selectable("any", f.territory < 0)) f.territory = -1;
    for (int t = 0; t < static_cast<int>(d.info.territories.size()); ++t)
      if (ImGui::Selectable(d.info.territories[t].c_str(), f.territory == t)) f.territory = t;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::Checkbox("Present at end", &f.active_only);
  ImGui::TextUnformatted("Target groups (all of):");
  const ImGuiStyle& st = ImGui::GetStyle();
  for (int g = 0; g < 8; ++g) {
    const float w = ImGui::GetFrameHeight() + st.ItemInnerSpacing.x + ImGui::CalcTextSize(kGroupNames[g]).x;
    if (ImGui::GetItemRectMax().x + st.ItemSpacing.x + w < ImGui::GetWindowPos().x + ImGui::GetContentRegionMax().x)
      ImGui::SameLine();
    bool on = (f.groups >> g) & 1;
    if (ImGui::Checkbox(kGroupNames[g], &on))
      f.groups = static_cast<std::uint16_t>(on ? f.groups | (1 << g) : f.groups & ~(1 << g));
  }
  const PeopleTable* t = a.cat.people(a.people_scenario, d.replicates[a.people_replicate]);
  if (!t) {
    ImGui::TextDisabled("No person table for this replicate.");
    return;
  }
  const auto rows = filter_people(*t, f);
  ImGui::Text("%d of %d people", static_cast<int>(rows.size()), static_cast<int>(t->size()));
  if (a.selected_person < 0 || a.selected_person >= static_cast<int>(t->size()) ||
      !std::binary_search(rows.begin(), rows.end(), a.selected_person))
    a.selected_person = rows.empty() ? -1 : rows.front();

  const float detail_h = fs * 9.5f;
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
  if (ImGui::BeginTable("people", 10, flags,
                        ImVec2(0, std::max(fs * 6, ImGui::GetContentRegionAvail().y - detail_h)))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    for (const char* c :
         {"id", "territory", "age", "groups", "final housing", "entry", "exit", "first stable", "returns", "cost"})
      ImGui::TableSetupColumn(c);
    ImGui::TableHeadersRow();
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows.size()));
    while (clipper.Step())
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const int r = rows[i];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        char id[32];
        std::snprintf(id, sizeof id, "%d", t->id[r]);
        if (ImGui::Selectable(id, r == a.selected_person, ImGuiSelectableFlags_SpanAllColumns)) a.selected_person = r;
        ImGui::TableNextColumn();
        const int tt = t->territory[r];
        ImGui::TextUnformatted(
            tt >= 0 && tt < static_cast<int>(d.info.territories.size()) ? d.info.territories[tt].c_str() : "?");
        ImGui::TableNextColumn();
        ImGui::Text("%d", t->age[r]);
        ImGui::TableNextColumn();
        std::string g;
        for (int k = 0; k < 8; ++k)
          if ((t->groups[r] >> k) & 1) g += (g.empty() ? "" : " ") + std::string(kGroupShort[k]);
        ImGui::TextUnformatted(g.c_str());
        ImGui::TableNextColumn();
        const int h = t->housing_final[r];
        if (h >= 0 && h < 5)
          ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(state_color(0, h)), "%s", kHousingNames[h]);
        ImGui::TableNextColumn();
        ImGui::Text("%d", t->entry[r]);
        ImGui::TableNextColumn();
        if (t->exit[r] >= 0) ImGui::Text("%d", t->exit[r]);
        ImGui::TableNextColumn();
        if (t->first_stable[r] >= 0) ImGui::Text("%d", t->first_stable[r]);
        ImGui::TableNextColumn();
        ImGui::Text("%d", t->returns[r]);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(format_value(t->cost[r]).c_str());
      }
    ImGui::EndTable();
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "groups: H homeless, D disability, MH mental health, Mi migrant, CL care leaver,\n"
        "LTU long-term unemployed, VV violence victim, EO ex-offender");
  if (a.selected_person >= 0) pathway(*t, a.selected_person, d.info);
}

void lever_widget(Lever& l, const char* id) {
  ImGui::PushID(id);
  ImGui::SetNextItemWidth(-1);
  switch (l.spec->kind) {
    case Kind::Choice:
      if (ImGui::BeginCombo("##v", l.text.c_str())) {
        for (const auto& c : l.spec->choices)
          if (ImGui::Selectable(c.c_str(), c == l.text)) l.text = c;
        ImGui::EndCombo();
      }
      break;
    case Kind::Bool: {
      bool b = l.num != 0;
      if (ImGui::Checkbox("##v", &b)) l.num = b;
      break;
    }
    case Kind::Int: {
      int v = static_cast<int>(l.num);
      if (ImGui::InputInt("##v", &v)) l.num = std::clamp<double>(v, l.spec->min, l.spec->max);
      break;
    }
    case Kind::Text:
      ImGui::TextUnformatted(l.text.c_str());
      break;
    default: {
      double v = l.num;
      const char* fmt = l.spec->kind == Kind::Real ? "%.3g" : "%.0f weeks";
      if (ImGui::InputDouble("##v", &v, 0, 0, fmt)) l.num = std::clamp(v, l.spec->min, l.spec->max);
    }
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("%s (%s)\n%s\nevidence: %s: %s\nfile value: %s", l.spec->path.c_str(), l.spec->unit.c_str(),
                      l.spec->description.c_str(), evidence_name(l.spec->evidence), l.spec->evidence_detail.c_str(),
                      l.base_text.c_str());
  ImGui::PopID();
}

void panel_levers(App& a) {
  const float fs = ImGui::GetFontSize();
  if (!a.levers) {
    ImGui::TextWrapped(
        "Open a scenario YAML, change its main levers, and run it: the results appear as a new "
        "scenario beside the loaded ones.");
    std::string picked;
    if (a.yaml_browser.draw("yaml", picked, 0)) a.open_scenario(picked);
    if (!a.lever_message.empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", a.lever_message.c_str());
    return;
  }
  LeverSet& ls = *a.levers;
  ImGui::Text("Scenario %s", ls.path.c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("Close")) {
    a.levers.reset();
    return;
  }
  ImGui::SameLine();
  if (ImGui::SmallButton("Reset")) {
    for (auto& l : ls.levers) l.num = l.base_num, l.text = l.base_text;
    ls.name = ls.base.name() + "_edit";
  }
  ImGui::SetNextItemWidth(fs * 16);
  input_text("Name of the edited scenario", ls.name);
  // Global levers.
  if (ImGui::BeginTable("global", 3, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("lever", 0, 2);
    ImGui::TableSetupColumn("value", 0, 2);
    ImGui::TableSetupColumn("unit", 0, 1);
    ImGui::TableHeadersRow();
    for (std::size_t i = 0; i < ls.levers.size(); ++i) {
      Lever& l = ls.levers[i];
      if (l.territory >= 0) continue;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      if (l.changed())
        ImGui::TextColored(ImVec4(1, 0.8f, 0.3f, 1), "%s *", l.spec->path.c_str());
      else
        ImGui::TextUnformatted(l.spec->path.c_str());
      ImGui::TableNextColumn();
      lever_widget(l, l.spec->path.c_str());
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", l.spec->unit.c_str());
    }
    ImGui::EndTable();
  }
  // Territory levers: one row per territory, one column per lever.
  std::vector<const ParamSpec*> tspecs;
  for (const auto& l : ls.levers)
    if (l.territory >= 0 && std::find(tspecs.begin(), tspecs.end(), l.spec) == tspecs.end()) tspecs.push_back(l.spec);
  if (!tspecs.empty() && ImGui::BeginTable("territories", 1 + static_cast<int>(tspecs.size()),
                                           ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchSame)) {
    ImGui::TableSetupColumn("territory");
    for (const auto* p : tspecs) ImGui::TableSetupColumn((p->key() + " (" + p->unit + ")").c_str());
    ImGui::TableHeadersRow();
    for (int t = 0; t < static_cast<int>(ls.base.territories.size()); ++t) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(ls.base.territory_name(t).c_str());
      for (const auto* p : tspecs)
        for (auto& l : ls.levers)
          if (l.spec == p && l.territory == t) {
            ImGui::TableNextColumn();
            lever_widget(l, (p->path + std::to_string(t)).c_str());
          }
    }
    ImGui::EndTable();
  }
  if (std::none_of(ls.levers.begin(), ls.levers.end(),
                   [](const Lever& l) { return l.spec->path.rfind("employment.", 0) == 0; }))
    ImGui::TextDisabled("Employment levers appear here once the parameter registry defines them.");
  ImGui::Spacing();
  // Run / cancel.
  if (a.run.running()) {
    ImGui::ProgressBar(static_cast<float>(a.run.progress()), ImVec2(fs * 20, 0));
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) a.run.cancel();
  } else if (ImGui::Button("Run")) {
    a.start_run();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 24);
  input_text("##save", a.save_path);
  ImGui::SameLine();
  if (ImGui::Button("Save as YAML")) {
    try {
      ls.edited();  // validate first
      ls.save(a.save_path);
      a.lever_message = "saved " + a.save_path + " (extends " + fs::path(ls.path).filename().string() + ")";
      a.lever_error = false;
    } catch (const std::exception& e) {
      a.lever_message = e.what();
      a.lever_error = true;
    }
  }
  if (!a.lever_message.empty())
    ImGui::TextColored(a.lever_error ? ImVec4(1, 0.4f, 0.4f, 1) : ImVec4(0.5f, 0.9f, 0.5f, 1), "%s",
                       a.lever_message.c_str());
  if (ImGui::CollapsingHeader("YAML of the changes")) ImGui::TextUnformatted(ls.overrides_yaml(a.save_path).c_str());
}

void panel_files(App& a) {
  std::string picked;
  ImGui::BeginChild("browser", ImVec2(ImGui::GetContentRegionAvail().x * 0.45f, 0), false);
  ImGui::TextUnformatted("Open a results file (.h5)");
  if (a.results_browser.draw("h5", picked, 0)) a.open({picked});
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("loaded", ImVec2(0, 0), true);
  ImGui::TextUnformatted("Loaded");
  ImGui::Separator();
  for (auto& d : a.cat.scenarios()) {
    if (!ImGui::TreeNode(d.label.c_str())) continue;
    ImGui::Text("origin: %s", d.origin.c_str());
    ImGui::Text("seed %llu, %d weeks", static_cast<unsigned long long>(d.info.seed), d.info.weeks);
    std::string reps, terr;
    for (int r : d.replicates) reps += (reps.empty() ? "" : " ") + std::to_string(r);
    for (const auto& t : d.info.territories) terr += (terr.empty() ? "" : ", ") + t;
    ImGui::TextWrapped("replicates: %s", reps.c_str());
    ImGui::TextWrapped("territories: %s", terr.c_str());
    if (ImGui::TreeNode("weekly", "weekly indicators (%d)", static_cast<int>(d.weekly_names.size()))) {
      for (const auto& n : d.weekly_names)
        ImGui::BulletText("%s (%s): %s", series_label(n).c_str(), series_unit(n).c_str(), n.c_str());
      ImGui::TreePop();
    }
    if (ImGui::TreeNode("headline", "headline indicators (%d)", static_cast<int>(d.headline_names.size()))) {
      for (const auto& n : d.headline_names)
        ImGui::BulletText("%s (%s): %s", indicator_label(n).c_str(), indicator_unit(n).c_str(), n.c_str());
      ImGui::TreePop();
    }
    if (ImGui::TreeNode("persons", "person columns (%d)", static_cast<int>(d.person_columns.size()))) {
      for (const auto& n : d.person_columns) ImGui::BulletText("%s", n.c_str());
      ImGui::TreePop();
    }
    ImGui::TreePop();
  }
  ImGui::EndChild();
}

// Presentation: one chart filling the screen; keys move between the saved views.
void panel_presentation(App& a) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("presentation", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings);
  panel_errors(a);
  if (a.views.empty()) {
    ImGui::TextUnformatted("No views: add some with 'Add to presentation'.");
  } else {
    a.view = std::clamp(a.view, 0, static_cast<int>(a.views.size()) - 1);
    const View& v = a.views[a.view];
    const ImVec2 size(0, ImGui::GetContentRegionAvail().y - ImGui::GetFrameHeightWithSpacing());
    if (v.kind == View::Lines) series_chart(a, v.series, size);
    if (v.kind == View::Compare) {
      const auto order = compare_order(a);
      difference_bars(a, order, compare(a.cat, order), size);
    }
    if (v.kind == View::Stacked) {
      const auto ids = shown_scenarios(a);
      const int n = std::min<int>(static_cast<int>(ids.size()), 3);
      const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x * (n - 1)) / std::max(1, n);
      for (int i = 0; i < n; ++i) {
        if (i) ImGui::SameLine();
        stacked_chart(a, ids[i], v.family, ImVec2(w, size.y));
      }
    }
  }
  ImGui::TextDisabled("View %d / %d: %s    Left/Right or 1-9: views    P, F11 or Esc: leave", a.view + 1,
                      static_cast<int>(a.views.size()), a.views.empty() ? "" : a.views[a.view].title().c_str());
  ImGui::End();
}

void handle_keys(App& a) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  if (ImGui::IsKeyPressed(GLFW_KEY_F11, false) || ImGui::IsKeyPressed(GLFW_KEY_P, false) ||
      (a.presentation && ImGui::IsKeyPressed(GLFW_KEY_ESCAPE, false))) {
    a.presentation = !a.presentation;
    apply_theme(a.presentation, a.base_font_scale);
  }
  if (!a.presentation || a.views.empty()) return;
  const int n = static_cast<int>(a.views.size());
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow))) a.view = (a.view + 1) % n;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow))) a.view = (a.view + n - 1) % n;
  for (int k = 0; k < 9; ++k)
    if (ImGui::IsKeyPressed(GLFW_KEY_1 + k, false) && k < n) a.view = k;
}

void poll_run(App& a) {
  auto r = a.run.take();
  if (!r) return;
  if (!r->error.empty()) {
    a.lever_message = "run failed: " + r->error;
    a.lever_error = true;
    a.cat.error(a.lever_message);
  } else if (r->cancelled) {
    a.lever_message = "run cancelled";
    a.lever_error = false;
  } else {
    const std::string label = r->info.name + " [live #" + std::to_string(++a.live_runs) + "]";
    a.cat.add_live(label, r->info, std::move(r->replicates));
    a.lever_message = "finished: " + label + " is now in the scenario list";
    a.lever_error = false;
  }
}

}  // namespace

// ---- FileBrowser ---------------------------------------------------------------------------

bool FileBrowser::draw(const char* id, std::string& picked, float height) {
  ImGui::PushID(id);
  std::error_code ec;
  if (dir.empty()) dir = fs::current_path(ec);
  bool chosen = false;
  ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 4);
  const bool enter = ImGui::InputText("##path", &input, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if ((ImGui::Button("Open") || enter) && !input.empty()) {
    if (fs::is_directory(input, ec)) {
      dir = input;
    } else {
      picked = input;
      chosen = true;
    }
  }
  if (ImGui::SmallButton("Up")) dir = dir.parent_path();
  ImGui::SameLine();
  if (ImGui::SmallButton("Refresh")) listed.clear();
  ImGui::SameLine();
  ImGui::TextDisabled("%s", dir.string().c_str());
  if (listed != dir) {  // read the folder once, not every frame
    listed = dir;
    dirs.clear();
    files.clear();
    error.clear();
    try {
      for (const auto& e : fs::directory_iterator(dir, fs::directory_options::skip_permission_denied)) {
        const std::string name = e.path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        if (e.is_directory(ec))
          dirs.push_back(e.path());
        else if (std::find(extensions.begin(), extensions.end(), e.path().extension().string()) != extensions.end())
          files.push_back(e.path());
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
    std::sort(dirs.begin(), dirs.end());
    std::sort(files.begin(), files.end());
  }
  ImGui::BeginChild("list", ImVec2(0, height), true);
  fs::path go;
  for (const auto& d : dirs)
    if (ImGui::Selectable(("[dir] " + d.filename().string()).c_str())) go = d;
  for (const auto& f : files) {
    if (ImGui::Selectable(f.filename().string().c_str(), input == f.string(), ImGuiSelectableFlags_AllowDoubleClick)) {
      input = f.string();
      if (ImGui::IsMouseDoubleClicked(0)) picked = input, chosen = true;
    }
  }
  if (!error.empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", error.c_str());
  if (dirs.empty() && files.empty()) ImGui::TextDisabled("(no folders or matching files here)");
  ImGui::EndChild();
  if (!go.empty()) dir = go;
  ImGui::PopID();
  return chosen;
}

// ---- App -----------------------------------------------------------------------------------

std::string View::title() const {
  if (kind == Lines) return series_label(series) + " (" + series_unit(series) + ")";
  if (kind == Stacked) return std::string(kFamilies[family]) + " states over time";
  return "Headline indicators: difference from the baseline";
}

const std::vector<std::string>& view_names() {
  static const std::vector<std::string> n = {"charts", "stacked", "compare",     "people",
                                             "levers", "files",   "presentation"};
  return n;
}

void App::open(const std::vector<std::string>& files) {
  for (const auto& f : files) cat.open(f);
}

bool App::open_scenario(const std::string& path) {
  try {
    levers = LeverSet::load(path);
    save_path = (fs::path(path).parent_path() / (levers->name + ".yaml")).string();
    lever_message.clear();
    lever_error = false;
    return true;
  } catch (const std::exception& e) {
    lever_message = e.what();
    lever_error = true;
    cat.error(e.what());
    return false;
  }
}

bool App::start_run() {
  if (!levers || run.running()) return false;
  try {
    run.start(levers->edited());
    lever_message = "running " + levers->name + "...";
    lever_error = false;
    return true;
  } catch (const std::exception& e) {
    lever_message = e.what();
    lever_error = true;
    return false;
  }
}

bool App::select(const std::string& name) {
  static const std::pair<const char*, const char*> kTabs[] = {{"charts", "Charts"},   {"stacked", "Stacked"},
                                                              {"compare", "Compare"}, {"people", "People"},
                                                              {"levers", "Levers"},   {"files", "Files"}};
  for (const auto& [key, tab] : kTabs)
    if (name == key) {
      request_tab = tab;
      if (presentation) presentation = false, apply_theme(false, base_font_scale);
      return true;
    }
  if (name == "presentation") {
    if (!presentation) presentation = true, apply_theme(true, base_font_scale);
    return true;
  }
  return false;
}

void App::draw() {
  poll_run(*this);
  // New scenarios are shown by default (the first eight).
  while (shown.size() < static_cast<std::size_t>(cat.size())) shown.push_back(shown.size() < 8 ? 1 : 0);
  const auto names = cat.weekly_names();
  if (!names.empty() && std::find(names.begin(), names.end(), series) == names.end()) series = names.front();
  if (views.empty() && !names.empty()) {
    for (const char* s : {"housing_street", "housing_hf_flat", "housing_housed", "cost_total"})
      if (std::find(names.begin(), names.end(), s) != names.end()) views.push_back({View::Lines, s, 0});
    views.push_back({View::Stacked, {}, 0});
    views.push_back({View::Compare, {}, 0});
  }
  handle_keys(*this);
  if (presentation) {
    panel_presentation(*this);
    return;
  }
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("Percorsi viewer", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  ImGui::TextUnformatted("Percorsi viewer");
  ImGui::SameLine();
  ImGui::TextDisabled("%d file(s), %d scenario(s)", static_cast<int>(cat.files().size()), cat.size());
  if (run.running()) {
    ImGui::SameLine();
    ImGui::ProgressBar(static_cast<float>(run.progress()), ImVec2(ImGui::GetFontSize() * 10, 0), "live run");
  }
  ImGui::SameLine(ImGui::GetWindowWidth() - ImGui::GetFontSize() * 9);
  if (ImGui::SmallButton("Presentation (P)")) select("presentation");
  panel_errors(*this);
  const float side = std::max(ImGui::GetFontSize() * 15, ImGui::GetContentRegionAvail().x * 0.2f);
  ImGui::BeginChild("sidebar", ImVec2(side, 0), true);
  panel_sidebar(*this);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("main", ImVec2(0, 0), false);
  if (ImGui::BeginTabBar("tabs")) {
    struct Tab {
      const char* name;
      void (*fn)(App&);
    };
    static const Tab kTabs[] = {{"Charts", panel_charts}, {"Stacked", panel_stacked}, {"Compare", panel_compare},
                                {"People", panel_people}, {"Levers", panel_levers},   {"Files", panel_files}};
    for (const auto& t : kTabs) {
      const ImGuiTabItemFlags f = request_tab == t.name ? ImGuiTabItemFlags_SetSelected : 0;
      if (ImGui::BeginTabItem(t.name, nullptr, f)) {
        t.fn(*this);
        ImGui::EndTabItem();
      }
    }
    request_tab.clear();
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  ImGui::End();
}

void apply_theme(bool presentation, float base_font_scale) {
  ImGuiStyle& st = ImGui::GetStyle();
  st = ImGuiStyle();
  ImGuiIO& io = ImGui::GetIO();
  if (!presentation) {
    ImGui::StyleColorsDark(&st);
    st.FrameRounding = 3;
    io.FontGlobalScale = base_font_scale;
    return;
  }
  // High contrast for projectors: black on white, strong borders, large fonts.
  ImGui::StyleColorsLight(&st);
  ImVec4* c = st.Colors;
  c[ImGuiCol_WindowBg] = c[ImGuiCol_ChildBg] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_Text] = ImVec4(0, 0, 0, 1);
  c[ImGuiCol_TextDisabled] = ImVec4(0.25f, 0.25f, 0.25f, 1);
  c[ImGuiCol_FrameBg] = ImVec4(0.93f, 0.93f, 0.93f, 1);
  c[ImGuiCol_Border] = ImVec4(0, 0, 0, 1);
  st.ScaleAllSizes(2.0f);
  io.FontGlobalScale = base_font_scale * 2.0f;
}

}  // namespace percorsi::viz
