// percorsi: the command-line program. Subcommands: run, compare, validate, info, bench, params.
// Exit codes: 0 success; 2 bad input (scenario, arguments, unreadable results file);
// 3 runtime failure; 130 interrupted.
#include <CLI/CLI.hpp>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "output/dictionary.hpp"
#include "output/reader.hpp"
#include "sim/registry.hpp"
#include "sim/runner.hpp"
#include "sim/world.hpp"

namespace {

using namespace percorsi;

enum Exit { kOk = 0, kBadInput = 2, kFailure = 3, kInterrupted = 130 };

void on_signal(int) { g_interrupt = true; }

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

struct Common {
  int threads = 0;
  int replicates = 0;
  std::int64_t seed = -1;
  std::string out;
  bool quiet = false;
  std::string format = "text";
};

RunOptions run_options(const Common& c, const std::string& cmdline) {
  RunOptions o;
  o.threads = c.threads;
  if (c.replicates > 0) o.replicates = c.replicates;
  if (c.seed >= 0) o.seed = static_cast<std::uint64_t>(c.seed);
  o.progress = !c.quiet;
  o.command_line = cmdline;
  return o;
}

TableFormat table_format(const std::string& f) {
  if (f == "csv") return TableFormat::Csv;
  if (f == "markdown") return TableFormat::Markdown;
  return TableFormat::Text;
}

int cmd_bench(const std::string& file, long persons, int weeks, int threads, bool quiet) {
  Scenario base = load_scenario(file);
  double pop0 = 0;
  for (const auto& t : base.territories) pop0 += t[T::t_population];
  if (pop0 <= 0) throw ScenarioError(file + ": the bench scenario has no initial population");
  base.set("scale", std::to_string(static_cast<double>(persons) / pop0));
  base.set("horizon", std::to_string(weeks) + " weeks");
  const int all = tbb::info::default_concurrency();
  std::vector<int> counts = {1};
  if (threads > 0 && threads != 1) counts.push_back(threads);
  else if (threads <= 0 && all > 1) counts.push_back(all);
  std::printf("percorsi bench: %s scaled to %ld people at week 0, %d weeks\n", file.c_str(), persons, weeks);
  std::printf("%8s %14s %16s %12s %14s %16s\n", "threads", "wall (s)", "person-weeks/s", "rows", "bytes/person",
              "peak RSS (MiB)");
  for (int n : counts) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(n));
    const auto t0 = std::chrono::steady_clock::now();
    World w(base, 0);
    double person_weeks = 0;
    for (int k = 0; k < weeks; ++k) {
      if (g_interrupt) throw Interrupted();
      for (const auto& t : w.territories())
        for (auto o : t.occ) person_weeks += static_cast<double>(o);
      w.step();
      if (!quiet && isatty(2)) std::fprintf(stderr, "\r  %d threads: week %d/%d", n, k + 1, weeks);
    }
    if (!quiet && isatty(2)) std::fprintf(stderr, "\r%40s\r", "");
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto rows = w.persons().size();
    std::printf("%8d %14.2f %16.3e %12zu %14.1f %16.1f\n", n, secs, person_weeks / secs, rows,
                static_cast<double>(w.persons().bytes()) / static_cast<double>(rows), peak_rss_mib());
    std::fflush(stdout);
  }
  std::printf("person-weeks count active people each week; rows are all people ever created (exited rows are kept);\n"
              "bytes/person = person columns' heap bytes / rows; peak RSS is the process's maximum so far.\n");
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::string cmdline;
  for (int i = 0; i < argc; ++i) cmdline += (i ? " " : "") + std::string(argv[i]);

  CLI::App app{"Percorsi: agent-based simulator of welfare policy (housing and employment pathways)"};
  app.set_version_flag("--version", std::string(PERCORSI_VERSION) + " (" + PERCORSI_GIT_COMMIT + ")");
  app.require_subcommand(1);
  app.footer("Exit codes: 0 success, 2 bad input, 3 runtime failure, 130 interrupted.\n"
             "Example: percorsi compare scenarios/piemonte/step_model.yaml scenarios/piemonte/housing_first.yaml "
             "--out results/step_vs_hf.h5");
  Common c;
  auto add_common = [&](CLI::App* sub, bool running) {
    sub->add_option("--threads", c.threads, "Worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
    sub->add_flag("--quiet,-q", c.quiet, "No progress bar");
    if (running) {
      sub->add_option("--replicates", c.replicates, "Replicates per scenario (overrides the files)")
          ->check(CLI::Range(1, 100000));
      sub->add_option("--seed", c.seed, "Seed (overrides the files)")->check(CLI::NonNegativeNumber);
      sub->add_option("--out,-o", c.out, "Results file (HDF5), written under a temporary name and renamed on success");
    }
  };

  std::vector<std::string> files;
  auto* run = app.add_subcommand("run", "Run scenarios (all replicates) and write one HDF5 results file");
  run->add_option("scenarios", files, "Scenario files (YAML)")->required()->check(CLI::ExistingFile);
  add_common(run, true);
  run->add_option("--format", c.format, "Table format: text, csv or markdown")
      ->check(CLI::IsMember({"text", "csv", "markdown"}));

  auto* compare = app.add_subcommand(
      "compare", "Compare scenarios: run YAML files (or read .h5 results) and print headline indicators with 95% "
                 "intervals and paired differences from the first scenario");
  compare->add_option("inputs", files, "Scenario files (.yaml) or results files (.h5)")->required()->check(CLI::ExistingFile);
  add_common(compare, true);
  compare->add_option("--format", c.format, "Table format: text, csv or markdown")
      ->check(CLI::IsMember({"text", "csv", "markdown"}));

  auto* validate = app.add_subcommand("validate", "Check scenario files without running them");
  validate->add_option("scenarios", files, "Scenario files (YAML)")->required();

  std::string info_file;
  auto* info = app.add_subcommand("info", "List what a results file holds");
  info->add_option("file", info_file, "Results file (.h5)")->required();

  std::string bench_file = "scenarios/piemonte/baseline.yaml";
  long bench_persons = 1000000;
  int bench_weeks = 520;
  auto* bench = app.add_subcommand("bench", "Measure speed (person-weeks per second) and memory (bytes per person)");
  bench->add_option("scenario", bench_file, "Scenario to scale (default: the Piedmont baseline)")->check(CLI::ExistingFile);
  bench->add_option("--persons", bench_persons, "People at week 0")->check(CLI::Range(1L, 100000000L));
  bench->add_option("--weeks", bench_weeks, "Weeks to simulate")->check(CLI::Range(1, 2600));
  add_common(bench, false);

  bool md = false, dict = false;
  auto* params = app.add_subcommand("params", "Print the parameter reference (docs/parameters.md) or the data dictionary");
  params->add_flag("--markdown", md, "Markdown parameter reference (default)");
  params->add_flag("--dictionary", dict, "Markdown data dictionary of the results files instead");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kOk : kBadInput;
  }

  try {
    if (*validate) {
      int bad = 0;
      for (const auto& f : files) {
        try {
          const Scenario s = load_scenario(f);
          std::printf("%s: ok (%s, %zu territories, %d weeks, %d replicates)\n", f.c_str(), s.name().c_str(),
                      s.territories.size(), s.weeks(), s.replicates());
        } catch (const ScenarioError& e) {
          std::fprintf(stderr, "%s\n", e.what());
          ++bad;
        }
      }
      return bad ? kBadInput : kOk;
    }
    if (*info) {
      std::cout << out::Reader(info_file).describe();
      return kOk;
    }
    if (*params) {
      std::cout << (dict ? out::dictionary_markdown() : registry_markdown());
      return kOk;
    }
    if (*bench) return cmd_bench(bench_file, bench_persons, bench_weeks, c.threads, c.quiet);

    // run / compare
    std::vector<Scenario> scenarios;
    std::vector<ScenarioSummary> summaries;
    for (const auto& f : files) {
      if (ends_with(f, ".h5")) {
        if (*run) throw ScenarioError(f + ": 'run' takes scenario files (.yaml); use 'compare' or 'info' for results");
        for (auto& s : read_summaries(f)) summaries.push_back(std::move(s));
      } else {
        scenarios.push_back(load_scenario(f));
      }
    }
    if (!scenarios.empty()) {
      if (c.out.empty() && *run) c.out = "results/" + scenarios.front().name() + ".h5";
      for (auto& s : run_scenarios(std::move(scenarios), run_options(c, cmdline), c.out))
        summaries.push_back(std::move(s));
      if (!c.out.empty() && !c.quiet) std::fprintf(stderr, "results written to %s\n", c.out.c_str());
    }
    std::cout << comparison_table(summaries, table_format(c.format));
    return kOk;
  } catch (const Interrupted&) {
    std::fprintf(stderr, "percorsi: interrupted; no results file written\n");
    return kInterrupted;
  } catch (const ScenarioError& e) {
    std::fprintf(stderr, "percorsi: %s\n", e.what());
    return kBadInput;
  } catch (const out::ReadError& e) {
    std::fprintf(stderr, "percorsi: %s\n", e.what());
    return kBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "percorsi: error: %s\n", e.what());
    return kFailure;
  }
}
