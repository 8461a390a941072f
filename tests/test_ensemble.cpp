// Ensembles: sweeps expanded into scenarios, shards and their merge, MPI ranks, resume after
// SIGKILL, per-week summaries, `compare` over several files, and the Python example. Every way
// of running one scenario file must give the same data as one single-process run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "output/dictionary.hpp"
#include "output/reader.hpp"
#include "sim/run/ensemble.hpp"
#include "sim/run/runner.hpp"

using namespace percorsi;
namespace fs = std::filesystem;

namespace {

const std::string kSrc = PERCORSI_SOURCE_DIR;
const std::string kBin = PERCORSI_BIN;

// A fresh directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("percorsi-ens-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

struct Result {
  int code;
  std::string out;
};
// Runs a shell command line (stderr joined to stdout).
Result sh(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}
Result cli(const std::string& args) {
  return sh(kBin + " " + args);
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// A small sweep: 2 x 2 grid points, 3 replicates each = 12 tasks of 10 weeks.
std::string tiny_sweep(const std::string& name = "tiny") {
  return "extends: " + kSrc + "/scenarios/piemonte/housing_first.yaml\nname: " + name +
         "\nhorizon: 10 weeks\nreplicates: 3\nhousing:\n  model: mixed\nsweep:\n  housing.hf_share: [0.25, 1.0]\n"
         "  territories[].hf_flats: [5, 30]\n";
}

bool same_double(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}
bool same_doubles(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_double(a[i], b[i])) return false;
  return true;
}

// Every datum of two results files is equal: scenarios and their resolved YAML and seeds,
// every weekly series, person column and headline value of every replicate, and the
// summaries (provenance such as threads, ranks and wall times may differ).
void expect_same_data(const std::string& pa, const std::string& pb) {
  SCOPED_TRACE(pa + " vs " + pb);
  out::Reader a(pa), b(pb);
  ASSERT_EQ(a.scenarios(), b.scenarios());
  int replicates = 0;
  for (const auto& s : a.scenarios()) {
    SCOPED_TRACE(s);
    const auto ia = a.scenario(s), ib = b.scenario(s);
    EXPECT_EQ(ia.resolved_yaml, ib.resolved_yaml);
    EXPECT_EQ(ia.seed, ib.seed);
    EXPECT_EQ(ia.replicates, ib.replicates);
    EXPECT_EQ(ia.weeks, ib.weeks);
    EXPECT_EQ(ia.territories, ib.territories);
    EXPECT_EQ(ia.sweep, ib.sweep);
    ASSERT_EQ(a.replicates(s), b.replicates(s));
    ASSERT_EQ(a.weekly_names(s), b.weekly_names(s));
    ASSERT_EQ(a.person_columns(s), b.person_columns(s));
    ASSERT_EQ(a.headline_names(s), b.headline_names(s));
    for (int r : a.replicates(s)) {
      const auto ra = a.replicate(s, r), rb = b.replicate(s, r);
      EXPECT_EQ(ra.seed, rb.seed);
      ASSERT_EQ(ra.weekly.size(), rb.weekly.size());
      for (std::size_t k = 0; k < ra.weekly.size(); ++k)
        EXPECT_TRUE(same_doubles(ra.weekly[k].values, rb.weekly[k].values))
            << "weekly " << ra.weekly[k].name << " r" << r;
      ASSERT_EQ(ra.persons.size(), rb.persons.size());
      for (std::size_t k = 0; k < ra.persons.size(); ++k) {
        EXPECT_EQ(ra.persons[k].ints, rb.persons[k].ints) << "person column " << ra.persons[k].name;
        EXPECT_TRUE(same_doubles(ra.persons[k].reals, rb.persons[k].reals)) << "person column " << ra.persons[k].name;
      }
      for (const auto& [k, v] : ra.headline) EXPECT_TRUE(same_double(v, rb.headline.at(k))) << "headline " << k;
      ++replicates;
    }
    for (const auto& ind : a.headline_names(s)) {
      const auto sa = a.summary(s, ind), sb = b.summary(s, ind);
      ASSERT_EQ(sa.has_value(), sb.has_value());
      if (sa) {
        EXPECT_EQ(sa->n, sb->n);
        EXPECT_TRUE(same_double(sa->mean, sb->mean) && same_double(sa->sd, sb->sd) &&
                    same_double(sa->ci_low, sb->ci_low) && same_double(sa->ci_high, sb->ci_high))
            << ind;
      }
    }
    ASSERT_EQ(a.weekly_summary_names(s), b.weekly_summary_names(s));
    for (const auto& series : a.weekly_summary_names(s)) {
      const auto wa = a.weekly_summary(s, series), wb = b.weekly_summary(s, series);
      EXPECT_TRUE(same_doubles(wa->mean, wb->mean) && same_doubles(wa->sd, wb->sd) &&
                  same_doubles(wa->ci_low, wb->ci_low) && same_doubles(wa->ci_high, wb->ci_high) && wa->n == wb->n)
          << "weekly summary " << series;
    }
  }
  EXPECT_GT(replicates, 0);
}

std::size_t task_files(const std::string& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (f[0] == 's' && f.size() > 3 && f.compare(f.size() - 3, 3, ".h5") == 0) ++n;
  }
  return n;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The ScenarioError message of f(), or "" when it does not throw one.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Sweeps

TEST(Sweep, ExpandsTheGridInOrderWithNamesAndValues) {
  const auto v = parse_scenarios(tiny_sweep(), "sweep.yaml");
  ASSERT_EQ(v.size(), 4u);
  // The first swept key varies slowest.
  EXPECT_EQ(v[0].name(), "tiny:hf_share=0.25:hf_flats=5");
  EXPECT_EQ(v[1].name(), "tiny:hf_share=0.25:hf_flats=30");
  EXPECT_EQ(v[2].name(), "tiny:hf_share=1.0:hf_flats=5");
  EXPECT_EQ(v[3].name(), "tiny:hf_share=1.0:hf_flats=30");
  EXPECT_DOUBLE_EQ(v[1][G::housing_hf_share], 0.25);
  EXPECT_DOUBLE_EQ(v[2][G::housing_hf_share], 1.0);
  for (std::size_t t = 0; t < v[1].territories.size(); ++t) {
    EXPECT_DOUBLE_EQ(v[1].territories[t][T::hf_flats], 30);
    EXPECT_DOUBLE_EQ(v[2].territories[t][T::hf_flats], 5);
  }
  // YAML (keys with brackets quoted).
  EXPECT_EQ(v[3].sweep_yaml(), "{housing.hf_share: 1.0, \"territories[].hf_flats\": 30}");
  for (const auto& s : v) {
    EXPECT_EQ(s.replicates(), 3);
    EXPECT_EQ(s.weeks(), 10);
    EXPECT_EQ(s.name().find('/'), std::string::npos);  // a valid HDF5 group name
  }
  // The resolved YAML of a grid point loads back into the same point.
  const Scenario back = parse_scenario(v[1].to_yaml(), "back.yaml");
  EXPECT_EQ(back.name(), v[1].name());
  EXPECT_EQ(back.to_yaml(), v[1].to_yaml());
  // load_scenario of a sweep file gives the base scenario.
  TempDir d;
  write(d / "s.yaml", tiny_sweep());
  EXPECT_EQ(load_scenario(d / "s.yaml").name(), "tiny");
  EXPECT_EQ(load_scenarios(d / "s.yaml").size(), 4u);
  // A file without a sweep is one scenario.
  EXPECT_EQ(load_scenarios(kSrc + "/scenarios/piemonte/step_model.yaml").size(), 1u);
}

TEST(Sweep, DurationsNestedKeysAndSelectors) {
  const std::string text = "extends: " + kSrc +
                           "/scenarios/piemonte/lockdown_2020.yaml\n"
                           "sweep:\n"
                           "  case:\n"
                           "    follow_up_length: [0 months, 6 months]\n"
                           "  territories[Asti].shelter_beds: [10, 200]\n"
                           "  events[lockdown_activity].factor: [0.1]\n"
                           "  events[lockdown_activity].end: [2020-06-01]\n";
  const auto v = parse_scenarios(text, "d.yaml");
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].name(),
            "lockdown_2020:follow_up_length=0months:Asti.shelter_beds=10:lockdown_activity.factor=0.1:"
            "lockdown_activity.end=2020-06-01");
  EXPECT_NEAR(v[2][G::case_follow_up_length], 6 * 52.0 / 12.0, 1e-9);
  int asti = -1;
  for (int t = 0; t < static_cast<int>(v[1].territories.size()); ++t)
    if (v[1].territory_name(t) == "Asti") asti = t;
  ASSERT_GE(asti, 0);
  EXPECT_DOUBLE_EQ(v[1].territories[asti][T::shelter_beds], 200);
  EXPECT_DOUBLE_EQ(
      v[1].territories[asti == 0 ? 1 : 0][T::shelter_beds],
      load_scenario(kSrc + "/scenarios/piemonte/baseline.yaml").territories[asti == 0 ? 1 : 0][T::shelter_beds]);
  EXPECT_DOUBLE_EQ(v[0].events[0][E::factor], 0.1);
  // The date is resolved against start_date (2019-01-07): 2020-06-01 is week 73.
  EXPECT_NEAR(v[0].events[0][E::end], 73.0, 1e-9);
}

TEST(Sweep, ErrorsNameFileLineAndColumn) {
  const std::string head = "extends: " + kSrc + "/scenarios/piemonte/baseline.yaml\nsweep:\n";
  auto err = [&](const std::string& body) { return error_of([&] { parse_scenarios(head + body, "w.yaml"); }); };
  // Out of range: the offending value, line 3 column 27.
  EXPECT_TRUE(
      contains(err("  housing.hf_share: [0.5, 1.5]\n"), "w.yaml:3:27: 'housing.hf_share' = 1.5 is out of range"))
      << err("  housing.hf_share: [0.5, 1.5]\n");
  EXPECT_TRUE(
      contains(err("  step.readiness_rate: [1, fast]\n"), "w.yaml:3:28: 'step.readiness_rate' expects a number"));
  EXPECT_TRUE(contains(err("  case.follow_up_length: [6 parsecs]\n"),
                       "w.yaml:3:27: 'case.follow_up_length' expects a "
                       "duration"));
  // Unknown key, with a suggestion.
  EXPECT_TRUE(contains(err("  housing.hf_shar: [0.5]\n"), "w.yaml:3:3: unknown parameter 'housing.hf_shar'"));
  EXPECT_TRUE(contains(err("  housing.hf_shar: [0.5]\n"), "did you mean 'housing.hf_share'"));
  EXPECT_TRUE(contains(err("  territories[Torino].hf_flats: [1]\n"),
                       "w.yaml:3:3: sweep 'territories[Torino].hf_flats': "
                       "the scenario has no territory 'Torino'"));
  EXPECT_TRUE(contains(err("  territories[].hf_flatz: [1]\n"), "w.yaml:3:3: unknown territory key 'hf_flatz'"));
  EXPECT_TRUE(contains(err("  events[nope].factor: [1]\n"), "has no event 'nope'"));
  // Not a list, empty, repeated values, the same parameter twice, name.
  EXPECT_TRUE(contains(err("  housing.hf_share: 0.5\n"), "w.yaml:3:21: sweep 'housing.hf_share' expects a list"));
  EXPECT_TRUE(contains(err("  housing.hf_share: []\n"), "has no values"));
  EXPECT_TRUE(contains(err("  housing.hf_share: [0.5, 0.5]\n"),
                       "w.yaml:3:27: sweep 'housing.hf_share': value '0.5' is "
                       "listed twice"));
  EXPECT_TRUE(contains(err("  territories[].hf_flats: [1]\n  territory_defaults.hf_flats: [2]\n"), "w.yaml:4:3:"));
  EXPECT_TRUE(contains(err("  name: [a, b]\n"), "cannot be swept"));
  EXPECT_TRUE(contains(error_of([&] { parse_scenarios(head + "  - housing.hf_share\n", "w.yaml"); }),
                       "w.yaml:3:3: 'sweep' must be a map"));
  // A grid point that fails the cross-field checks names the swept value.
  const std::string point = err("  population.initial.street: [0.2, 0.9]\n");
  EXPECT_TRUE(contains(point,
                       "w.yaml:3:36: sweep point 'baseline:street=0.9' (population.initial.street = 0.9 at "
                       "w.yaml:3:36) is not a valid scenario: "))
      << point;
  EXPECT_TRUE(contains(point, "shares sum to")) << point;
  // sweep only in the file itself, not in a base.
  TempDir d;
  write(d / "base.yaml", head + "  housing.hf_share: [0.5]\n");
  write(d / "child.yaml", "extends: base.yaml\nname: child\n");
  EXPECT_TRUE(contains(error_of([&] { load_scenarios(d / "child.yaml"); }), "base.yaml:2:1: 'sweep' is read only"));
  // The command line says the same, with exit code 2.
  write(d / "bad.yaml", head + "  housing.hf_share: [0.5, 1.5]\n");
  const auto r = cli("validate " + d / "bad.yaml");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, d / "bad.yaml" + ":3:27:")) << r.out;
}

// ---------------------------------------------------------------------------------------------
// Tasks and shards

TEST(Shard, ParsesKOfNAndSplitsTheTasksExactlyOnce) {
  const Shard s = parse_shard("2/3");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.text(), "2/3");
  EXPECT_EQ(Shard{}.text(), "all");
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/", "/2", "1/2/3", "1.5/2", " 1/2"})
    EXPECT_TRUE(contains(error_of([&] { parse_shard(bad); }), "--shard expects K/N")) << bad;
  EXPECT_TRUE(contains(error_of([&] { parse_shard("0/4"); }), "between 1 and 4"));

  const auto v = parse_scenarios(tiny_sweep(), "sweep.yaml");
  const auto all = plan_tasks(v, Shard{});
  ASSERT_EQ(all.size(), 12u);
  EXPECT_EQ(all[4].scenario, 1);
  EXPECT_EQ(all[4].replicate, 1);
  std::vector<int> seen(all.size(), 0);
  for (int k = 1; k <= 5; ++k)
    for (const auto& t : plan_tasks(v, Shard{k, 5})) {
      EXPECT_EQ(t.id % 5, k - 1);
      ++seen[t.id];
    }
  for (int n : seen) EXPECT_EQ(n, 1);
  // More shards than tasks: some are empty, none overlap.
  std::size_t total = 0;
  for (int k = 1; k <= 20; ++k) total += plan_tasks(v, Shard{k, 20}).size();
  EXPECT_EQ(total, 12u);
}

TEST(Cli, ListTasksAndBadShardSyntax) {
  TempDir d;
  write(d / "s.yaml", tiny_sweep());
  auto r = cli("run " + d / "s.yaml" + " --list-tasks");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(
      contains(r.out, "# 12 tasks\ntask\tscenario\treplicate\tseed\tweeks\n0\ttiny:hf_share=0.25:hf_flats=5\t0\t"))
      << r.out;
  r = cli("run " + d / "s.yaml" + " --list-tasks --shard 2/5 --replicates 4");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "# 3 tasks of shard 2/5\n")) << r.out;  // ids 1, 6, 11 of 0..15
  EXPECT_TRUE(contains(r.out, "\n11\ttiny:hf_share=1.0:hf_flats=5\t3\t20200301\t10\n")) << r.out;
  for (const char* bad : {"0/2", "3/2", "1", "x/y"}) {
    r = cli("run " + d / "s.yaml" + " --quiet --shard " + bad + " --out " + d / "x.h5");
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_TRUE(contains(r.out, "--shard expects K/N")) << r.out;
  }
  EXPECT_FALSE(fs::exists(d / "x.h5"));
  EXPECT_FALSE(fs::exists(d / "x.h5.parts"));
}

// ---------------------------------------------------------------------------------------------
// Statistics

TEST(Ensemble, WeeklySummariesMatchTheReplicatesAndTheDictionary) {
  TempDir d;
  RunOptions opt;
  opt.progress = false;
  auto v = parse_scenarios(tiny_sweep(), "sweep.yaml");
  v.resize(2);
  const std::string f = d / "w.h5";
  const auto sums = run_scenarios(v, opt, f);
  ASSERT_EQ(sums.size(), 2u);
  EXPECT_FALSE(fs::exists(f + ".parts"));  // the work directory is removed on success
  const auto dict = out::dictionary_for("run");
  for (const auto& p : out::check_against_dictionary(f, dict)) ADD_FAILURE() << p;

  out::Reader rd(f);
  const std::string s = v[1].name();
  EXPECT_EQ(rd.scenario(s).sweep, "{housing.hf_share: 0.25, \"territories[].hf_flats\": 30}");
  EXPECT_EQ(rd.provenance().shard, "all");
  EXPECT_EQ(rd.weekly_summary_names(s), rd.weekly_names(s));
  for (const std::string series : {"housing_street", "persons", "case_in_charge"}) {
    const auto w = rd.weekly_summary(s, series);
    ASSERT_TRUE(w.has_value());
    ASSERT_EQ(w->weeks, 10);
    ASSERT_EQ(w->territories, 5);
    std::vector<std::vector<double>> reps;
    for (int r : rd.replicates(s)) reps.push_back(rd.weekly(s, r, series));
    ASSERT_EQ(reps.size(), 3u);
    const double t2 = 4.302652729749464;  // t_{0.975, 2}
    bool varies = false;
    for (std::size_t i = 0; i < reps[0].size(); ++i) {
      const double m = (reps[0][i] + reps[1][i] + reps[2][i]) / 3;
      double ss = 0;
      for (const auto& x : reps) ss += (x[i] - m) * (x[i] - m);
      const double sd = std::sqrt(ss / 2);
      varies |= sd > 0;
      EXPECT_NEAR(w->mean[i], m, 1e-9 * (1 + std::fabs(m)));
      EXPECT_NEAR(w->sd[i], sd, 1e-9 * (1 + sd));
      // Counts: the interval on the log scale (docs/statistics.md), never below 0.
      const double f = m > 0 ? std::exp(t2 * sd / std::sqrt(3.0) / m) : 1.0;
      EXPECT_NEAR(w->ci_low[i], m / f, 1e-8 * (1 + std::fabs(m)));
      EXPECT_NEAR(w->ci_high[i], m * f, 1e-8 * (1 + std::fabs(m)));
      EXPECT_GE(w->ci_low[i], 0.0);
      EXPECT_EQ(w->n[i], 3);
    }
    if (series == "housing_street") {
      EXPECT_TRUE(varies);
    }
  }
  // Headline summaries still there, and the returned summaries are the file's.
  EXPECT_EQ(sums[1].headline.at("cost_total"), rd.headline(s, "cost_total"));
  EXPECT_EQ(rd.summary(s, "cost_total")->n, 3);
}

// ---------------------------------------------------------------------------------------------
// The same data whichever way the tasks are run

TEST(Ensemble, ShardsMergeIntoTheSingleRunAndBadPartsAreRefused) {
  TempDir d;
  write(d / "s.yaml", tiny_sweep());
  auto r = cli("run " + d / "s.yaml" + " --quiet --threads 2 --out " + d / "one.h5");
  ASSERT_EQ(r.code, 0) << r.out;
  std::string parts;
  for (int k = 1; k <= 3; ++k) {
    const std::string part = d / ("part-" + std::to_string(k) + ".h5");
    r = cli("run " + d / "s.yaml" + " --quiet --threads 1 --shard " + std::to_string(k) + "/3 --out " + part);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(out::Reader(part).provenance().shard, std::to_string(k) + "/3");
    EXPECT_FALSE(out::Reader(part).summary("tiny:hf_share=0.25:hf_flats=5", "cost_total").has_value());
    parts += " " + part;
  }
  r = cli("merge" + parts + " --out " + d / "merged.h5");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "merged 3 files: 4 scenarios, 12 tasks")) << r.out;
  expect_same_data(d / "one.h5", d / "merged.h5");
  EXPECT_EQ(out::Reader(d / "merged.h5").provenance().shard, "all");

  // compare reads the parts directly, as one run: the same table as the merged file's.
  const auto table_parts = cli("compare" + parts + " --format csv");
  const auto table_merged = cli("compare " + d / "merged.h5" + " --format csv");
  ASSERT_EQ(table_merged.code, 0) << table_merged.out;
  EXPECT_TRUE(contains(table_parts.out, table_merged.out)) << table_parts.out;
  EXPECT_TRUE(contains(table_parts.out, "is a part of a run")) << table_parts.out;

  // Missing shard: refused, naming it.
  r = cli("merge " + d / "part-1.h5" + " " + d / "part-3.h5" + " --out " + d / "bad.h5");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "4 tasks are in none of the inputs")) << r.out;
  EXPECT_TRUE(contains(r.out, "shard 2/3")) << r.out;
  // Duplicated shard (a copy under another name).
  fs::copy_file(d / "part-2.h5", d / "copy.h5");
  r = cli("merge" + parts + " " + d / "copy.h5" + " --out " + d / "bad.h5");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "are both shard 2/3 (duplicated tasks)")) << r.out;
  // A complete run and a part of it: the same task twice.
  r = cli("merge " + d / "one.h5" + " " + d / "part-2.h5" + " --out " + d / "bad.h5");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "(duplicated task)")) << r.out;
  // A part run with another seed.
  r = cli("run " + d / "s.yaml" + " --quiet --seed 7 --shard 3/3 --out " + d / "seed7.h5");
  ASSERT_EQ(r.code, 0) << r.out;
  r = cli("merge " + d / "part-1.h5" + " " + d / "part-2.h5" + " " + d / "seed7.h5" + " --out " + d / "bad.h5");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "has seed 7 in")) << r.out;
  // A part of a different run (other parameters under the same names).
  write(d / "t.yaml", tiny_sweep() + "step:\n  readiness_rate: 3\n");
  r = cli("run " + d / "t.yaml" + " --quiet --shard 3/3 --out " + d / "other.h5");
  ASSERT_EQ(r.code, 0) << r.out;
  r = cli("merge " + d / "part-1.h5" + " " + d / "part-2.h5" + " " + d / "other.h5" + " --out " + d / "bad.h5");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "differs between")) << r.out;
  EXPECT_TRUE(contains(r.out, "readiness_rate")) << r.out;
  // Shards of differently split runs.
  r = cli("run " + d / "s.yaml" + " --quiet --shard 2/2 --out " + d / "half.h5");
  ASSERT_EQ(r.code, 0) << r.out;
  r = cli("merge " + d / "part-1.h5" + " " + d / "half.h5" + " --out " + d / "bad.h5");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "split differently")) << r.out;
  EXPECT_FALSE(fs::exists(d / "bad.h5"));
  // Not a results file.
  r = cli("merge " + d / "s.yaml" + " --out " + d / "bad.h5");
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(fs::exists(d / "bad.h5"));
}

TEST(Ensemble, MpiRunMatchesTheSingleProcessRun) {
#if !defined(PERCORSI_HAVE_MPI)
  GTEST_SKIP() << "built without MPI";
#else
  const std::string mpiexec = PERCORSI_MPIEXEC;
  if (mpiexec.empty() || !fs::exists(mpiexec)) GTEST_SKIP() << "no mpiexec";
  TempDir d;
  write(d / "s.yaml", tiny_sweep());
  auto r = cli("run " + d / "s.yaml" + " --quiet --threads 1 --out " + d / "one.h5");
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string root = ::geteuid() == 0 ? " --allow-run-as-root" : "";
  r = sh(mpiexec + root + " --oversubscribe -np 2 " + kBin + " run " + d / "s.yaml" + " --threads 1 --out " +
         d / "mpi.h5" + " --format csv");
  ASSERT_EQ(r.code, 0) << r.out;
  // One table, from rank 0.
  std::size_t tables = 0;
  for (auto p = r.out.find("indicator,"); p != std::string::npos; p = r.out.find("indicator,", p + 1)) ++tables;
  EXPECT_EQ(tables, 1u) << r.out;
  EXPECT_EQ(out::Reader(d / "mpi.h5").provenance().ranks, 2);
  EXPECT_FALSE(fs::exists(d / "mpi.h5.parts"));
  expect_same_data(d / "one.h5", d / "mpi.h5");
#endif
}

TEST(Ensemble, ResumeAfterSigkillRunsOnlyTheMissingTasks) {
  TempDir d;
  // 40 tasks of a year, one thread: long enough to be killed part-way.
  write(d / "long.yaml", "extends: " + kSrc +
                             "/scenarios/piemonte/baseline.yaml\nname: long\nhorizon: 52 weeks\n"
                             "replicates: 20\nsweep:\n  step.readiness_rate: [1, 3]\n");
  const std::string out = d / "r.h5", work = out + ".parts";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string file = d / "long.yaml";
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    execl(kBin.c_str(), kBin.c_str(), "run", file.c_str(), "--quiet", "--threads", "1", "--out", out.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill it (SIGKILL: no chance to clean up) once three tasks are done.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (task_files(work) < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it was killed";
  const std::size_t done = task_files(work);
  ASSERT_GE(done, 3u);
  ASSERT_LT(done, 40u);
  EXPECT_FALSE(fs::exists(out));  // nothing that looks complete

  // Without --resume the work directory is not silently thrown away.
  auto r = cli("run " + d / "long.yaml" + " --quiet --out " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "add --resume")) << r.out;
  // --resume with other parameters refuses the task files.
  r = cli("run " + d / "long.yaml" + " --quiet --seed 99 --resume --out " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "does not belong to this run")) << r.out;
  EXPECT_TRUE(contains(r.out, "seed")) << r.out;
  EXPECT_EQ(task_files(work), done);

  r = cli("run " + d / "long.yaml" + " --threads 2 --resume --out " + out + " --format csv");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "resuming: " + std::to_string(done) + " of 40 tasks were done, running the other " +
                                  std::to_string(40 - done)))
      << r.out;
  EXPECT_FALSE(fs::exists(work));
  r = cli("run " + d / "long.yaml" + " --quiet --threads 2 --out " + d / "ref.h5");
  ASSERT_EQ(r.code, 0) << r.out;
  expect_same_data(d / "ref.h5", out);
  // Resuming a finished run does nothing.
  r = cli("run " + d / "long.yaml" + " --resume --out " + out);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "already complete")) << r.out;
}

TEST(Ensemble, InterruptKeepsTheFinishedTasksForResume) {
  TempDir d;
  write(d / "long.yaml", "extends: " + kSrc +
                             "/scenarios/piemonte/baseline.yaml\nname: long\nhorizon: 52 weeks\n"
                             "replicates: 30\n");
  const std::string out = d / "i.h5", work = out + ".parts", log = d / "log.txt";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string file = d / "long.yaml";
    std::freopen(log.c_str(), "w", stderr);
    std::freopen("/dev/null", "w", stdout);
    execl(kBin.c_str(), kBin.c_str(), "run", file.c_str(), "--threads", "1", "--out", out.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (task_files(work) < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 130) << "the run ended before it was interrupted";
  EXPECT_FALSE(fs::exists(out));
  EXPECT_GE(task_files(work), 2u);
  std::ifstream f(log);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(contains(text, "interrupted; no results file written. The finished tasks are kept in " + work)) << text;
  EXPECT_TRUE(contains(text, "--resume")) << text;
  const auto r = cli("run " + d / "long.yaml" + " --quiet --resume --out " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(out::Reader(out).replicates("long").size(), 30u);
}

// ---------------------------------------------------------------------------------------------
// compare over files

TEST(Compare, MixesFilesPicksScenariosAndBaseline) {
  TempDir d;
  const std::string step = kSrc + "/scenarios/piemonte/step_model.yaml",
                    hf = kSrc + "/scenarios/piemonte/housing_first.yaml";
  auto r = cli("run " + step + " --quiet --replicates 3 --out " + d / "a.h5");
  ASSERT_EQ(r.code, 0) << r.out;
  r = cli("run " + hf + " --quiet --replicates 3 --out " + d / "b.h5");
  ASSERT_EQ(r.code, 0) << r.out;
  // Two files: paired differences (same seed), as when both run together.
  r = cli("compare " + d / "a.h5" + " " + d / "b.h5" + " --format csv --quiet");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(r.out.rfind("scenario,indicator,unit,mean,ci_low,ci_high,n,diff,diff_ci_low,diff_ci_high,", 0) == 0)
      << r.out;
  EXPECT_TRUE(contains(r.out, "\nhousing_first,stably_housed_12m,share,0.")) << r.out;
  EXPECT_TRUE(contains(r.out, ",true,")) << r.out;  // paired
  const auto together = cli("compare " + step + " " + hf + " --quiet --replicates 3 --format csv");
  EXPECT_EQ(together.out, r.out);
  // --baseline puts a scenario first; --scenarios picks and orders.
  r = cli("compare " + d / "a.h5" + " " + d / "b.h5" + " --baseline housing_first --format markdown");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "difference from housing_first")) << r.out;
  EXPECT_LT(r.out.find("| housing_first |"), r.out.find("| step_model |")) << r.out;
  r = cli("compare " + d / "a.h5" + " " + d / "b.h5" + " --scenarios housing_first --format csv");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "\nhousing_first,stably_housed_12m,")) << r.out;
  EXPECT_FALSE(contains(r.out, "\nstep_model,")) << r.out;
  r = cli("compare " + d / "a.h5" + " " + d / "b.h5" + " --scenarios housing_first,nope");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "no scenario 'nope' in the inputs; they hold: step_model, housing_first")) << r.out;
  r = cli("compare " + d / "a.h5" + " " + d / "b.h5" + " --scenarios housing_first --baseline step_model");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "not among the scenarios picked")) << r.out;
  // The same name with other parameters in another file: told apart by file.
  r = cli("run " + step + " --quiet --replicates 3 --seed 5 --out " + d / "c.h5");
  ASSERT_EQ(r.code, 0) << r.out;
  r = cli("compare " + d / "a.h5" + " " + d / "c.h5" + " --format csv");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "\nstep_model@c.h5,stably_housed_12m,")) << r.out;
  EXPECT_TRUE(contains(r.out, ",false,")) << r.out;  // unpaired (other seeds)
  // The same file twice: the same tasks twice.
  r = cli("compare " + d / "a.h5" + " " + d / "a.h5");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "the same task twice")) << r.out;
}

// ---------------------------------------------------------------------------------------------
// Reading results elsewhere: the Python example

TEST(Analysis, ComparePyDrawsThePng) {
  const std::string py = PERCORSI_PYTHON;
  if (py.empty() || !fs::exists(py)) GTEST_SKIP() << "no python3";
  if (sh(py + " -c 'import h5py, pandas, matplotlib'").code != 0)
    GTEST_SKIP() << py << " lacks h5py, pandas or matplotlib";
  TempDir d;
  write(d / "s.yaml", tiny_sweep());
  auto r = cli("run " + d / "s.yaml" + " --quiet --out " + d / "t.h5");
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string png = d / "c.png";
  r = sh(py + " " + kSrc + "/examples/analysis/compare.py " + d / "t.h5" + " --out " + png +
         " --indicator cost_per_person --baseline tiny:hf_share=1.0:hf_flats=30");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "paired difference from tiny:hf_share=1.0:hf_flats=30")) << r.out;
  ASSERT_TRUE(fs::exists(png));
  EXPECT_GT(fs::file_size(png), 20000u);  // three panels of data, not an empty canvas
  std::ifstream f(png, std::ios::binary);
  unsigned char head[24] = {};
  f.read(reinterpret_cast<char*>(head), sizeof head);
  EXPECT_EQ(std::memcmp(head, "\x89PNG\r\n\x1a\n", 8), 0);
  const auto be32 = [&](int o) { return (head[o] << 24) | (head[o + 1] << 16) | (head[o + 2] << 8) | head[o + 3]; };
  EXPECT_GE(be32(16), 800);  // width
  EXPECT_GE(be32(20), 300);  // height
  // A scenario it does not hold: a clear message, non-zero exit.
  r = sh(py + " " + kSrc + "/examples/analysis/compare.py " + d / "t.h5" + " --out " + d / "x.png" +
         " --scenarios nope");
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(contains(r.out, "no scenario")) << r.out;
}
