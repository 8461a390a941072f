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
constexpr int kGroups = static_cast<int>(std::size(kGroupNames));

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

std::string territory_text(const App& a) {
  std::string t;
  for (const auto& x : a.territories) t += (t.empty() ? "" : " + ") + x;
  return t.empty() ? "all territories" : t;
}

std::vector<int> shown_scenarios(const App& a) {
  std::vector<int> out;
  for (int s = 0; s < static_cast<int>(a.shown.size()); ++s)
    if (a.shown[s]) out.push_back(s);
  return out;
}

// A label drawn wrapped to the width left on the line (never cut).
void wrapped(const std::string& text) {
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
}

// A selectable row whose label wraps over as many lines as it needs.
bool wrapped_selectable(const std::string& label, const std::string& id, bool selected) {
  const float w = ImGui::GetContentRegionAvail().x;
  const float h = ImGui::CalcTextSize(label.c_str(), nullptr, false, w).y;
  const ImVec2 at = ImGui::GetCursorPos();
  const bool clicked = ImGui::Selectable(("##" + id).c_str(), selected, 0, ImVec2(0, h));
  const ImVec2 after = ImGui::GetCursorPos();
  ImGui::SetCursorPos(at);
  ImGui::PushTextWrapPos(at.x + w);
  ImGui::TextUnformatted(label.c_str());
  ImGui::PopTextWrapPos();
  ImGui::SetCursorPos(after);
  return clicked;
}

// A colour swatch and a label, on one line with what follows.
void key_item(ImU32 c, const std::string& label) {
  const float fs = ImGui::GetFontSize();
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x, p.y + fs * 0.15f), ImVec2(p.x + fs * 0.9f, p.y + fs * 0.85f), c);
  ImGui::Dummy(ImVec2(fs, fs));
  ImGui::SameLine();
  ImGui::TextUnformatted(label.c_str());
}

// Legend of one family's states, flowing over lines as the width allows.
void state_key(int family) {
  const auto states = family_states(family);
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  for (int k = 0; k < static_cast<int>(states.size()); ++k) {
    const std::string label = human_name(states[static_cast<std::size_t>(k)]);
    const float w = ImGui::GetFontSize() * 1.3f + ImGui::CalcTextSize(label.c_str()).x;
    if (k > 0 && ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x * 3 + w < right)
      ImGui::SameLine(0, ImGui::GetStyle().ItemSpacing.x * 3);
    key_item(state_color(family, k), label);
  }
}

// Time axes of the scenarios: the first's calendar, and every event of any of them (marked with
// the scenario's name when not all of them have it).
void time_axes(App& a, const std::vector<int>& ids, plot::Axes& ax) {
  if (ids.empty()) return;
  auto& ss = a.cat.scenarios();
  ax.calendar = ss[static_cast<std::size_t>(ids[0])].calendar;
  ax.x_label = ax.calendar.known ? "" : "week";
  for (int s : ids)
    for (const auto& e : ss[static_cast<std::size_t>(s)].events) {
      bool seen = false;
      for (const auto& x : ax.events) seen = seen || (x.start == e.start && x.end == e.end && x.label.rfind(e.label, 0) == 0);
      if (seen) continue;
      int have = 0;
      for (int t : ids)
        for (const auto& f : ss[static_cast<std::size_t>(t)].events) have += f.start == e.start && f.end == e.end && f.label == e.label;
      EventSpan x = e;
      if (have < static_cast<int>(ids.size())) x.label += " (" + ss[static_cast<std::size_t>(s)].info.name + ")";
      ax.events.push_back(x);
    }
}

// Better: green, worse: red; bright when important. Darker shades on a light background.
ImVec4 verdict_color(int v) {
  const bool light = ImGui::GetStyle().Colors[ImGuiCol_WindowBg].x > 0.5f;
  if (v >= 2) return light ? ImVec4(0.0f, 0.45f, 0.15f, 1) : ImVec4(0.20f, 0.75f, 0.30f, 1);
  if (v == 1) return light ? ImVec4(0.25f, 0.45f, 0.30f, 1) : ImVec4(0.45f, 0.70f, 0.45f, 1);
  if (v <= -2) return light ? ImVec4(0.75f, 0.05f, 0.05f, 1) : ImVec4(0.90f, 0.25f, 0.25f, 1);
  if (v == -1) return light ? ImVec4(0.55f, 0.25f, 0.20f, 1) : ImVec4(0.80f, 0.50f, 0.45f, 1);
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
  ax.title = series_label(series) + (a.territories.empty() ? "  (all territories)" : "  (" + territory_text(a) + ")");
  ax.y_label = series_unit(series) + "  - mean and 95% interval over replicates" +
               (lines.size() > 3 ? " (intervals as thin lines)" : "");
  time_axes(a, ids, ax);
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
  ax.title = a.cat.scenarios()[s].info.name + ": " + kFamilies[family] + " states";
  ax.y_label = "persons (mean over replicates)";
  time_axes(a, {s}, ax);
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

// The headline indicators the comparison can show (those of the compared scenarios).
std::vector<std::string> compare_indicators(const std::vector<CompareRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.indicator);
  return out;
}

// Warnings of scenario s that the baseline b does not share (an ignored lever, a value outside
// its plausible range): the comparison says so beside the verdict.
std::vector<std::string> own_warnings(App& a, int s, int b) {
  const auto& ws = a.cat.scenarios()[static_cast<std::size_t>(s)].warnings;
  const auto& wb = a.cat.scenarios()[static_cast<std::size_t>(b)].warnings;
  std::vector<std::string> out;
  for (const auto& w : ws)
    if (std::find(wb.begin(), wb.end(), w) == wb.end()) out.push_back(w);
  return out;
}

// Whether any compared file has a robustness (compare --robustness): else the rows say nothing of
// it and one line under the chart says it was not computed.
bool robustness_computed(const std::vector<CompareRow>& rows) {
  for (const auto& r : rows)
    for (const auto& n : r.robustness)
      if (n.kind != RobustnessNote::None && n.kind != RobustnessNote::NotComputed) return true;
  return false;
}

// The comparison of one indicator: a dot and its 95% interval per scenario, the difference from
// the baseline in the indicator's own unit (percentage points for shares), the verdict beside it.
// Empty (with a message drawn) when there is nothing to compare.
std::vector<plot::DotRow> compare_dots(App& a, const std::vector<int>& order, const std::vector<CompareRow>& rows,
                                       plot::Axes& ax, std::string& indicator) {
  std::vector<plot::DotRow> dots;
  if (order.size() < 2) {
    ImGui::TextDisabled("Tick two or more scenarios in the sidebar to compare them.");
    return dots;
  }
  const auto names = compare_indicators(rows);
  if (names.empty()) {
    ImGui::TextDisabled("The scenarios have no headline indicators.");
    return dots;
  }
  if (std::find(names.begin(), names.end(), indicator) == names.end()) indicator = names.front();
  const CompareRow& r = rows[static_cast<std::size_t>(std::find(names.begin(), names.end(), indicator) - names.begin())];
  const Scaled k = scaled(r.indicator);
  const bool computed = robustness_computed({r});
  for (std::size_t i = 0; i < order.size(); ++i) {
    const ScenarioData& d = a.cat.scenarios()[static_cast<std::size_t>(order[i])];
    plot::DotRow row;
    row.label = d.info.name + (d.origin == "live" ? " [live]" : "");
    if (i == 0) {
      row.reference = true;
      row.mean = r.value[0].n ? 0.0 : std::nan("");
      row.lo = row.hi = std::nan("");
      row.color = ImGui::GetColorU32(ImGuiCol_Text);
      row.note = "baseline: " + (r.na[0].empty() ? value_text(r.indicator, r.value[0]) : "n/a (" + r.na[0] + ")");
    } else {
      const auto& dd = r.diff[i].summary;
      row.mean = dd.mean * k.factor, row.lo = dd.ci_low * k.factor, row.hi = dd.ci_high * k.factor;
      row.color = ImGui::ColorConvertFloat4ToU32(verdict_color(r.verdict[i]));
      row.note_color = row.color;
      if (!r.na[i].empty()) {
        row.note = "n/a (" + r.na[i] + ")";
      } else {
        row.note = difference_text(r.indicator, dd);
        if (r.meaning[i] != Verdict::Undefined) row.note += std::string(" ") + verdict_name(r.meaning[i]);
        if (r.verdict[i] != 0) row.note += r.verdict[i] > 0 ? ", better" : ", worse";
      }
      // Its robustness, where some compared file has one (else the legend line says it was not computed).
      if (computed && r.robustness[i].kind != RobustnessNote::None) row.note += "; " + r.robustness[i].text(true);
      if (const auto w = own_warnings(a, order[i], order[0]); !w.empty()) {
        // Its first clause ("territories[Novara].hf_flats = 20 is ignored"); the rest in the sidebar.
        const std::string first = w.front().substr(0, std::min(w.front().find(" ("), w.front().find(": ")));
        row.note += " (!) " + first + (w.size() > 1 ? " (+" + std::to_string(w.size() - 1) + " more)" : "");
      }
    }
    dots.push_back(std::move(row));
  }
  const std::string den = indicator_policy_denominator(r.indicator);
  ax.title = indicator_label(r.indicator) + (k.value_unit.empty() ? "" : " (" + k.value_unit + ")") +
             (den.empty() ? "" : " \u2020 among " + den);
  ax.x_label = "difference from " + a.cat.scenarios()[static_cast<std::size_t>(order[0])].info.name +
               (k.diff_unit.empty() ? "" : ", " + k.diff_unit) + " (dot: mean, line: 95% interval)";
  ax.note = robustness_legend(a.cat, order);
  return dots;
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
  const int ticked = static_cast<int>(shown_scenarios(a).size());
  ImGui::Text("Scenarios (%d of %d ticked)", ticked, static_cast<int>(ss.size()));
  if (ss.size() > 1) {
    if (ImGui::SmallButton("All")) std::fill(a.shown.begin(), a.shown.end(), 1);
    ImGui::SameLine();
    if (ImGui::SmallButton("None")) std::fill(a.shown.begin(), a.shown.end(), 0);
  }
  ImGui::Separator();
  if (ss.empty()) wrapped("No results loaded: open a file in the Files tab.");
  if (ticked < static_cast<int>(ss.size()) && static_cast<int>(ss.size()) > kMaxShown)
    ImGui::TextColored(ImVec4(0.95f, 0.6f, 0.2f, 1), "%s",
                       ("Only the first " + std::to_string(kMaxShown) +
                        " were ticked on opening: charts stay readable up to that many. Tick the ones to discuss.")
                           .c_str());
  ImGui::BeginChild("scenario_list", ImVec2(0, std::min(ImGui::GetContentRegionAvail().y * 0.45f,
                                                        (static_cast<float>(ss.size()) * 2.2f + 0.5f) * ImGui::GetFrameHeight())),
                    false);
  for (int s = 0; s < static_cast<int>(ss.size()); ++s) {
    ImGui::PushID(s);
    const ImVec4 c = ImGui::ColorConvertU32ToFloat4(plot::palette(s));
    ImGui::PushStyleColor(ImGuiCol_CheckMark, c);
    ImGui::PushStyleColor(ImGuiCol_Border, c);
    ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, 2.f);
    check("##tick", a.shown[s]);
    a.mark("tick:" + std::to_string(s));
    ImGui::PopStyleVar();
    ImGui::PopStyleColor(2);
    const bool hover_box = ImGui::IsItemHovered();
    ImGui::SameLine();
    wrapped(ss[s].label);  // the full name, wrapped
    if (hover_box || ImGui::IsItemHovered()) {
      std::string changes;
      for (const auto& x : ss[s].changes) changes += "\n  " + x;
      if (!ss[s].warnings.empty()) changes += "\nwarnings:";
      for (const auto& x : ss[s].warnings) changes += "\n  (!) " + x;
      ImGui::SetTooltip("%s\n%s\nseed %llu, %d replicates, %d weeks, %d territories%s%s", ss[s].info.name.c_str(),
                        ss[s].origin.c_str(), static_cast<unsigned long long>(ss[s].info.seed),
                        static_cast<int>(ss[s].replicates.size()), ss[s].info.weeks,
                        static_cast<int>(ss[s].info.territories.size()), ss[s].changes.empty() ? "" : "\nlevers changed:",
                        changes.c_str());
    }
    ImGui::PopID();
  }
  ImGui::EndChild();
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
    if (wrapped_selectable(label, n, n == a.series)) {  // the whole label, over two lines if need be
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
  if (ImGui::SmallButton("Add to presentation")) a.views.push_back({View::Lines, a.series, 0});
  ImGui::SameLine();
  // The subtitle in the text colour (a grey one is lost on a projector).
  const std::string m = series_meaning(a.series);
  wrapped(series_unit(a.series) + " (" + a.series + ")" + (m.empty() ? "" : ": " + m));
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

// The family-care service's funnel (docs/model.md, "Family care work"; its tab shows only when a
// scenario loaded has the model): for every shown scenario with the family-care model, the count since week 0 of each step (its weekly series
// fc_<step>_week summed over the weeks, mean over replicates), in a table, and over time for the
// first of them.
const char* const kFunnelSteps[] = {"oriented", "skills_identified", "skills_validated",  "trained",
                                    "matched",  "families_advised",  "family_incentives", "regular_contracts"};

void panel_funnel(App& a) {
  std::vector<int> ids;
  std::vector<std::vector<double>> weekly;  // [shown scenario with the model][step]: the weekly means
  for (int s : shown_scenarios(a)) {
    std::vector<std::vector<double>> w;
    double any = 0;
    for (const char* step : kFunnelSteps) {
      w.push_back(a.cat.band(s, std::string("fc_") + step + "_week", a.territories).mean);
      for (double x : w.back()) any += x;
    }
    if (any <= 0) continue;
    ids.push_back(s);
    for (auto& v : w) weekly.push_back(std::move(v));
  }
  if (ids.empty()) {
    ImGui::TextDisabled("No scenario shown has the family-care model (family_care.enabled): open or run "
                        "scenarios/piemonte/family_care.yaml or one of its lever files.");
    return;
  }
  constexpr int kSteps = static_cast<int>(std::size(kFunnelSteps));
  // All territories: each count with its 95% interval over replicates (the headline fc_<step>);
  // some territories: the mean of their weekly series summed (the headlines are regional).
  const bool all = a.territories.empty();
  wrapped(all ? std::string("Family-care service: counts since week 0 of each step of its funnel, mean and 95% interval "
                            "over replicates (all territories).")
              : "Family-care service: counts since week 0 of each step of its funnel, mean over replicates (" +
                    territory_text(a) + "; intervals with all territories); the weekly series fc_<step>_week summed.");
  if (ImGui::BeginTable("funnel", 1 + static_cast<int>(ids.size()), ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg)) {
    ImGui::TableSetupColumn("step");
    for (int s : ids) ImGui::TableSetupColumn(a.cat.scenarios()[static_cast<std::size_t>(s)].label.c_str());
    ImGui::TableHeadersRow();
    for (int k = 0; k < kSteps; ++k) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(series_label(std::string("fc_") + kFunnelSteps[k] + "_week").c_str());
      for (std::size_t i = 0; i < ids.size(); ++i) {
        ImGui::TableNextColumn();
        if (all) {
          ImGui::TextUnformatted(funnel_text(a.cat, ids[i], kFunnelSteps[k]).c_str());
          continue;
        }
        double total = 0;
        for (double x : weekly[i * kSteps + static_cast<std::size_t>(k)]) total += x;
        ImGui::Text("%.1f", total);
      }
    }
    ImGui::EndTable();
  }
  // Over time, for the first: each step's count since week 0.
  std::vector<std::vector<double>> cumulative(kSteps);
  std::vector<plot::Line> lines;
  for (int k = 0; k < kSteps; ++k) {
    double run = 0;
    for (double x : weekly[static_cast<std::size_t>(k)]) cumulative[static_cast<std::size_t>(k)].push_back(run += x);
    lines.push_back({series_label(std::string("fc_") + kFunnelSteps[k] + "_week"), plot::palette(k), &cumulative[static_cast<std::size_t>(k)]});
  }
  plot::Axes ax;
  ax.title = a.cat.scenarios()[static_cast<std::size_t>(ids[0])].label + ": the funnel over time";
  ax.y_label = "count since week 0 (mean over replicates)";
  time_axes(a, {ids[0]}, ax);
  plot::lines("funnel_chart", ax, lines, ImVec2(0, 0));
}

void panel_compare(App& a) {
  const auto ids = shown_scenarios(a);
  if (ids.size() < 2) {
    ImGui::TextDisabled("Tick two or more scenarios in the sidebar to compare them.");
    return;
  }
  const float fs = ImGui::GetFontSize();
  a.compare_base = std::clamp(a.compare_base, 0, static_cast<int>(ids.size()) - 1);
  ImGui::SetNextItemWidth(fs * 13);
  if (ImGui::BeginCombo("Baseline", a.cat.scenarios()[ids[a.compare_base]].info.name.c_str())) {
    for (int i = 0; i < static_cast<int>(ids.size()); ++i)
      if (ImGui::Selectable(a.cat.scenarios()[ids[i]].label.c_str(), i == a.compare_base)) a.compare_base = i;
    ImGui::EndCombo();
  }
  const std::vector<int> order = compare_order(a);
  const auto rows = compare(a.cat, order);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 17);
  if (ImGui::BeginCombo("Indicator", indicator_label(a.compare_indicator).c_str())) {
    for (const auto& r : rows)
      if (ImGui::Selectable(indicator_label(r.indicator).c_str(), r.indicator == a.compare_indicator))
        a.compare_indicator = r.indicator;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  // Small multiples: up to four indicators pinned side by side.
  const auto pin = std::find(a.pinned.begin(), a.pinned.end(), a.compare_indicator);
  if (pin == a.pinned.end() && a.pinned.size() < 4 && ImGui::SmallButton("Pin beside")) a.pinned.push_back(a.compare_indicator);
  else if (pin != a.pinned.end() && ImGui::SmallButton("Unpin")) a.pinned.erase(pin);
  if (!a.pinned.empty()) {
    ImGui::SameLine();
    if (ImGui::SmallButton("Unpin all")) a.pinned.clear();
  }
  ImGui::SameLine();
  if (ImGui::SmallButton("Add to presentation")) a.views.push_back({View::Compare, {}, 0});
  help_marker(
      "One indicator at a time (pin up to four to see them side by side): each scenario's difference from the baseline (dot: mean, line: 95% interval) in the "
      "indicator's own unit (percentage points for shares). Paired by replicate when the seeds agree (common random "
      "numbers), Welch otherwise. Green: better, red: worse; bright when important (the interval excludes zero and the "
      "difference reaches the smallest one a planner would call important). (!): the scenario has a warning the "
      "baseline has not (a lever it ignores, a value outside its plausible range). Click a row of the table to chart it.");
  if (const std::string unlike = unlike_runs(a.cat, order); !unlike.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.95f, 0.55f, 0.2f, 1));
    wrapped("Not like with like, so no differences are shown: " + unlike +
            ". Rerun them over a common window with `percorsi compare --align`.");
    ImGui::PopStyleColor();
  }
  // The chart of one indicator above, the table of all below (it scrolls both ways with the
  // indicator column frozen).
  // The chart takes the height its rows need (45-75% of the tab), the table the rest.
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (a.pinned.empty()) {
    plot::Axes ax;
    const auto dots = compare_dots(a, order, rows, ax, a.compare_indicator);
    if (!dots.empty()) {
      const float h = std::clamp(plot::dots_height(ax, dots, avail.x) + fs, avail.y * 0.45f, avail.y * 0.75f);
      ImGui::BeginChild("dots", ImVec2(0, h), false);
      plot::dots("compare_dots", ax, dots, ImVec2(0, 0), true);
      ImGui::EndChild();
    }
  } else {
    // Small multiples: the pinned indicators side by side, two to a row.
    const int n = static_cast<int>(a.pinned.size()), cols = n > 1 ? 2 : 1, lines = (n + cols - 1) / cols;
    const float w = (avail.x - ImGui::GetStyle().ItemSpacing.x * (cols - 1)) / cols;
    const float h = (avail.y * 0.7f - ImGui::GetStyle().ItemSpacing.y * (lines - 1)) / lines;
    for (int i = 0; i < n; ++i) {
      if (i % cols) ImGui::SameLine();
      ImGui::BeginChild(("multiple" + std::to_string(i)).c_str(), ImVec2(w, h), false);
      plot::Axes ax;
      const auto dots = compare_dots(a, order, rows, ax, a.pinned[static_cast<std::size_t>(i)]);
      if (!dots.empty()) plot::dots("compare_dots", ax, dots, ImVec2(0, 0), true);
      ImGui::EndChild();
    }
  }
  const int ncol = 1 + static_cast<int>(order.size());
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_ScrollX | ImGuiTableFlags_SizingFixedFit;
  if (ImGui::BeginTable("compare", ncol, flags, ImVec2(0, 0))) {
    ImGui::TableSetupScrollFreeze(1, 1);
    ImGui::TableSetupColumn("indicator (unit)", ImGuiTableColumnFlags_WidthFixed, fs * 16);
    for (std::size_t i = 0; i < order.size(); ++i)
      ImGui::TableSetupColumn(a.cat.scenarios()[order[i]].info.name.c_str(), ImGuiTableColumnFlags_WidthFixed, fs * 14);
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    for (int c = 0; c < ncol; ++c) {
      ImGui::TableSetColumnIndex(c);
      // Full scenario names, wrapped in the header.
      ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetColumnWidth());
      ImGui::TextUnformatted(c == 0 ? "indicator (unit)"
                                    : (a.cat.scenarios()[order[c - 1]].info.name + (c == 1 ? " (baseline)" : "")).c_str());
      ImGui::PopTextWrapPos();
    }
    for (const auto& r : rows) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      // The table's label; an indicator whose denominator depends on the policy is marked and
      // shown with it.
      const std::string den = indicator_policy_denominator(r.indicator);
      const Scaled k = scaled(r.indicator);
      const std::string label = indicator_label(r.indicator) + (k.value_unit.empty() ? "" : " (" + k.value_unit + ")") +
                                (den.empty() ? "" : " \u2020") +
                                (r.denominator.empty() ? "" : "\n" + r.denominator + " per replicate");
      if (wrapped_selectable(label, r.indicator, r.indicator == a.compare_indicator)) a.compare_indicator = r.indicator;
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("%s%s%s", r.indicator.c_str(), den.empty() ? "" : "\n\u2020 among ",
                          den.empty() ? "" : (den + " (depends on the policy)").c_str());
      for (std::size_t i = 0; i < r.value.size(); ++i) {
        ImGui::TableNextColumn();
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetColumnWidth());
        ImGui::TextUnformatted((r.na[i].empty() ? value_text(r.indicator, r.value[i]) : "n/a (" + r.na[i] + ")").c_str());
        if (i > 0) {
          const auto& d = r.diff[i];
          ImGui::TextColored(verdict_color(r.verdict[i]), "%s%s%s", difference_text(r.indicator, d.summary).c_str(),
                             d.paired || std::isnan(d.summary.mean) ? "" : " (unpaired)",
                             r.meaning[i] == Verdict::Undefined ? "" : (std::string(" ") + verdict_name(r.meaning[i])).c_str());
          if (const std::string rb = r.robustness[i].text(); !rb.empty() && robustness_computed(rows)) {
            ImGui::TextUnformatted(rb.c_str());
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", robustness_legend(a.cat, order).c_str());
          }
        }
        ImGui::PopTextWrapPos();
      }
    }
    ImGui::EndTable();
  }
}

// Weeks the person spent in each housing state, each with its colour.
void housing_weeks(const PeopleTable& t, int row) {
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  for (int k = 0; k < kHousingStates; ++k) {
    const std::string label = human_name(kHousingNames[k]) + " " + std::to_string(t.weeks[row][k]) + " wk";
    if (k > 0 && ImGui::GetItemRectMax().x + ImGui::GetFontSize() * 2.5f + ImGui::CalcTextSize(label.c_str()).x < right)
      ImGui::SameLine(0, ImGui::GetFontSize());
    key_item(state_color(0, k), label);
  }
}

void pathway(App& a, int s, const PeopleTable& t, int row) {
  const out::ScenarioInfo& info = a.cat.scenarios()[static_cast<std::size_t>(s)].info;
  const float fs = ImGui::GetFontSize();
  const int weeks = info.weeks, tt = t.territory[row];
  const char* terr = tt >= 0 && tt < static_cast<int>(info.territories.size()) ? info.territories[tt].c_str() : "?";
  std::string groups;
  for (int k = 0; k < kGroups; ++k)
    if ((t.groups[row] >> k) & 1) groups += (groups.empty() ? "" : ", ") + human_name(kGroupNames[k]);
  ImGui::Text("Person %d: age %d, %s, %d return(s) to the street, cost %s euro; %s", t.id[row], t.age[row], terr,
              t.returns[row], format_value(t.cost[row]).c_str(), groups.empty() ? "no target group" : groups.c_str());
  // Dates as on the other time charts: the calendar from the scenario's start date.
  plot::Axes ax;
  time_axes(a, {s}, ax);
  ImGui::Text("Entry %s, exit %s, first stable housing %s", week_text(ax.calendar, t.entry[row]).c_str(),
              t.exit[row] >= 0 ? week_text(ax.calendar, t.exit[row]).c_str() : "- (still present)",
              t.first_stable[row] >= 0 ? week_text(ax.calendar, t.first_stable[row]).c_str() : "- (never)");
  const int horizon = std::max(1, weeks);
  const double entry = std::max(0, t.entry[row]), exit = t.exit[row] >= 0 ? t.exit[row] : horizon;
  const ImU32 tc = ImGui::GetColorU32(ImGuiCol_Text);
  // The timeline of the run: presence from entry to exit (first stable housing marked), then the
  // pathway, one strip per kind of state coloured by the state in force each week.
  std::vector<plot::Strip> strips(1);
  strips[0].label = "present";
  strips[0].spans.push_back({entry, exit, plot::with_alpha(tc, 0.5f), true,
                             "in the population: " + span_text(ax.calendar, static_cast<int>(entry), static_cast<int>(exit))});
  if (t.first_stable[row] >= 0) strips[0].marks.push_back(t.first_stable[row]), strips[0].mark_color = state_color(0, 4);
  const char* kinds[3] = {"housing", "case", "work"};
  const int family[3] = {0, 2, 1};
  if (t.has_timeline()) {
    const auto b = t.change_begin[static_cast<std::size_t>(row)], e = t.change_begin[static_cast<std::size_t>(row) + 1];
    for (int k = 0; k < 3; ++k) {
      plot::Strip st;
      st.label = kinds[k];
      const auto names = family_states(family[k]);
      for (auto i = b; i < e; ++i) {
        const auto& c = t.changes[i];
        const double end = i + 1 < e ? t.changes[i + 1][0] : exit;
        const int state = c[1 + k];
        const std::string name =
            state >= 0 && state < static_cast<int>(names.size()) ? human_name(names[static_cast<std::size_t>(state)]) : "?";
        st.spans.push_back({static_cast<double>(c[0]), end, state_color(family[k], state), false,
                            std::string(kinds[k]) + ": " + name + ", " + span_text(ax.calendar, c[0], static_cast<int>(end))});
      }
      strips.push_back(std::move(st));
    }
  }
  ImGui::Text("Timeline, %s: bar = in the population, triangle = first week in stable housing",
              span_text(ax.calendar, 0, horizon).c_str());
  plot::strips("timeline", ax, horizon, strips);
  if (t.has_timeline()) {
    // The bands' colours.
    for (int k = 0; k < 3; ++k) {
      ImGui::TextUnformatted((std::string(kinds[k]) + ":").c_str());
      ImGui::SameLine(fs * 5);
      state_key(family[k]);
    }
    housing_weeks(t, row);
    return;
  }
  const float w = ImGui::GetContentRegionAvail().x - fs, h = fs * 1.2f;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImVec2 p;
  // Without timelines: weeks in each housing state, as one horizontal bar.
  ImGui::TextDisabled("Weeks in each housing state (this run did not record timelines: output.timeline)");
  p = ImGui::GetCursorScreenPos();
  int total = 0;
  for (int k = 0; k < kHousingStates; ++k) total += t.weeks[row][k];
  float x = p.x;
  for (int k = 0; k < kHousingStates && total > 0; ++k) {
    const float seg = w * static_cast<float>(t.weeks[row][k]) / static_cast<float>(total);
    dl->AddRectFilled(ImVec2(x, p.y), ImVec2(x + seg, p.y + h * 1.4f), state_color(0, k));
    x += seg;
  }
  ImGui::Dummy(ImVec2(w, h * 1.4f));
  housing_weeks(t, row);
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
    for (int h = 0; h < kHousingStates; ++h)
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
  // The nine target groups, with the codes the table uses (the legend of its groups column).
  ImGui::TextUnformatted("Target groups (a person must be in every ticked one; code in the table):");
  const ImGuiStyle& st = ImGui::GetStyle();
  for (int g = 0; g < kGroups; ++g) {
    const std::string label = human_name(kGroupNames[g]) + " (" + group_codes()[static_cast<std::size_t>(g)] + ")";
    const float w = ImGui::GetFrameHeight() + st.ItemInnerSpacing.x + ImGui::CalcTextSize(label.c_str()).x;
    if (g > 0 && ImGui::GetItemRectMax().x + st.ItemSpacing.x * 2 + w < ImGui::GetWindowPos().x + ImGui::GetContentRegionMax().x)
      ImGui::SameLine(0, st.ItemSpacing.x * 2);
    bool on = (f.groups >> g) & 1;
    if (ImGui::Checkbox(label.c_str(), &on))
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

  const float detail_h = fs * 19.5f;  // the person, the timeline on its calendar axis, the keys
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
        for (int k = 0; k < kGroups; ++k)
          if ((t->groups[r] >> k) & 1) g += (g.empty() ? "" : " ") + group_codes()[static_cast<std::size_t>(k)];
        ImGui::TextUnformatted(g.c_str());
        ImGui::TableNextColumn();
        const int h = t->housing_final[r];
        if (h >= 0 && h < kHousingStates) key_item(state_color(0, h), human_name(kHousingNames[h]));
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
  if (a.selected_person >= 0) pathway(a, a.people_scenario, *t, a.selected_person);
}

void lever_tooltip(const Lever& l) {
  const std::string range = plausible_text(*l.spec);
  ImGui::SetTooltip("%s\n%s (%s)\n%s\nplausible: %s\nevidence: %s: %s\nvalue in the file: %s", lever_label(*l.spec).c_str(),
                    l.spec->path.c_str(), l.spec->unit.c_str(), l.spec->description.c_str(),
                    range.empty() ? "no range declared" : range.c_str(), evidence_name(l.spec->evidence),
                    l.spec->evidence_detail.c_str(), l.base_text.c_str());
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
  if (ImGui::IsItemHovered()) lever_tooltip(l);
  ImGui::PopID();
}

// A lever's warnings in orange, under its value.
const ImVec4 kWarn(0.95f, 0.55f, 0.15f, 1);
void lever_warnings(const std::vector<std::string>& ws) {
  for (const auto& w : ws) {
    ImGui::PushStyleColor(ImGuiCol_Text, kWarn);
    wrapped("(!) " + w);
    ImGui::PopStyleColor();
  }
}

// After a live run: the levers it changed and the differences they made against the scenario
// it was edited from (when its results are loaded), important ones first.
void last_run_report(App& a) {
  const auto& r = a.last_run;
  if (r.live < 0 || r.live >= a.cat.size()) return;
  ImGui::Separator();
  const auto& live = a.cat.scenarios()[static_cast<std::size_t>(r.live)];
  ImGui::Text("Last run: %s", live.label.c_str());
  if (r.changes.empty()) ImGui::TextUnformatted("No lever was changed.");
  for (const auto& c : r.changes) ImGui::BulletText("%s", c.c_str());
  if (r.base < 0) {
    wrapped("Open the results of " + (a.levers ? a.levers->base.name() : std::string("the original scenario")) +
            " (same seed) to see what the changes made.");
    return;
  }
  const auto rows = compare(a.cat, {r.base, r.live});
  // The file's robustness was computed for its own scenarios, not for these levers.
  if (a.cat.scenarios()[static_cast<std::size_t>(r.base)].robustness)
    wrapped("Robustness: the file's no longer applies to this run (stale: its levers changed); rerun percorsi "
            "compare --robustness on the saved YAML to compute it.");
  ImGui::Text("Differences from %s (paired, 95%% interval):", a.cat.scenarios()[static_cast<std::size_t>(r.base)].label.c_str());
  std::vector<const CompareRow*> order;
  for (const auto& x : rows)
    if (x.value.size() == 2 && !std::isnan(x.diff[1].summary.mean)) order.push_back(&x);
  std::stable_sort(order.begin(), order.end(),
                   [](const CompareRow* x, const CompareRow* y) { return std::abs(x->verdict[1]) > std::abs(y->verdict[1]); });
  for (const CompareRow* x : order)
    ImGui::TextColored(verdict_color(x->verdict[1]), "%s %s: %s %s", x->verdict[1] >= 2 ? "**" : "  ",
                       indicator_label(x->indicator).c_str(), difference_text(x->indicator, x->diff[1].summary).c_str(),
                       verdict_name(x->meaning[1]));
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
  std::vector<std::string> general;
  const auto warn = ls.warnings(&general);
  // Global levers: the words of the room, the unit, the plausible range and the evidence class;
  // a changed lever is marked, a warning stands under its value.
  if (ImGui::BeginTable("global", 5, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("lever", 0, 3);
    ImGui::TableSetupColumn("value", 0, 2.4f);
    ImGui::TableSetupColumn("unit", 0, 1);
    ImGui::TableSetupColumn("plausible range", 0, 1.4f);
    ImGui::TableSetupColumn("evidence", 0, 1.1f);
    ImGui::TableHeadersRow();
    for (std::size_t i = 0; i < ls.levers.size(); ++i) {
      Lever& l = ls.levers[i];
      if (l.territory >= 0) continue;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      if (l.changed())
        ImGui::TextColored(ImVec4(1, 0.8f, 0.3f, 1), "%s * (was %s)", lever_label(*l.spec).c_str(), l.base_text.c_str());
      else
        ImGui::TextUnformatted(lever_label(*l.spec).c_str());
      if (ImGui::IsItemHovered()) lever_tooltip(l);
      ImGui::TableNextColumn();
      lever_widget(l, l.spec->path.c_str());
      a.mark("lever:" + l.spec->path);
      lever_warnings(warn[i]);
      ImGui::TableNextColumn();
      wrapped(l.spec->unit);
      ImGui::TableNextColumn();
      wrapped(plausible_text(*l.spec));
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(evidence_name(l.spec->evidence));
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
    for (const auto* p : tspecs) ImGui::TableSetupColumn((lever_label(*p) + " (" + p->unit + ")").c_str());
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted("territory");
    for (const auto* p : tspecs) {
      ImGui::TableNextColumn();
      const std::string range = plausible_text(*p);
      wrapped(lever_label(*p) + " (" + p->unit + ")" + (range.empty() ? "" : "\nplausible " + range) + "\n" +
              evidence_name(p->evidence));
    }
    for (int t = 0; t < static_cast<int>(ls.base.territories.size()); ++t) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(ls.base.territory_name(t).c_str());
      for (const auto* p : tspecs)
        for (std::size_t i = 0; i < ls.levers.size(); ++i) {
          Lever& l = ls.levers[i];
          if (l.spec != p || l.territory != t) continue;
          ImGui::TableNextColumn();
          if (l.changed()) ImGui::TextColored(ImVec4(1, 0.8f, 0.3f, 1), "* was %s", l.base_text.c_str());
          lever_widget(l, (p->path + std::to_string(t)).c_str());
          a.mark("lever:" + p->path + ":" + std::to_string(t));
          lever_warnings(warn[i]);
        }
    }
    ImGui::EndTable();
  }
  if (!general.empty() && ImGui::CollapsingHeader("Warnings of the scenario file (as `percorsi validate` prints them)"))
    lever_warnings(general);
  if (std::none_of(ls.levers.begin(), ls.levers.end(),
                   [](const Lever& l) { return l.spec->path.rfind("employment.", 0) == 0; }))
    ImGui::TextDisabled("Employment levers appear here once the parameter registry defines them.");
  ImGui::Spacing();
  // Run / cancel.
  if (a.run.running()) {
    ImGui::ProgressBar(static_cast<float>(a.run.progress()), ImVec2(fs * 20, 0));
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) a.run.cancel();
  } else {
    if (ImGui::Button("Run")) a.start_run();
    a.mark("run");
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
  last_run_report(a);
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

// Presentation: one view filling the screen, no sidebar; keys move between the saved views and
// the indicators.
void panel_presentation(App& a) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("presentation", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings);
  panel_errors(a);
  const float footer = ImGui::GetTextLineHeightWithSpacing() * 1.3f;
  ImGui::BeginChild("view", ImVec2(0, -footer), false);
  if (a.views.empty()) {
    ImGui::TextUnformatted("No views: add some with 'Add to presentation'.");
  } else {
    a.view = std::clamp(a.view, 0, static_cast<int>(a.views.size()) - 1);
    const View& v = a.views[a.view];
    const ImVec2 size(0, ImGui::GetContentRegionAvail().y);
    if (v.kind == View::Lines) series_chart(a, v.series, size);
    if (v.kind == View::Compare) {
      const auto order = compare_order(a);
      plot::Axes ax;
      const auto dots = compare_dots(a, order, compare(a.cat, order), ax, a.compare_indicator);
      if (!dots.empty()) plot::dots("compare_dots", ax, dots, size, true);
    }
    if (v.kind == View::People) panel_people(a);
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
  ImGui::EndChild();
  ImGui::Separator();
  std::string title = a.views.empty() ? "" : a.views[a.view].title();
  if (!a.views.empty() && a.views[a.view].kind == View::Compare) title = "comparison of " + indicator_label(a.compare_indicator);
  const std::string where = "View " + std::to_string(a.view + 1) + "/" + std::to_string(a.views.size()) + ": " + title;
  const std::string keys = "    Left/Right: views   Up/Down: indicators   Ctrl +/-: size   Esc: leave";
  const bool room = ImGui::CalcTextSize((where + keys).c_str()).x < ImGui::GetContentRegionAvail().x;
  ImGui::TextUnformatted((where + (room ? keys : "    Esc: leave")).c_str());
  ImGui::End();
}

void handle_keys(App& a) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  if (io.KeyCtrl) {  // font size, for the back of the room
    const float before = a.base_font_scale;
    if (ImGui::IsKeyPressed(GLFW_KEY_EQUAL) || ImGui::IsKeyPressed(GLFW_KEY_KP_ADD))
      a.base_font_scale = std::min(3.0f, a.base_font_scale * 1.15f);
    if (ImGui::IsKeyPressed(GLFW_KEY_MINUS) || ImGui::IsKeyPressed(GLFW_KEY_KP_SUBTRACT))
      a.base_font_scale = std::max(0.6f, a.base_font_scale / 1.15f);
    if (ImGui::IsKeyPressed(GLFW_KEY_0, false)) a.base_font_scale = 1.0f;
    if (a.base_font_scale != before) a.restyle();
    return;
  }
  if (ImGui::IsKeyPressed(GLFW_KEY_F11, false) || ImGui::IsKeyPressed(GLFW_KEY_P, false) ||
      (a.presentation && ImGui::IsKeyPressed(GLFW_KEY_ESCAPE, false))) {
    a.presentation = !a.presentation;
    a.restyle();
  }
  if (!a.presentation || a.views.empty()) return;
  const int n = static_cast<int>(a.views.size());
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow))) a.view = (a.view + 1) % n;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow))) a.view = (a.view + n - 1) % n;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow))) a.step_indicator(+1);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_UpArrow))) a.step_indicator(-1);
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
    const int live = a.cat.add_live(label, r->info, std::move(r->replicates));
    a.cat.scenarios()[static_cast<std::size_t>(live)].changes = a.last_run.changes;
    a.last_run.live = live;
    a.last_run.base = -1;
    const std::string base = a.levers ? a.levers->base.name() : std::string();
    for (int s = 0; s < a.cat.size() && a.last_run.base < 0; ++s)
      if (a.cat.scenarios()[static_cast<std::size_t>(s)].origin != "live" && a.cat.scenarios()[static_cast<std::size_t>(s)].info.name == base)
        a.last_run.base = s;
    // The new run is ticked beside the scenario it was edited from, and compared with it.
    a.shown.resize(static_cast<std::size_t>(a.cat.size()), 0);
    a.shown[static_cast<std::size_t>(live)] = 1;
    if (a.last_run.base >= 0) a.shown[static_cast<std::size_t>(a.last_run.base)] = 1;
    a.lever_message = "finished: " + label + " is now in the scenario list and ticked";
    a.lever_error = false;
  }
}

}  // namespace

// Every state its own colour within its family, from the colour-blind-safe Okabe-Ito set (and
// greys): street and institution, the two states people leave housing for, differ.
ImU32 state_color(int family, int state) {
  static const ImU32 kHousing[kHousingStates] = {
      IM_COL32(213, 94, 0, 255),   // street: vermillion
      IM_COL32(230, 159, 0, 255),  // shelter: orange
      IM_COL32(240, 228, 66, 255), // transitional: yellow
      IM_COL32(86, 180, 233, 255), // hf_flat: sky blue
      IM_COL32(0, 158, 115, 255),  // housed: bluish green
      IM_COL32(204, 121, 167, 255) // institution: reddish purple
  };
  static const ImU32 kWork[kWorkStates] = {IM_COL32(170, 170, 170, 255), IM_COL32(230, 159, 0, 255),
                                           IM_COL32(240, 228, 66, 255), IM_COL32(86, 180, 233, 255),
                                           IM_COL32(0, 158, 115, 255)};
  static const ImU32 kCase[kCaseStates] = {IM_COL32(200, 200, 200, 255), IM_COL32(213, 94, 0, 255),
                                           IM_COL32(230, 159, 0, 255),   IM_COL32(0, 114, 178, 255),
                                           IM_COL32(86, 180, 233, 255),  IM_COL32(110, 110, 110, 255)};
  if (state < 0) return IM_COL32(128, 128, 128, 255);
  if (family == 0) return kHousing[state % kHousingStates];
  if (family == 1) return kWork[state % kWorkStates];
  return kCase[state % kCaseStates];
}

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
  if (kind == People) return "people and their pathways";
  return "comparison of one indicator: difference from the baseline";
}

const std::vector<std::string>& view_names() {
  static const std::vector<std::string> n = {"charts", "stacked", "compare", "people",
                                             "levers", "files",   "funnel",  "presentation"};
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
    last_run = {};
    last_run.changes = levers->changes();
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
                                                              {"levers", "Levers"},   {"files", "Files"},
                                                              {"funnel", "Funnel"}};
  for (const auto& [key, tab] : kTabs)
    if (name == key) {
      request_tab = tab;
      if (presentation) presentation = false, restyle();
      return true;
    }
  if (name == "presentation") {
    if (!presentation) presentation = true, restyle();
    return true;
  }
  return false;
}

bool App::present(const std::string& name) {
  View want;
  if (name == "charts") want = {View::Lines, series, 0};
  else if (name == "stacked") want = {View::Stacked, {}, family};
  else if (name == "compare") want = {View::Compare, {}, 0};
  else if (name == "people") want = {View::People, {}, 0};
  else return name == "presentation" && select(name);
  draw_defaults();
  auto same = [&](const View& v) { return v.kind == want.kind && (v.kind != View::Lines || v.series == want.series); };
  auto it = std::find_if(views.begin(), views.end(), same);
  if (it == views.end()) it = views.insert(views.end(), want);
  view = static_cast<int>(it - views.begin());
  if (!presentation) presentation = true, restyle();
  return true;
}

std::string App::tick(const std::vector<std::string>& names) {
  std::vector<std::uint8_t> want(static_cast<std::size_t>(cat.size()), 0);
  std::string missing;
  for (const auto& n : names) {
    bool found = false;
    for (int s = 0; s < cat.size(); ++s) {
      const auto& d = cat.scenarios()[static_cast<std::size_t>(s)];
      if (d.info.name == n || d.label == n || std::to_string(s + 1) == n) want[static_cast<std::size_t>(s)] = 1, found = true;
    }
    if (!found) missing += (missing.empty() ? "" : ", ") + n;
  }
  if (missing.empty()) {
    shown = want;
    // The People view shows the first ticked scenario's people.
    const auto first = std::find(want.begin(), want.end(), 1);
    if (first != want.end()) people_scenario = static_cast<int>(first - want.begin()), selected_person = -1;
  }
  return missing;
}

std::string App::select_territories(const std::vector<std::string>& names) {
  const auto all = cat.territories();
  std::string missing;
  for (const auto& n : names)
    if (std::find(all.begin(), all.end(), n) == all.end()) missing += (missing.empty() ? "" : ", ") + n;
  if (missing.empty()) territories = std::set<std::string>(names.begin(), names.end());
  return missing;
}

bool App::set_indicator(const std::string& name) {
  const auto weekly = cat.weekly_names(), headline = cat.headline_names();
  bool found = false;
  if (std::find(weekly.begin(), weekly.end(), name) != weekly.end()) series = name, found = true;
  if (std::find(headline.begin(), headline.end(), name) != headline.end()) compare_indicator = name, found = true;
  return found;
}

void App::step_indicator(int delta) {
  auto step = [&](const std::vector<std::string>& list, std::string& cur) {
    if (list.empty()) return;
    auto it = std::find(list.begin(), list.end(), cur);
    const int n = static_cast<int>(list.size()), i = it == list.end() ? 0 : static_cast<int>(it - list.begin());
    cur = list[static_cast<std::size_t>(((i + delta) % n + n) % n)];
  };
  View* v = presentation && !views.empty() ? &views[static_cast<std::size_t>(std::clamp(view, 0, static_cast<int>(views.size()) - 1))] : nullptr;
  if (v && v->kind == View::Lines) {
    step(cat.weekly_names(), v->series);
  } else {
    std::vector<std::string> list;
    for (const auto& r : compare(cat, shown_scenarios(*this))) list.push_back(r.indicator);
    step(list, compare_indicator);
  }
}

void App::restyle() const {
  apply_theme(theme == Light || (theme == Auto && presentation), presentation, base_font_scale);
}

void App::draw_defaults() {
  // New scenarios are ticked, up to kMaxShown (the sidebar says when some are not).
  while (shown.size() < static_cast<std::size_t>(cat.size())) shown.push_back(shown.size() < kMaxShown ? 1 : 0);
  const auto names = cat.weekly_names();
  if (!names.empty() && std::find(names.begin(), names.end(), series) == names.end()) series = names.front();
  if (views.empty() && !names.empty()) {
    for (const char* s : {"housing_street", "housing_hf_flat", "housing_housed", "cost_total"})
      if (std::find(names.begin(), names.end(), s) != names.end()) views.push_back({View::Lines, s, 0});
    views.push_back({View::Stacked, {}, 0});
    views.push_back({View::Compare, {}, 0});
  }
}

void App::mark(const std::string& name) {
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  marks.push_back({name, {a.x, a.y, b.x, b.y}});
}

std::string App::trace() const {
  std::string t = "tab " + current_tab + "\npresentation " + std::to_string(presentation ? 1 : 0) + "\nshown";
  for (auto v : shown) t += " " + std::to_string(v);
  t += "\nscenarios " + std::to_string(cat.size()) + "\nlive_runs " + std::to_string(live_runs) + "\nrunning " +
       std::to_string(run.running() ? 1 : 0) + "\nindicator " + compare_indicator + "\n";
  if (levers)
    for (const auto& l : levers->levers)
      t += "lever " + l.spec->path + (l.territory >= 0 ? ":" + std::to_string(l.territory) : "") + " " + l.yaml_value() +
           " " + (l.changed() ? "changed" : "unchanged") + "\n";
  char b[128];
  for (const auto& [name, r] : marks) {
    std::snprintf(b, sizeof b, " %.0f %.0f %.0f %.0f\n", r[0], r[1], r[2], r[3]);
    t += "rect " + name + b;
  }
  return t;
}

void App::draw() {
  marks.clear();
  poll_run(*this);
  draw_defaults();
  handle_keys(*this);
  if (presentation) {
    ImFont* big = large_font();
    if (big) ImGui::PushFont(big);
    panel_presentation(*this);
    if (big) ImGui::PopFont();
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
  ImGui::SameLine(ImGui::GetWindowWidth() - ImGui::GetFontSize() * 16);
  if (ImGui::SmallButton(theme == Light ? "Dark theme" : "Light theme")) {
    theme = theme == Light ? Dark : Light;
    restyle();
  }
  ImGui::SameLine();
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
                                {"People", panel_people}, {"Levers", panel_levers},   {"Files", panel_files},
                                {"Funnel", panel_funnel}};
    // The Funnel tab only when a scenario loaded has the family-care model (its indicators).
    bool family_care = false;
    for (const auto& sd : cat.scenarios())
      family_care = family_care || std::find(sd.headline_names.begin(), sd.headline_names.end(), "fc_oriented") != sd.headline_names.end();
    for (const auto& t : kTabs) {
      if (t.fn == panel_funnel && !family_care) continue;
      const ImGuiTabItemFlags f = request_tab == t.name ? ImGuiTabItemFlags_SetSelected : 0;
      const bool open = ImGui::BeginTabItem(t.name, nullptr, f);
      mark(std::string("tab:") + t.name);
      if (open) {
        current_tab = t.name;
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

namespace {
ImFont *g_normal = nullptr, *g_large = nullptr;
}

void set_fonts(ImFont* normal, ImFont* large) {
  g_normal = normal, g_large = large;
}

ImFont* large_font() {
  return g_normal && g_large && g_large->FontSize >= 2 * g_normal->FontSize ? g_large : nullptr;
}

void apply_theme(bool light, bool presentation, float base_font_scale) {
  ImGuiStyle& st = ImGui::GetStyle();
  st = ImGuiStyle();
  ImGuiIO& io = ImGui::GetIO();
  ImVec4* c = st.Colors;
  if (!light) {
    ImGui::StyleColorsDark(&st);
    c[ImGuiCol_TextDisabled] = ImVec4(0.72f, 0.72f, 0.72f, 1);  // readable greys, also on a projector
  } else {
    // High contrast for bright rooms: black on white, strong borders.
    ImGui::StyleColorsLight(&st);
    c[ImGuiCol_WindowBg] = c[ImGuiCol_ChildBg] = ImVec4(1, 1, 1, 1);
    c[ImGuiCol_Text] = ImVec4(0, 0, 0, 1);
    c[ImGuiCol_TextDisabled] = ImVec4(0.2f, 0.2f, 0.2f, 1);
    c[ImGuiCol_FrameBg] = ImVec4(0.93f, 0.93f, 0.93f, 1);
    c[ImGuiCol_Border] = ImVec4(0, 0, 0, 1);
  }
  st.FrameRounding = 3;
  const float scale = base_font_scale * (presentation ? 2.0f : 1.0f);
  if (presentation) st.ScaleAllSizes(2.0f);
  // With the large font (App::draw pushes it in presentation mode), drawn at its own size.
  io.FontGlobalScale = presentation && large_font() ? base_font_scale : scale;
}

}  // namespace percorsi::viz
