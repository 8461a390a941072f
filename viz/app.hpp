// The viewer's ImGui side: the application state and one function per panel (app.cpp), in the
// manner of imgui_demo.cpp. Data comes from viz-core (core.hpp, levers.hpp) only.
#pragma once

#include <imgui.h>

#include <array>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "viz/core.hpp"
#include "viz/levers.hpp"

namespace percorsi::viz {

// A small file browser (std::filesystem): folders and files with one of the extensions.
struct FileBrowser {
  explicit FileBrowser(std::vector<std::string> ext) : extensions(std::move(ext)) {}
  std::vector<std::string> extensions;
  std::filesystem::path dir;
  std::string input;  // the path being typed or clicked
  std::string error;
  std::filesystem::path listed;  // the folder `dirs` and `files` were read from
  std::vector<std::filesystem::path> dirs, files;
  // Draws the browser; returns true when a file is chosen (path in `picked`).
  bool draw(const char* id, std::string& picked, float height);
};

// A saved view, shown one at a time in presentation mode.
struct View {
  enum Kind { Lines, Stacked, Compare, People } kind = Lines;
  std::string series;  // Lines: the weekly series
  int family = 0;      // Stacked: 0 housing, 1 work, 2 case
  std::string title() const;
};

struct App {
  Catalog cat;
  std::vector<std::uint8_t> shown;    // per scenario: drawn in charts and compared
  std::set<std::string> territories;  // selected territories (empty: all, summed)
  std::string series = "housing_street";
  std::string series_filter;
  int family = 0;        // stacked view: housing / work / case
  int compare_base = 0;  // index into the shown scenarios
  std::string compare_indicator;  // the headline indicator of the comparison chart
  std::vector<std::string> pinned;  // indicators shown side by side (small multiples), up to 4
  // People
  int people_scenario = 0, people_replicate = 0, selected_person = -1;
  PeopleFilter people_filter;
  // Presentation
  bool presentation = false;
  int view = 0;
  std::vector<View> views;
  float base_font_scale = 1.0f;  // Ctrl +/- change it
  enum Theme { Auto, Dark, Light } theme = Auto;  // Auto: dark, light in presentation mode
  // Tabs: a tab to select on the next frames (screenshots, presentation views)
  std::string request_tab;
  // Files and levers
  FileBrowser results_browser{{".h5", ".hdf5"}};
  FileBrowser yaml_browser{{".yaml", ".yml"}};
  std::optional<LeverSet> levers;
  std::string save_path, lever_message;
  bool lever_error = false;
  LiveRun run;
  int live_runs = 0;
  // The last live run: its scenario index, the scenario it is compared with (a loaded scenario
  // of the same name as the file it was edited from; -1: none loaded) and the levers changed.
  struct RunReport {
    int live = -1, base = -1;
    std::vector<std::string> changes;
  } last_run;

  // Where the last frame drew the widgets tests click (name, x0 y0 x1 y1 in window pixels), and
  // the open tab: for tests that drive the real window with xdotool (PERCORSI_VIZ_TRACE).
  std::vector<std::pair<std::string, std::array<float, 4>>> marks;
  std::string current_tab;
  void mark(const std::string& name);  // records the last item's rectangle
  // The state a test checks, as text: "tab Charts", "shown 1 0", "lever PATH[:t] VALUE changed",
  // "rect NAME x0 y0 x1 y1", ...
  std::string trace() const;

  // Opens the files given on the command line (errors are recorded, never thrown).
  void open(const std::vector<std::string>& files);
  // Opens a scenario YAML in the Levers tab (errors go to the lever message and the error list).
  bool open_scenario(const std::string& path);
  // Runs the edited scenario on the worker thread (false if it is invalid or a run is under way).
  bool start_run();
  // Selects a view by name: charts, stacked, compare, people, levers, files, presentation.
  bool select(const std::string& name);
  // Presentation mode showing a view (charts, stacked, compare, people) as a room sees it.
  bool present(const std::string& name);
  // Ticks exactly the scenarios named (by name, label or 1-based index); "" when all were
  // found, else the names not found (nothing is changed then).
  // The People view then shows the first of them.
  std::string tick(const std::vector<std::string>& names);
  // Selects territories by name (summed); "" or the names not found.
  std::string select_territories(const std::vector<std::string>& names);
  // Chooses the indicator: a weekly series for Charts, a headline indicator for Compare.
  bool set_indicator(const std::string& name);
  // Steps through the indicators of the current view (presentation: Up/Down arrows).
  void step_indicator(int delta);
  // Applies the theme and font size of the current mode.
  void restyle() const;
  // Ticks new scenarios, picks a series that exists, makes the default presentation views.
  void draw_defaults();
  // Draws one frame of the whole interface.
  void draw();
  // Whether every file given failed to open (nothing to show).
  bool nothing_loaded() const { return cat.files().empty() && !cat.errors().empty(); }
};

// Names accepted by App::select (and --view).
const std::vector<std::string>& view_names();

// The colour of a state (family 0 housing, 1 work, 2 case; kHousingNames... order): each state of
// a family its own, colour-blind safe (Okabe-Ito and greys).
ImU32 state_color(int family, int state);

// Themes: dark or a high-contrast light theme; presentation doubles the font size.
void apply_theme(bool light, bool presentation, float base_font_scale);
// The fonts main loaded: the normal one and one twice as large, drawn at its own size in
// presentation mode (sharp on a projector). Without them the default font is scaled.
void set_fonts(ImFont* normal, ImFont* large);
// The large font, when main loaded one twice the normal size (else null).
ImFont* large_font();

}  // namespace percorsi::viz
