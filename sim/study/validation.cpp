#include "sim/study/validation.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include "sim/registry/registry.hpp"
#include "sim/run/runner.hpp"
#include "sim/run/tables.hpp"

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
  v.held_out.resize(files.size());
  v.held_out_note.resize(files.size());
  for (const auto& f : files) {
    v.trials.push_back(load_trial(f));
    v.results.push_back(run_trial(v.trials.back(), opt));
    v.replicates = v.results.back().replicates;
    for (const auto& id : v.results.back().target_ids()) ++v.targets, v.met += v.results.back().target_met(id);
  }
  return v;
}

void add_held_out(ValidationRun& v, std::size_t i, const Trial& adjusted, const TrialOptions& opt, const std::string& note) {
  TrialOptions o = opt;
  o.replicates = v.replicates;
  v.held_out.at(i) = run_trial(adjusted, o);
  v.held_out_note.at(i) = note;
}

std::string met_sentence(const ValidationRun& v) {
  return "The default parameters meet " + std::to_string(v.met) + " of " + std::to_string(v.targets) +
         " published targets";
}

namespace {

std::string measure_text(const Trial& t, const std::string& measure) {
  const MeasureSpec* m = t.spec.measure(measure);
  return m ? std::string(measure_kind_name(m->kind)) + ", " + m->args_text : measure;
}

std::string reproduce(const std::string& file, const std::string& target, int replicates) {
  return "build/sim/percorsi trial " + file + " --check --target " + target + " --replicates " +
         std::to_string(replicates);
}

std::string summary(const ValidationRun& v) {
  std::vector<std::vector<std::string>> rows = {{"target", "trial", "measure", "met", "fitted by", "met when its trial is left out"}};
  for (std::size_t i = 0; i < v.results.size(); ++i)
    for (const auto& id : v.results[i].target_ids()) {
      std::vector<std::string> measures;  // of its published values, each once
      for (const auto& row : v.results[i].rows)
        if (row.target == id && std::find(measures.begin(), measures.end(), row.measure) == measures.end())
          measures.push_back(row.measure);
      std::string text;
      for (const auto& m : measures) text += (text.empty() ? "" : "; ") + measure_text(v.trials[i], m);
      std::string fitted = "no (held out of every calibration)";
      if (const auto f = v.fitted_by.find(id); f != v.fitted_by.end()) {
        fitted.clear();
        for (const auto& file : f->second) fitted += (fitted.empty() ? "`" : ", `") + file + "`";
      }
      const auto& h = v.held_out[i];
      rows.push_back({"[" + id + "](#" + id + ")", "`" + v.files[i] + "`", text, v.results[i].target_met(id) ? "yes" : "**no**",
                      fitted, !h ? "(not run)" : h->target_met(id) ? "yes" : "**no**"});
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
      const auto& h = v.held_out[i];
      std::vector<std::vector<std::string>> rows = {{"arm", "measure", "published", "simulated mean [95% interval]", "tolerance",
                                                     "within", "trial left out: simulated mean", "within"}};
      auto estimate = [](const TrialRow& row) {
        return std::isnan(row.summary.mean) ? std::string("n/a (no one counted)") : format_estimate(row.summary);
      };
      for (const auto& row : r.rows) {
        if (row.target != id) continue;
        std::vector<std::string> cells = {row.arm,    measure_text(v.trials[i], row.measure), format_measure(*row.published),
                                          estimate(row), format_measure(*row.tolerance), *row.within ? "yes" : "**no**",
                                          "(not run)",   ""};
        if (h)
          for (const auto& hr : h->rows)
            if (hr.target == id && hr.arm == row.arm && hr.measure == row.measure)
              cells[6] = estimate(hr), cells[7] = *hr.within ? "yes" : "**no**";
        rows.push_back(cells);
      }
      out += cell_table(rows, TableFormat::Markdown) + "\n";
    }
  }
  return out;
}

// The parameters of one evidence class (sim/registry/evidence.def).
std::string parameters(Evidence e) {
  std::vector<std::vector<std::string>> rows = {{"parameter", "default", "source"}};
  for (const ParamSpec* p : params_of(e))
    rows.push_back({"`" + p->path + "`", markdown_cell(p->default_text + (p->unit.empty() ? "" : " " + p->unit)),
                    markdown_cell(p->source)});
  return cell_table(rows, TableFormat::Markdown);
}


// The calibrations that left each trial out.
std::string held_out(const ValidationRun& v) {
  std::vector<std::vector<std::string>> rows = {{"trial left out", "its targets met", "how its parameters were fitted"}};
  for (std::size_t i = 0; i < v.results.size(); ++i) {
    const auto& h = v.held_out[i];
    int met = 0, n = 0;
    if (h)
      for (const auto& id : h->target_ids()) ++n, met += h->target_met(id);
    bool fitted = false;
    for (const auto& id : v.results[i].target_ids()) fitted = fitted || v.fitted_by.count(id);
    rows.push_back({"`" + v.files[i] + "`", h ? std::to_string(met) + " of " + std::to_string(n) : "(not run)",
                    h        ? markdown_cell(v.held_out_note[i])
                    : fitted ? "its calibration file has no leave-one-out file (`percorsi calibrate FILE --leave-one-out ...`)"
                             : "no calibration fits this trial's targets: its values above are predictions already"});
  }
  return cell_table(rows, TableFormat::Markdown);
}

}  // namespace

std::string validation_page(const ValidationRun& v, const std::string& template_text, const std::string& command) {
  std::string page = "<!-- Generated by `" + command +
                     "` from docs/validation.in.md: edit the template, then regenerate. -->\n" + template_text;
  fill_marker(page, "{{count}}", met_sentence(v), "validation");
  fill_marker(page, "{{replicates}}", std::to_string(v.replicates), "validation");
  fill_marker(page, "{{summary}}", summary(v), "validation");
  fill_marker(page, "{{targets}}", targets(v), "validation");
  fill_marker(page, "{{held_out}}", held_out(v), "validation");
  fill_marker(page, "{{calibrated}}", parameters(Evidence::calibrated), "validation");
  fill_marker(page, "{{assumptions}}", parameters(Evidence::assumption), "validation");
  return page;
}

std::string validation_text(const ValidationRun& v) {
  std::string out;
  for (const auto& r : v.results) out += format_trial(r, TableFormat::Text) + check_report(r) + "\n";
  return out + met_sentence(v) + " (" + std::to_string(v.replicates) + " replicates).\n";
}

}  // namespace percorsi
