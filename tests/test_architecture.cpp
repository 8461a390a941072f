// The layering of docs/architecture.md, read from the sources: the engine (sim/engine) is
// machinery and named transitions only (no parameter read, no change of a trait computed
// there: every decision is a rule of sim/model), and the folders depend on each other in one
// direction (no arrow back up, no include cycle).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sim/model/random.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = PERCORSI_SOURCE_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> sources_under(const fs::path& dir) {
  std::vector<fs::path> v;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".cpp" || ext == ".hpp" || ext == ".def")) v.push_back(e.path());
  }
  std::sort(v.begin(), v.end());
  return v;
}

// Lines of a source with comments and string literals blanked (so that a rule named in a
// comment does not count).
std::vector<std::string> code_lines(const fs::path& p) {
  std::vector<std::string> out;
  std::istringstream in(slurp(p));
  std::string line;
  bool block = false;
  while (std::getline(in, line)) {
    std::string code;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (block) {
        if (line.compare(i, 2, "*/") == 0) block = false, ++i;
        continue;
      }
      if (line.compare(i, 2, "//") == 0) break;
      if (line.compare(i, 2, "/*") == 0) {
        block = true, ++i;
        continue;
      }
      if (line[i] == '"') {  // a string literal: skipped
        for (++i; i < line.size() && line[i] != '"'; ++i)
          if (line[i] == '\\') ++i;
        code += "\"\"";
        continue;
      }
      code += line[i];
    }
    out.push_back(code);
  }
  return out;
}

struct Finding {
  std::string where, what;
};

// Every line of sim/engine that matches one of the patterns.
std::vector<Finding> engine_lines_matching(const std::vector<std::pair<std::regex, std::string>>& patterns) {
  std::vector<Finding> found;
  for (const auto& f : sources_under(kRoot / "sim" / "engine")) {
    const auto lines = code_lines(f);
    for (std::size_t i = 0; i < lines.size(); ++i)
      for (const auto& [re, what] : patterns)
        if (std::regex_search(lines[i], re))
          found.push_back({fs::relative(f, kRoot).string() + ":" + std::to_string(i + 1), what + ": " + lines[i]});
  }
  return found;
}

std::string report(const std::vector<Finding>& v) {
  std::string s;
  for (const auto& f : v) s += "  " + f.where + "  " + f.what + "\n";
  return s;
}

}  // namespace

// The engine reads no parameter: parameters reach it only through the rule sets of sim/model
// (docs/architecture.md, "Rules, machinery, and two engines").
TEST(Architecture, EngineReadsNoParameter) {
  const auto found = engine_lines_matching({
      {std::regex(R"(\bG::[a-z])"), "a global parameter"},
      {std::regex(R"(\bT::[a-z])"), "a territory parameter"},
      {std::regex(R"(\bE::[a-z])"), "an event parameter"},
      {std::regex(R"(sc_\s*\[)"), "a scenario value"},
      {std::regex(R"(sc_\s*\.\s*choice)"), "a scenario choice"},
      {std::regex(R"(sc_\s*\.\s*(events|territories)\s*\[)"), "a scenario item"},
  });
  EXPECT_TRUE(found.empty()) << "parameters read in sim/engine (move the decision into a rule of sim/model):\n" << report(found);
}

// Traits change only by rules: the engine stores what a rule returns. Self-efficacy, a firm's
// openness and employability are written only from a rule's result, and nothing in the
// engine clamps a trait itself.
TEST(Architecture, EngineComputesNoTraitChange) {
  const auto found = engine_lines_matching({
      {std::regex(R"(clamp01\s*\()"), "a trait clamped in the engine"},
      {std::regex(R"(\befficacy\s*\[[^\]]*\]\s*(\+|-|\*|/)=)"), "self-efficacy changed in the engine"},
      {std::regex(R"(\befficacy\s*\[[^\]]*\]\s*=(?!=)(?!.*(efficacy|efficacy_rule)\.(after|at_week_end|after_pathway_failure)\s*\())"),
       "self-efficacy written from something other than EfficacyRules"},
      {std::regex(R"(\bopenness\s*\[[^\]]*\]\s*=(?!=)(?!.*(openness_after\s*\(|firm\.openness)))"),
       "a firm's openness written from something other than FirmRules"},
      {std::regex(R"(\bemployability\s*\[[^\]]*\]\s*=(?!=)(?!.*rule\.employability_after_))"),
       "employability written from something other than EmploymentRules"},
  });
  EXPECT_TRUE(found.empty()) << "trait changes computed in sim/engine (write a rule in sim/model):\n" << report(found);
}

// The patterns above find what they are meant to find (so that a test that cannot fail does not
// pass silently): each is tried on a line it must match and a line it must not.
TEST(Architecture, PatternsRecogniseWhatTheyForbid) {
  const std::regex read(R"(\bG::[a-z])"), eff(R"(\befficacy\s*\[[^\]]*\]\s*=(?!=)(?!.*(efficacy|efficacy_rule)\.(after|at_week_end|after_pathway_failure)\s*\())");
  EXPECT_TRUE(std::regex_search("  const double x = sc_[G::life_efficacy_success_gain];", read));
  EXPECT_FALSE(std::regex_search("  const double x = rule.gain;", read));
  EXPECT_TRUE(std::regex_search("P_.efficacy[p] = clamp01(P_.efficacy[p] + 0.1f);", eff));
  EXPECT_FALSE(std::regex_search("P_.efficacy[p] = efficacy.after(Rehoused, P_.efficacy[p]);", eff));
  EXPECT_FALSE(std::regex_search("if (P_.efficacy[p] == 0) return;", eff));
  // Comments and strings are not code.
  const fs::path tmp = fs::temp_directory_path() / "percorsi_architecture_probe.cpp";
  std::ofstream(tmp) << "int a = 1;  // sc_[G::scale]\n/* G::x\n T::y */ const char* s = \"G::z\";\nint b = sc_[G::scale];\n";
  const auto lines = code_lines(tmp);
  fs::remove(tmp);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_FALSE(std::regex_search(lines[0], read));
  EXPECT_FALSE(std::regex_search(lines[1], read));
  EXPECT_FALSE(std::regex_search(lines[2], read));
  EXPECT_TRUE(std::regex_search(lines[3], read));
}

// The folders' dependencies (by #include), from the bottom of the house to the top. A folder
// may include itself and the folders listed for it; nothing else (so no arrow runs back up and
// no include cycle can form: the allowed graph is acyclic, checked below).
TEST(Architecture, FoldersDependDownwardOnly) {
  const std::map<std::string, std::set<std::string>> allowed = {
      {"sim/registry", {}},  // the parameter registry and the output table (outputs.def)
      {"sim/model", {"sim/registry"}},
      {"sim/engine", {"sim/model", "sim/registry"}},
      {"sim/stats", {"sim/registry"}},
      {"output", {"sim/stats", "sim/registry"}},  // the HDF5 layer
      {"sim/run", {"sim/engine", "sim/model", "sim/registry", "sim/stats", "output"}},
      // The studies (trials, validation, sensitivity, robustness, lessons, calibration): above the
      // runs they make; nothing below includes them.
      {"sim/study", {"sim/run", "sim/engine", "sim/model", "sim/registry", "sim/stats", "output"}},
      {"sim/cli", {"sim/study", "sim/run", "sim/engine", "sim/registry", "output"}},
      {"viz", {"sim/run", "sim/engine", "sim/registry", "sim/stats", "output"}},
  };
  std::map<std::string, std::set<std::string>> seen;
  std::vector<Finding> bad;
  const std::regex inc(R"(^\s*#\s*include\s*"([^"]+)\")");
  for (const std::string top : {"sim", "output", "viz"}) {
    for (const auto& f : sources_under(kRoot / top)) {
      const std::string folder = fs::relative(f.parent_path(), kRoot).string();
      std::istringstream in(slurp(f));
      std::string line;
      int n = 0;
      while (std::getline(in, line)) {
        ++n;
        std::smatch m;
        if (!std::regex_search(line, m, inc)) continue;
        const fs::path target = m[1].str();
        if (!fs::exists(kRoot / target)) continue;  // a local include (same folder) or a system one
        const std::string to = target.parent_path().string();
        if (to == folder) continue;
        seen[folder].insert(to);
        const auto a = allowed.find(folder);
        if (a == allowed.end() || !a->second.count(to))
          bad.push_back({fs::relative(f, kRoot).string() + ":" + std::to_string(n), folder + " -> " + to});
      }
    }
  }
  EXPECT_TRUE(bad.empty()) << "includes against the layering of docs/architecture.md:\n" << report(bad);
  EXPECT_FALSE(seen.empty());
  // The engine and the reference machinery are one layer (no folder of its own that the
  // engine would include and that would include it back).
  EXPECT_FALSE(fs::exists(kRoot / "sim" / "reference"));
  // The studies are in one folder (no second home for calibration).
  EXPECT_FALSE(fs::exists(kRoot / "sim" / "calibrate"));
  // Cycles in what was seen (depth-first search over the folder graph).
  std::map<std::string, int> state;  // 0 new, 1 on the path, 2 done
  std::vector<std::string> cycles;
  std::function<void(const std::string&, std::string)> visit = [&](const std::string& v, std::string path) {
    state[v] = 1;
    for (const auto& w : seen[v]) {
      if (state[w] == 1) cycles.push_back(path + " -> " + w);
      else if (state[w] == 0) visit(w, path + " -> " + w);
    }
    state[v] = 2;
  };
  for (const auto& [v, _] : seen)
    if (state[v] == 0) visit(v, v);
  EXPECT_TRUE(cycles.empty()) << [&] {
    std::string s;
    for (const auto& c : cycles) s += "  " + c + "\n";
    return "include cycles between folders:\n" + s;
  }();
}

// Every purpose of sim/model/purposes.def is drawn somewhere in sim/ (a purpose no longer drawn is
// retired in the table, not left behind), and no draw names a purpose outside the table (the
// compiler checks that; this checks the other way).
TEST(Architecture, EveryPurposeIsDrawnSomewhere) {
  std::string code;
  for (const auto& f : sources_under(kRoot / "sim")) {
    if (f.filename() == "purposes.def" || f.filename() == "random.hpp") continue;
    for (const auto& l : code_lines(f)) code += l + "\n";
  }
  ASSERT_GT(std::size(percorsi::kPurposes), 20u);
  for (const auto& p : percorsi::kPurposes) {
    const std::regex use("Purpose::" + std::string(p.name) + "\\b");
    EXPECT_TRUE(std::regex_search(code, use)) << "Purpose::" << p.name << " (" << p.meaning
                                              << ") is drawn nowhere in sim/: retire it in sim/model/purposes.def";
  }
}
