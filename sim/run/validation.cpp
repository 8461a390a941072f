#include "sim/run/validation.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "sim/registry/registry.hpp"
#include "sim/run/runner.hpp"

namespace percorsi {

namespace fs = std::filesystem;

std::vector<std::string> trial_files_in(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".yaml" && is_trial_file(e.path().string()))
      files.push_back((fs::path(dir) / e.path().filename()).string());
  if (ec) throw ScenarioError(dir + ": cannot list the trials: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

ValidationRun run_validation(const std::vector<std::string>& files, const TrialOptions& opt) {
  ValidationRun v;
  v.files = files;
  for (const auto& f : files) {
    v.trials.push_back(load_trial(f));
    v.results.push_back(run_trial(v.trials.back(), opt));
    v.replicates = v.results.back().replicates;
    for (const auto& id : v.results.back().target_ids()) ++v.targets, v.met += v.results.back().target_met(id);
  }
  return v;
}

std::string met_sentence(const ValidationRun& v) {
  return "The default parameters meet " + std::to_string(v.met) + " of " + std::to_string(v.targets) +
         " published targets";
}

namespace {

std::string cell(std::string s) {
  for (std::size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) s.replace(i, 1, "\\|");
  return s;
}

std::string measure_text(const Trial& t, const std::string& measure) {
  const MeasureSpec* m = t.spec.measure(measure);
  return m ? std::string(measure_kind_name(m->kind)) + ", " + m->args_text : measure;
}

std::string reproduce(const std::string& file, const std::string& target, int replicates) {
  return "build/sim/percorsi trial " + file + " --check --target " + target + " --replicates " +
         std::to_string(replicates);
}

std::string summary(const ValidationRun& v) {
  std::vector<std::vector<std::string>> rows = {{"target", "trial", "measure", "met"}};
  for (std::size_t i = 0; i < v.results.size(); ++i)
    for (const auto& id : v.results[i].target_ids()) {
      std::vector<std::string> measures;  // of its published values, each once
      for (const auto& row : v.results[i].rows)
        if (row.target == id && std::find(measures.begin(), measures.end(), row.measure) == measures.end())
          measures.push_back(row.measure);
      std::string text;
      for (const auto& m : measures) text += (text.empty() ? "" : "; ") + measure_text(v.trials[i], m);
      rows.push_back(
          {"[" + id + "](#" + id + ")", "`" + v.files[i] + "`", text, v.results[i].target_met(id) ? "yes" : "**no**"});
    }
  return cell_table(rows, TableFormat::Markdown);
}

std::string targets(const ValidationRun& v) {
  std::string out;
  for (std::size_t i = 0; i < v.results.size(); ++i) {
    const TrialResult& r = v.results[i];
    std::string arms;
    for (const auto& a : v.trials[i].spec.arms) arms += (arms.empty() ? "" : ", ") + a;
    out += "### Trial " + r.name + "\n\n`" + v.files[i] + "`: a cohort of " + std::to_string(r.cohort) +
           " followed for " + std::to_string(r.weeks) + " weeks; arms: " + arms + "; seed " + std::to_string(r.seed) +
           ", " + std::to_string(r.replicates) + " replicates.\n\n";
    for (const auto& id : r.target_ids()) {
      out += "#### " + id + "\n\n" + (r.target_met(id) ? "Met" : "**Not met**") + ". Reproduce: `" +
             reproduce(v.files[i], id, r.replicates) + "`\n\n";
      std::vector<std::vector<std::string>> rows = {
          {"arm", "measure", "published", "simulated mean [95% interval]", "tolerance", "within"}};
      for (const auto& row : r.rows)
        if (row.target == id)
          rows.push_back({row.arm, measure_text(v.trials[i], row.measure), format_measure(*row.published),
                          std::isnan(row.summary.mean) ? "n/a (no one counted)" : format_estimate(row.summary),
                          format_measure(*row.tolerance), *row.within ? "yes" : "**no**"});
      out += cell_table(rows, TableFormat::Markdown) + "\n";
    }
  }
  return out;
}

bool starts_with(const std::string& s, const std::string& p) {
  return s.rfind(p, 0) == 0;
}
bool assumption(const ParamSpec& p) {
  std::string s = p.source;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return !starts_with(s, "calibrated") && s.find("assumption") != std::string::npos;
}

std::string parameters(bool calibrated) {
  std::vector<std::vector<std::string>> rows = {{"parameter", "default", "source"}};
  for (const auto& p : registry())
    if (calibrated ? starts_with(p.source, "calibrated") : assumption(p))
      rows.push_back({"`" + p.path + "`", cell(p.default_text + (p.unit.empty() ? "" : " " + p.unit)), cell(p.source)});
  return cell_table(rows, TableFormat::Markdown);
}

// The marker replaced by `with` (without its final line break: the template has its own).
void replace(std::string& text, const std::string& marker, std::string with) {
  const auto at = text.find(marker);
  if (at == std::string::npos) throw ScenarioError("the validation template has no marker " + marker);
  while (!with.empty() && with.back() == '\n') with.pop_back();
  text.replace(at, marker.size(), with);
}

}  // namespace

std::string validation_page(const ValidationRun& v, const std::string& template_text, const std::string& command) {
  std::string page = "<!-- Generated by `" + command +
                     "` from docs/validation.in.md: edit the template, then regenerate. -->\n" + template_text;
  replace(page, "{{count}}", met_sentence(v));
  replace(page, "{{replicates}}", std::to_string(v.replicates));
  replace(page, "{{summary}}", summary(v));
  replace(page, "{{targets}}", targets(v));
  replace(page, "{{calibrated}}", parameters(true));
  replace(page, "{{assumptions}}", parameters(false));
  return page;
}

std::string validation_text(const ValidationRun& v) {
  std::string out;
  for (const auto& r : v.results) out += format_trial(r, TableFormat::Text) + check_report(r) + "\n";
  return out + met_sentence(v) + " (" + std::to_string(v.replicates) + " replicates).\n";
}

}  // namespace percorsi
