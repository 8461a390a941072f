#include "sim/study/leave_out.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "output/validate.hpp"
#include "sim/registry/yaml_input.hpp"

namespace percorsi {

namespace fs = std::filesystem;

Calibration without_trial(const Calibration& c, std::size_t i) {
  Calibration out = c;
  out.trials.erase(out.trials.begin() + static_cast<std::ptrdiff_t>(i));
  return out;
}

namespace {
// The trial file as the calibration file names it: relative to the calibration file's folder.
std::string as_named(const Calibration& c, const std::string& trial_file) {
  return fs::path(trial_file).lexically_relative(fs::path(c.file).parent_path()).generic_string();
}
double prior_median(const abc::Prior& p) { return p.log ? std::sqrt(p.lo * p.hi) : (p.lo + p.hi) / 2; }
std::string number(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", x);
  return b;
}
}  // namespace

std::string inputs_fingerprint(const Calibration& c) {
  out::Checksum h;  // FNV-1a over each file's length and text
  h.add_name(file_text(c.file));
  for (const auto& t : c.trials) h.add_name(file_text(t.file));
  return h.hex();
}

LeaveOutFile run_leave_one_out(const Calibration& c, const CalibrationOptions& opt) {
  LeaveOutFile f;
  f.calibration = c.file;
  f.inputs = inputs_fingerprint(c);
  for (std::size_t i = 0; i < c.trials.size(); ++i) {
    const Calibration rest = without_trial(c, i);
    LeaveOutRun run;
    run.left_out = as_named(c, c.trials[i].file);
    for (const auto& t : rest.trials)
      for (const auto& id : t.targets)
        for (const auto& target : t.trial.spec.targets)
          if (target.id == id) run.targets_fitted += static_cast<int>(target.published.size());
    if (opt.progress) std::fprintf(stderr, "leaving out %s (%d published values fitted)\n", run.left_out.c_str(), run.targets_fitted);
    if (rest.trials.empty()) {
      for (const auto& p : c.parameters) run.medians.emplace_back(p.path, prior_median(p.prior));
    } else {
      const CalibrationResult r = run_calibration(rest, opt);
      for (std::size_t j = 0; j < c.parameters.size(); ++j) run.medians.emplace_back(c.parameters[j].path, r.fit[j].median);
    }
    f.runs.push_back(std::move(run));
  }
  return f;
}

std::string leave_out_yaml(const LeaveOutFile& f, const std::string& written_to, const std::string& command) {
  std::ostringstream o;
  o << "# Leave one trial out (docs/validation.md): the posterior medians of " << fs::path(f.calibration).generic_string()
    << "\n# run again without each trial's targets. Written by: " << command << "\n";
  o << "calibration: " << fs::path(f.calibration).lexically_relative(fs::path(written_to).parent_path()).generic_string() << "\n";
  o << "inputs: \"" << f.inputs << "\"\nruns:\n";
  for (const auto& r : f.runs) {
    o << "  - left_out: " << r.left_out << "\n    targets_fitted: " << r.targets_fitted << "\n    medians: {";
    for (std::size_t j = 0; j < r.medians.size(); ++j) o << (j ? ", " : "") << r.medians[j].first << ": " << number(r.medians[j].second);
    o << "}\n";
  }
  return o.str();
}

LeaveOutFile load_leave_out(const std::string& path) {
  LeaveOutFile f;
  f.file = path;
  auto fail = [&](const YAML::Node& n, const std::string& msg) {
    const auto m = n.Mark();
    throw ScenarioError(path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": " + msg);
  };
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ScenarioError(path + ": cannot read the leave-one-out file");
  } catch (const YAML::Exception& e) {
    throw ScenarioError(path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) fail(root, "a leave-one-out file is a map with calibration, inputs and runs");
  for (const char* key : {"calibration", "inputs", "runs"})
    if (!root[key]) fail(root, std::string("missing key '") + key + "'");
  try {
    f.calibration = (fs::path(path).parent_path() / root["calibration"].as<std::string>()).lexically_normal().string();
    f.inputs = root["inputs"].as<std::string>();
    if (!root["runs"].IsSequence()) fail(root["runs"], "runs: a list");
    for (const auto& r : root["runs"]) {
      if (!r.IsMap() || !r["left_out"] || !r["medians"] || !r["medians"].IsMap()) fail(r, "a run has left_out and medians (a map)");
      LeaveOutRun run;
      run.left_out = r["left_out"].as<std::string>();
      run.targets_fitted = r["targets_fitted"] ? r["targets_fitted"].as<int>() : 0;
      for (const auto& kv : r["medians"]) {
        const double v = kv.second.as<double>();
        if (!std::isfinite(v)) fail(kv.second, "a median is a finite number");
        run.medians.emplace_back(kv.first.as<std::string>(), v);
      }
      f.runs.push_back(std::move(run));
    }
  } catch (const YAML::BadConversion& e) {
    throw ScenarioError(path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return f;
}

}  // namespace percorsi
