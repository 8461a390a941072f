// percorsi-viz: the interactive viewer of Percorsi results (GLFW + OpenGL 3 + Dear ImGui).
//   percorsi-viz [FILES.h5...]
//   percorsi-viz --screenshot out.png [--view NAME] [--size WxH] [--frames N] FILES...
// Exit codes: 0 success, 2 bad input (bad arguments; in --screenshot mode: no file could be
// read, the window with the errors is still written), 3 runtime failure (no window, no PNG).
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#define GLFW_INCLUDE_NONE
#include <GL/gl.h>
#include <GLFW/glfw3.h>
// The PNG writer's implementation comes from Debian's libstb (linked through imgui's
// pkg-config): no STB_IMAGE_WRITE_IMPLEMENTATION here, so no duplicate definitions.
#include <stb_image_write.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "viz/app.hpp"

namespace {

struct Options {
  std::vector<std::string> files;
  std::string screenshot, view, scenario, indicator, theme;
  std::vector<std::string> scenarios, territories;
  bool run = false, presentation = false;
  int width = 1280, height = 800, frames = 3;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= s.size()) {
    const auto comma = s.find(',', at);
    const std::string item = s.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

const char* kUsage =
    "Usage: percorsi-viz [OPTIONS] [FILES.h5...]\n"
    "       percorsi-viz --screenshot OUT.png [OPTIONS] FILES.h5...\n"
    "Options:\n"
    "  --view NAME          charts, stacked, compare, people, levers, files, presentation\n"
    "  --presentation       the view as a room sees it: full screen, no sidebar, large fonts\n"
    "  --indicator NAME     a weekly series (charts) or headline indicator (compare), e.g.\n"
    "                       housing_street, stably_housed_12m; A,B,... (up to 4 headline\n"
    "                       indicators): side by side in compare\n"
    "  --scenarios A,B,...  tick only these scenarios (names, or 1-based positions)\n"
    "  --territory T,U,...  show the sum of these territories (default: all)\n"
    "  --theme dark|light   colours (default: dark; light in presentation mode)\n"
    "  --size WxH           window size (default 1280x800)\n"
    "  --frames N           frames drawn before a screenshot (default 3)\n"
    "  --scenario FILE.yaml opens a scenario in the Levers tab; --run runs it at once\n"
    "                       (with --screenshot: the picture is taken when the run has finished)\n"
    "Keys: P or F11 presentation mode; Left/Right or 1-9 saved views; Up/Down indicators;\n"
    "      Ctrl +/- font size (Ctrl 0 resets).\n"
    "Exit codes: 0 success, 2 bad input (in --screenshot mode: no file could be read, or an\n"
    "            unknown scenario, territory or indicator), 3 runtime failure.\n";

// Returns false (after printing why) on bad arguments.
bool parse(int argc, char** argv, Options& o, bool& help) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) {
        std::cerr << "percorsi-viz: " << a << " needs a value\n";
        return false;
      }
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      help = true;
    } else if (a == "--screenshot") {
      if (!value(o.screenshot)) return false;
    } else if (a == "--scenario") {
      if (!value(o.scenario)) return false;
    } else if (a == "--run") {
      o.run = true;
    } else if (a == "--presentation") {
      o.presentation = true;
    } else if (a == "--indicator") {
      if (!value(o.indicator)) return false;
    } else if (a == "--scenarios") {
      if (!value(v)) return false;
      o.scenarios = split_list(v);
    } else if (a == "--territory" || a == "--territories") {
      if (!value(v)) return false;
      o.territories = split_list(v);
    } else if (a == "--theme") {
      if (!value(o.theme)) return false;
      if (o.theme != "dark" && o.theme != "light") {
        std::cerr << "percorsi-viz: --theme expects dark or light\n";
        return false;
      }
    } else if (a == "--view") {
      if (!value(o.view)) return false;
    } else if (a == "--size") {
      if (!value(v) || std::sscanf(v.c_str(), "%dx%d", &o.width, &o.height) != 2 || o.width < 64 || o.height < 64 ||
          o.width > 16384 || o.height > 16384) {
        std::cerr << "percorsi-viz: --size expects WxH, e.g. 1280x800\n";
        return false;
      }
    } else if (a == "--frames") {
      if (!value(v) || std::sscanf(v.c_str(), "%d", &o.frames) != 1 || o.frames < 2 || o.frames > 100) {
        std::cerr << "percorsi-viz: --frames expects a number from 2 to 100\n";
        return false;
      }
    } else if (a.size() > 1 && a[0] == '-') {
      std::cerr << "percorsi-viz: unknown option '" << a << "'\n";
      return false;
    } else {
      o.files.push_back(a);
    }
  }
  return true;
}

// Reads the back buffer (before the swap) and writes it as PNG.
bool write_png(const std::string& path, int w, int h) {
  std::vector<unsigned char> px(static_cast<std::size_t>(w) * h * 3);
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, px.data());
  stbi_flip_vertically_on_write(1);  // OpenGL rows run bottom-up
  if (!stbi_write_png(path.c_str(), w, h, 3, px.data(), w * 3)) {
    std::cerr << "percorsi-viz: error: cannot write '" << path << "'\n";
    return false;
  }
  return true;
}

void load_font(ImGuiIO& io) {
  // Latin-1, and the dagger that marks an indicator shown with its policy-dependent denominator;
  // at 16 px, and at 32 px for presentation mode (drawn at its own size, sharp on a projector).
  static const ImWchar ranges[] = {0x0020, 0x00FF, 0x2020, 0x2020, 0};
  for (const char* f : {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf"}) {
    std::error_code ec;
    if (!std::filesystem::exists(f, ec)) continue;
    ImFont* normal = io.Fonts->AddFontFromFileTTF(f, 16.0f, nullptr, ranges);
    ImFont* large = normal ? io.Fonts->AddFontFromFileTTF(f, 32.0f, nullptr, ranges) : nullptr;
    if (normal) {
      percorsi::viz::set_fonts(normal, large);
      return;
    }
  }
  io.Fonts->AddFontDefault();
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  bool help = false;
  if (!parse(argc, argv, opt, help)) {
    std::cerr << kUsage;
    return 2;
  }
  if (help) {
    std::cout << kUsage;
    return 0;
  }
  const bool shot = !opt.screenshot.empty();
  {
    const auto& names = percorsi::viz::view_names();
    if (!opt.view.empty() && std::find(names.begin(), names.end(), opt.view) == names.end()) {
      std::cerr << "percorsi-viz: unknown view '" << opt.view << "'\n" << kUsage;
      return 2;
    }
  }

  glfwSetErrorCallback(
      [](int code, const char* what) { std::cerr << "percorsi-viz: GLFW error " << code << ": " << what << "\n"; });
  if (!glfwInit()) {
    std::cerr << "percorsi-viz: error: cannot initialise GLFW (no display? for screenshots use xvfb-run)\n";
    return 3;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  GLFWwindow* win = glfwCreateWindow(opt.width, opt.height, "Percorsi viewer", nullptr, nullptr);
  if (!win) {
    std::cerr << "percorsi-viz: error: cannot create an OpenGL 3 window\n";
    glfwTerminate();
    return 3;
  }
  glfwMakeContextCurrent(win);
  glfwSwapInterval(shot ? 0 : 1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;                              // the layout is fixed; nothing to remember
  if (shot) io.ConfigFlags |= ImGuiConfigFlags_NoMouse;  // no hover effects in screenshots
  load_font(io);
  ImGui_ImplGlfw_InitForOpenGL(win, true);
  ImGui_ImplOpenGL3_Init("#version 130");

  int rc = 0;
  {
    percorsi::viz::App app;
    if (opt.theme == "dark") app.theme = percorsi::viz::App::Dark;
    if (opt.theme == "light") app.theme = percorsi::viz::App::Light;
    app.restyle();
    app.open(opt.files);
    if (!opt.scenario.empty() && app.open_scenario(opt.scenario) && opt.run) app.start_run();
    app.draw_defaults();
    bool bad_choice = false;  // an unknown scenario, territory or indicator
    if (!opt.scenarios.empty())
      if (const std::string m = app.tick(opt.scenarios); !m.empty()) {
        std::cerr << "percorsi-viz: error: no scenario named " << m << "\n";
        bad_choice = true;
      }
    if (!opt.territories.empty())
      if (const std::string m = app.select_territories(opt.territories); !m.empty()) {
        std::cerr << "percorsi-viz: error: no territory named " << m << "\n";
        bad_choice = true;
      }
    // One indicator, or several: headline indicators side by side in Compare (small multiples).
    const auto indicators = split_list(opt.indicator);
    const auto headline = app.cat.headline_names();
    for (const auto& ind : indicators) {
      if (!app.set_indicator(ind)) {
        std::cerr << "percorsi-viz: error: no indicator named " << ind << "\n";
        bad_choice = true;
      }
      if (indicators.size() > 1 && std::find(headline.begin(), headline.end(), ind) != headline.end() &&
          app.pinned.size() < 4)
        app.pinned.push_back(ind);
    }
    // --presentation shows charts, stacked, compare or people as a room sees them; the other
    // views (levers, files) have no presentation and open as tabs.
    if (!(opt.presentation && app.present(opt.view.empty() ? "presentation" : opt.view)) && !opt.view.empty())
      app.select(opt.view);
    int frames_left = opt.frames;
    // For tests that drive the window with xdotool: the state and widget places after every
    // frame, and F12 writes a screenshot beside it (TRACE.png; "shots N" counts them).
    const char* trace_env = std::getenv("PERCORSI_VIZ_TRACE");
    const std::string trace_path = trace_env ? trace_env : "";
    std::string last_trace;
    int shots = 0;
    while (!glfwWindowShouldClose(win)) {
      if (shot && !app.run.running())
        glfwPollEvents();
      else
        glfwWaitEventsTimeout(0.05);  // redraw at least 20 times a second (live-run progress)
      ImGui_ImplOpenGL3_NewFrame();
      ImGui_ImplGlfw_NewFrame();
      ImGui::NewFrame();
      app.draw();
      ImGui::Render();
      int w = 0, h = 0;
      glfwGetFramebufferSize(win, &w, &h);
      glViewport(0, 0, w, h);
      glClearColor(0.1f, 0.1f, 0.1f, 1.0f);
      glClear(GL_COLOR_BUFFER_BIT);
      ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
      if (!trace_path.empty()) {
        if (ImGui::IsKeyPressed(GLFW_KEY_F12, false) && write_png(trace_path + ".png", w, h)) ++shots;
        const std::string t = app.trace() + "shots " + std::to_string(shots) + "\n";
        if (t != last_trace) {
          std::ofstream(trace_path + ".tmp") << t;
          std::rename((trace_path + ".tmp").c_str(), trace_path.c_str());
          last_trace = t;
        }
      }
      if (shot && app.run.running()) frames_left = opt.frames;  // wait for the live run
      if (shot && --frames_left <= 0) {
        const bool bad = app.nothing_loaded() || (!opt.scenario.empty() && !app.levers) || bad_choice;
        rc = write_png(opt.screenshot, w, h) ? (bad ? 2 : 0) : 3;
        if (rc != 3) std::cerr << "percorsi-viz: wrote " << opt.screenshot << " (" << w << "x" << h << ")\n";
        break;
      }
      glfwSwapBuffers(win);
    }
    app.run.cancel();
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(win);
  glfwTerminate();
  return rc;
}
