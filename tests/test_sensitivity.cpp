// Sensitivity analysis: the plausible ranges of the registry (sim/registry/plausible.def) and its
// evidence classes (sim/registry/evidence.def), the Morris design and the Sobol estimators on
// analytic functions, the sensitivity file, the command.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

#include "output/dictionary.hpp"
#include "output/reader.hpp"
#include "output/validate.hpp"
#include "output/sensitivity_table.hpp"
#include "sim/registry/scenario.hpp"
#include "sim/study/robustness.hpp"
#include "sim/study/sensitivity.hpp"
#include "sim/stats/sensitivity.hpp"
#include "tests/cli_test_helpers.hpp"

using namespace percorsi;
using namespace percorsi::cli_test;
namespace fs = std::filesystem;

namespace {
const std::string kSrc = PERCORSI_SOURCE_DIR;

std::string number(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", x);
  return b;
}
bool numeric(Kind k) {
  return k == Kind::Real || k == Kind::Int || k == Kind::Duration;
}
}  // namespace

// Every assumption that is a number (Global or Territory) has a plausible range. After a merge
// that adds parameters, each failure names the line to add.
TEST(Plausible, EveryAssumptionHasARange) {
  for (const auto& p : registry()) {
    if (!numeric(p.kind) || !p.assumption()) continue;
    if (p.scope == Scope::Event) {
      ADD_FAILURE() << "'" << p.id << "' (" << p.path << "): an event key is the analyst's statement of the event, "
                    << "of class definition in sim/registry/evidence.def";
      continue;
    }
    const char* macro = p.scope == Scope::Global ? "PLAUSIBLE" : "PLAUSIBLE_T";
    EXPECT_TRUE(p.plausible)
        << "'" << p.id << "' (" << p.path << ") is an assumption without a plausible range: add `" << macro << "("
        << p.id << ", lo, hi, \"reason\")` to sim/registry/plausible.def (bounds [" << number(p.min) << ", "
        << number(p.max) << "], default '" << p.default_text << "', unit '" << p.unit
        << "'; durations in weeks), or make it a definition in sim/registry/evidence.def if the analyst chooses it";
  }
}

// Each range is a narrower interval than the bounds, holds the default, and fits its kind.
TEST(Plausible, RangesLieWithinTheBoundsAndHoldTheDefault) {
  const Scenario defaults = parse_scenario("seed: 1\nterritories:\n  - {name: A}\n", "defaults.yaml");
  int ranges = 0;
  for (const auto& p : registry()) {
    if (!p.plausible) continue;
    EXPECT_TRUE(p.evidence == Evidence::assumption || p.evidence == Evidence::calibrated ||
                p.evidence == Evidence::published)
        << p.id << " is of class " << evidence_name(p.evidence)
        << ": only uncertain values (assumptions, and calibrated or published values worth varying) take a range";
    ++ranges;
    const auto [lo, hi, why] = *p.plausible;
    const std::string at = "plausible range of '" + p.id + "' [" + number(lo) + ", " + number(hi) + "]: ";
    ASSERT_TRUE(numeric(p.kind) && p.scope != Scope::Event)
        << at << "only numbers of Global or Territory scope have ranges";
    const double def = p.scope == Scope::Global ? defaults.global[p.index].num : defaults.territories[0].v[p.index].num;
    EXPECT_LT(lo, hi) << at << "empty";
    EXPECT_TRUE(p.min <= lo && hi <= p.max)
        << at << "outside the bounds [" << number(p.min) << ", " << number(p.max) << "]";
    EXPECT_TRUE(p.min < lo || hi < p.max) << at << "no narrower than the bounds";
    EXPECT_TRUE(lo <= def && def <= hi) << at << "leaves out the default " << number(def);
    if (p.kind == Kind::Int) {
      EXPECT_TRUE(lo == std::round(lo) && hi == std::round(hi)) << at << "an integer parameter takes integer ends";
    }
    EXPECT_FALSE(why.empty()) << at << "no reason";
  }
  // Every line of plausible.def (and every PLAUSIBLE line beside a parameter in params.def)
  // reached a parameter (a repeated id would overwrite another line).
  int lines = 0;
#define PLAUSIBLE(...) ++lines;
#define PLAUSIBLE_T(...) ++lines;
#define PARAM(...)
#include "sim/registry/plausible.def"
#include "sim/registry/params.def"
#undef PARAM
#undef PLAUSIBLE
#undef PLAUSIBLE_T
  EXPECT_EQ(lines, ranges) << "sim/registry/plausible.def names a parameter twice";
}

// The initial shares of the population stay within 1 everywhere in their plausible ranges.
TEST(Plausible, InitialSharesFitTogether) {
  double top = 0;
  for (G id : {G::population_initial_street, G::population_initial_shelter, G::population_initial_transitional})
    top += plausible(id)->hi;
  EXPECT_LE(top, 1 + 1e-12);
  EXPECT_LE(plausible(G::population_age_min)->hi, plausible(G::population_age_max)->lo);
}

// ---- Evidence classes (sim/registry/evidence.def) ---------------------------------------------------

namespace {
const char* const kScopeMacro[3] = {"EVIDENCE", "EVIDENCE_T", "EVIDENCE_E"};
}  // namespace

// Every parameter of every scope has one line in evidence.def, of a known class, with a detail.
TEST(Evidence, EveryParameterHasOneLineOfAKnownClass) {
  int lines[3] = {0, 0, 0};
  auto line = [&](Scope s, const char* id, const std::string& cls, const std::string& detail) {
    ++lines[static_cast<int>(s)];
    EXPECT_NE(evidence_of(cls), Evidence::missing)
        << "sim/registry/evidence.def: " << kScopeMacro[static_cast<int>(s)] << "(" << id << ", " << cls
        << ", ...): unknown class '" << cls << "' (one of: published, calibrated, assumption, legal, definition)";
    EXPECT_FALSE(detail.empty()) << "sim/registry/evidence.def: " << id << " has no detail";
  };
#define EVIDENCE(id, cls, detail) line(Scope::Global, #id, #cls, detail);
#define EVIDENCE_T(id, cls, detail) line(Scope::Territory, #id, #cls, detail);
#define EVIDENCE_E(id, cls, detail) line(Scope::Event, #id, #cls, detail);
#define PARAM(...)
#include "sim/registry/evidence.def"
#include "sim/registry/params.def"
#undef PARAM
#undef EVIDENCE
#undef EVIDENCE_T
#undef EVIDENCE_E
  for (const auto& p : registry()) {
    EXPECT_NE(p.evidence, Evidence::missing)
        << "'" << p.id << "' (" << p.path << ") has no evidence class: add `" << kScopeMacro[static_cast<int>(p.scope)]
        << "(" << p.id << ", class, \"detail\")` to sim/registry/evidence.def (published, calibrated, assumption, "
        << "legal or definition; its source: '" << p.source << "')";
  }
  for (Scope s : {Scope::Global, Scope::Territory, Scope::Event}) {
    EXPECT_EQ(lines[static_cast<int>(s)], static_cast<int>(params_of(s).size()))
        << "sim/registry/evidence.def has " << lines[static_cast<int>(s)] << " lines "
        << kScopeMacro[static_cast<int>(s)] << " for " << params_of(s).size()
        << " parameters: one missing, or one given twice";
  }
}

// The source text agrees with the class: it starts with "assumption" for an assumption and with
// "calibrated" for a calibrated value, and only then.
TEST(Evidence, SourceAgreesWithTheClass) {
  for (const auto& p : registry()) {
    const bool says_assumption = p.source.rfind("assumption", 0) == 0;
    const bool says_calibrated = p.source.rfind("calibrated", 0) == 0;
    EXPECT_EQ(says_assumption, p.evidence == Evidence::assumption)
        << p.path << ": class " << evidence_name(p.evidence) << ", source '" << p.source << "'";
    EXPECT_EQ(says_calibrated, p.evidence == Evidence::calibrated)
        << p.path << ": class " << evidence_name(p.evidence) << ", source '" << p.source << "'";
  }
}

// A calibrated value names the calibration file that fits it (scenarios/calibration/*.yaml, its
// `parameters:` holding the parameter), and every parameter those files fit is calibrated and
// names its file.
TEST(Evidence, CalibratedNamesTheCalibrationFileThatFitsIt) {
  const std::regex file_re("scenarios/calibration/[A-Za-z0-9_.-]+\\.yaml");
  EXPECT_FALSE(params_of(Evidence::calibrated).empty());
  for (const ParamSpec* p : params_of(Evidence::calibrated)) {
    std::smatch m;
    if (!std::regex_search(p->evidence_detail, m, file_re)) {
      ADD_FAILURE() << p->path << ": a calibrated value names its calibration file (scenarios/calibration/NAME.yaml): '"
                    << p->evidence_detail << "'";
      continue;
    }
    const std::string file = kSrc + "/" + m.str();
    ASSERT_TRUE(fs::exists(file)) << p->path << ": " << m.str() << " does not exist";
    const YAML::Node params = YAML::LoadFile(file)["parameters"];
    EXPECT_TRUE(params && (params[p->path] || params[p->id])) << p->path << ": " << m.str() << " does not fit it";
  }
  for (const auto& f : fs::directory_iterator(kSrc + "/scenarios/calibration")) {
    if (f.path().extension() != ".yaml") continue;
    const std::string name = "scenarios/calibration/" + f.path().filename().string();
    for (const auto& kv : YAML::LoadFile(f.path().string())["parameters"]) {
      const ParamSpec* p = find_global_param(kv.first.Scalar());
      ASSERT_NE(p, nullptr) << name << ": " << kv.first.Scalar();
      EXPECT_EQ(p->evidence, Evidence::calibrated)
          << name << " fits " << p->path << ", of class " << evidence_name(p->evidence);
      EXPECT_NE(p->evidence_detail.find(name), std::string::npos) << p->path << ": the detail does not name " << name;
    }
  }
}

// A published value names its source with a year, then the estimate: "Source YEAR ...: estimate".
TEST(Evidence, PublishedNamesItsSource) {
  const std::regex source_re("^[^:]*\\b(19|20)[0-9][0-9]\\b[^:]*: .+");
  EXPECT_FALSE(params_of(Evidence::published).empty());
  for (const ParamSpec* p : params_of(Evidence::published)) {
    EXPECT_TRUE(std::regex_search(p->evidence_detail, source_re))
        << p->path << ": a published value's detail names the source with its year, then the estimate, its interval "
        << "where known and the population ('Source YEAR: estimate ...'), got '" << p->evidence_detail << "'";
  }
}

// ---- The designs and the estimators (sim/stats/sensitivity.hpp) ----------------------------------

TEST(Morris, EachTrajectoryMovesOneFactorAtATimeByDeltaOnTheGrid) {
  const int k = 5, r = 20, p = 4;
  const sens::Design d = sens::morris_design(k, r, p, 7);
  ASSERT_EQ(d.points(), static_cast<std::size_t>(r * (k + 1)));
  const double delta = p / (2.0 * (p - 1));
  for (std::size_t j = 0; j < d.points(); ++j)
    for (int i = 0; i < k; ++i) {
      const double level = d.at(j, i) * (p - 1);
      EXPECT_NEAR(level, std::round(level), 1e-12) << "point " << j << " factor " << i << " is off the grid";
      EXPECT_TRUE(d.at(j, i) >= 0 && d.at(j, i) <= 1) << j << " " << i;
    }
  for (int t = 0; t < r; ++t) {
    std::vector<int> moved(k, 0);
    for (int s = 0; s < k; ++s) {
      const std::size_t j = static_cast<std::size_t>(t * (k + 1) + s);
      int changed = 0;
      for (int i = 0; i < k; ++i)
        if (d.at(j + 1, i) != d.at(j, i)) {
          ++changed, ++moved[i];
          EXPECT_NEAR(std::fabs(d.at(j + 1, i) - d.at(j, i)), delta, 1e-12) << "trajectory " << t << " step " << s;
        }
      EXPECT_EQ(changed, 1) << "trajectory " << t << " step " << s;
    }
    EXPECT_EQ(moved, std::vector<int>(k, 1)) << "trajectory " << t << ": each factor moves once";
  }
  // Reproducible from the seed, and another seed gives another design.
  EXPECT_EQ(sens::morris_design(k, r, p, 7).x, d.x);
  EXPECT_NE(sens::morris_design(k, r, p, 8).x, d.x);
  EXPECT_THROW(sens::morris_design(k, r, 3, 7), std::invalid_argument);  // odd levels: Delta is off the grid
}

TEST(Morris, IndicesOfALinearFunctionAndAFactorWithoutEffect) {
  const sens::Design d = sens::morris_design(3, 12, 6, 1);
  std::vector<double> y;
  for (std::size_t j = 0; j < d.points(); ++j) y.push_back(3 * d.at(j, 0) - 2 * d.at(j, 1) + 0 * d.at(j, 2));
  const auto m = sens::morris_indices(d, y);
  EXPECT_NEAR(m[0].mu, 3, 1e-9);
  EXPECT_NEAR(m[0].mu_star, 3, 1e-9);
  EXPECT_NEAR(m[1].mu, -2, 1e-9);
  EXPECT_NEAR(m[1].mu_star, 2, 1e-9);
  EXPECT_NEAR(m[1].sigma, 0, 1e-9);
  EXPECT_EQ(m[2].mu_star, 0);  // no effect: every elementary effect is exactly zero
  EXPECT_EQ(m[2].n, 12);
  // An undefined output leaves out the two effects it takes part in.
  y[1] = std::nan("");
  const auto n = sens::morris_indices(d, y);
  EXPECT_EQ(n[0].n + n[1].n + n[2].n, 3 * 12 - 2);
}

TEST(Morris, SignShare) {
  EXPECT_EQ(sens::sign_share({0.1, 0.2, 3, std::nan("")}, 0.5), 1.0);
  EXPECT_EQ(sens::sign_share({0.1, -0.2, 0, 1}, 0.5), 0.5);
  EXPECT_TRUE(std::isnan(sens::sign_share({0.1}, std::nan(""))));
}

namespace {
// Sobol' indices of f over the unit cube; each estimate within 4 standard errors (which shrink
// as 1/sqrt(N)) of the analytic value.
template <class F>
void expect_sobol(F f, int k, int N, const std::vector<double>& s1, const std::vector<double>& st) {
  const sens::Design d = sens::saltelli_design(k, N);
  ASSERT_EQ(d.points(), static_cast<std::size_t>(N * (k + 2)));
  std::vector<double> y;
  for (std::size_t j = 0; j < d.points(); ++j) y.push_back(f(&d.x[j * k]));
  const auto s = sens::sobol_indices(k, N, y);
  for (int i = 0; i < k; ++i) {
    EXPECT_LT(s[i].s1_se + s[i].st_se, 8.0 / std::sqrt(N)) << i;  // the tolerance is tight enough to mean something
    EXPECT_NEAR(s[i].s1, s1[i], 4 * s[i].s1_se + 1e-9) << "S1 of factor " << i << ", N = " << N;
    EXPECT_NEAR(s[i].st, st[i], 4 * s[i].st_se + 1e-9) << "ST of factor " << i << ", N = " << N;
  }
}
}  // namespace

TEST(Sobol, IshigamiFunction) {
  const double pi = std::acos(-1.0), a = 7, b = 0.1;
  auto f = [&](const double* u) {
    const double x1 = -pi + 2 * pi * u[0], x2 = -pi + 2 * pi * u[1], x3 = -pi + 2 * pi * u[2];
    return std::sin(x1) + a * std::sin(x2) * std::sin(x2) + b * std::pow(x3, 4) * std::sin(x1);
  };
  // Analytic indices (Ishigami & Homma 1990; Sobol' & Levitan 1999).
  const double v1 = 0.5 * std::pow(1 + b * std::pow(pi, 4) / 5, 2), v2 = a * a / 8;
  const double v13 = std::pow(b, 2) * std::pow(pi, 8) * (1.0 / 18 - 1.0 / 50), v = v1 + v2 + v13;
  expect_sobol(f, 3, 4096, {v1 / v, v2 / v, 0}, {(v1 + v13) / v, v2 / v, v13 / v});
}

TEST(Sobol, LinearFunction) {
  auto f = [](const double* u) { return u[0] + 2 * u[1] + 3 * u[2] + 0 * u[3]; };
  expect_sobol(f, 4, 4096, {1 / 14.0, 4 / 14.0, 9 / 14.0, 0}, {1 / 14.0, 4 / 14.0, 9 / 14.0, 0});
}

// ---- The sensitivity file and the command (sim/registry/sensitivity_spec, sim/study/sensitivity) ------

namespace {
// The shipped step model and Housing First, a fifth of the people, over one year; and a
// sensitivity file comparing them (`body`: the rest of the file).
std::string small_comparison(const TempDir& d, const std::string& body) {
  for (const char* s : {"step_model", "housing_first"})
    d.write(std::string(s) + ".yaml",
            "extends: " + kSrc + "/scenarios/piemonte/" + s + ".yaml\nscale: 0.2\nhorizon: 1 year\n");
  return d.write("s.yaml", "scenarios: [step_model.yaml, housing_first.yaml]\n" + body);
}

const std::string kDesign =
    "parameters:\n"
    "  - costs.housing_first_per_day: {range: [20, 32]}\n"
    "  - costs.provider_hour            # a cost: no effect on housing\n"
    "  - housing.hf_share               # used by the mixed model only: no effect at all\n"
    "  - step.move_on_rate: {range: [1, 2.2]}  # moves housing (the upper part of its plausible range)\n"
    "trajectories: 3\n"
    "replicates: 2\n"
    "outputs: [stably_housed_12m, cost_per_person]\n";

SensitivityResult run(const SensitivitySpec& spec, int threads, const std::string& out = "") {
  SensitivityOptions opt;
  opt.threads = threads;
  opt.progress = false;
  return *run_sensitivity(spec, opt, out);
}

// The data dictionary of a sensitivity file, with the indices of `method` only.
std::vector<out::DictEntry> dictionary_of(const std::string& method) {
  std::vector<std::string> other = {"s1", "s1_se", "st", "st_se", "mu_star", "mu", "sigma", "rho"};
  const std::vector<std::string> own = method == "morris"  ? std::vector<std::string>{"mu_star", "mu", "sigma"}
                                       : method == "sobol" ? std::vector<std::string>{"s1", "s1_se", "st", "st_se"}
                                                           : std::vector<std::string>{"rho"};
  std::erase_if(other, [&](const std::string& x) { return std::find(own.begin(), own.end(), x) != own.end(); });
  auto dict = out::dictionary_for("sensitivity");
  std::erase_if(dict, [&](const out::DictEntry& e) {
    return std::any_of(other.begin(), other.end(), [&](const std::string& x) { return e.path == "/sensitivity/" + x; });
  });
  return dict;
}

// Equal to the bit, NaN included.
bool same(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}
}  // namespace

TEST(Sensitivity, NoEffectGivesZeroAndASteadySignGivesAllPoints) {
  TempDir d;
  const SensitivitySpec spec = load_sensitivity(small_comparison(d, kDesign));
  ASSERT_EQ(spec.parameters.size(), 4u);
  EXPECT_EQ(spec.points(), 3u * 5u);
  const SensitivityResult r = run(spec, 2);
  ASSERT_EQ(r.runs.size(), 16u * 2 * 2 * 2);
  auto mu_star = [&](std::size_t o, std::size_t i) { return r.morris[o * 4 + i]; };
  // A cost moves no housing indicator; the Housing First share of the mixed model moves nothing
  // in a comparison of the step model with Housing First: their elementary effects are zero.
  EXPECT_EQ(mu_star(0, 1).mu_star, 0);
  EXPECT_EQ(mu_star(0, 1).n, 3);
  for (std::size_t o = 0; o < 2; ++o) {
    EXPECT_EQ(mu_star(o, 2).mu_star, 0) << spec.outputs[o];
    EXPECT_EQ(mu_star(o, 2).sigma, 0) << spec.outputs[o];
  }
  EXPECT_GT(mu_star(1, 0).mu_star, 0);  // the price of a Housing First flat does move the cost
  EXPECT_GT(mu_star(1, 0).mu, 0);
  // Housing First costs more per person at every point: its sign holds everywhere.
  EXPECT_GT(r.diff(0, 0, 1), 0);
  EXPECT_EQ(r.sign_share[1], 1.0);
  const auto lines = sensitivity_conclusions(r);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("housing_first behind step_model on cost per person in 100% of the space varied"),
            std::string::npos)
      << lines[1];
  EXPECT_EQ(r.ranking(0, 1).front(), 0u) << "the price of a flat moves the cost most";
}

TEST(Sensitivity, ResultsDoNotDependOnTheThreads) {
  TempDir d;
  const SensitivitySpec spec = load_sensitivity(small_comparison(d, kDesign));
  const SensitivityResult one = run(spec, 1), two = run(spec, 2);
  EXPECT_TRUE(same(one.runs, two.runs));
  EXPECT_TRUE(same(one.diffs, two.diffs));
  EXPECT_EQ(format_sensitivity(one, TableFormat::Csv), format_sensitivity(two, TableFormat::Csv));
}

TEST(Sensitivity, SobolResultsFileMatchesTheDictionary) {
  TempDir d;
  const SensitivitySpec spec = load_sensitivity(small_comparison(
      d,
      "parameters: [housing_first.tenancy_loss_rate, step.move_on_rate]\nmethod: sobol\nsamples: 4\nreplicates: 1\n"
      "outputs: [time_stably_housed]\n"));
  const std::string out = (d.path / "s.h5").string();
  const SensitivityResult r = run(spec, 2, out);
  ASSERT_EQ(r.sobol.size(), 2u);
  for (const auto& p : out::check_against_dictionary(out, dictionary_of("sobol"))) ADD_FAILURE() << p;
  const out::SensitivityTable t = out::read_sensitivity_table(out);
  EXPECT_EQ(t.method, "sobol");
  EXPECT_EQ(t.parameters, (std::vector<std::string>{"housing_first.tenancy_loss_rate", "step.move_on_rate"}));
  EXPECT_EQ(t.design.size(), 4u * 4u * 2u);
  EXPECT_EQ(t.values.size(), 16u);
  EXPECT_EQ(t.default_values[0], r.diff(0, 0, 0));
  EXPECT_EQ(t.st[1], r.sobol[1].st);
  EXPECT_EQ(t.design[1], spec.parameters[1].value(r.design.x[1]));
  const auto sums = read_summaries(out);  // the comparison at the scenarios' values, as `percorsi run` writes it
  ASSERT_EQ(sums.size(), 2u);
  EXPECT_EQ(sums[1].headline.at("time_stably_housed")[0] - sums[0].headline.at("time_stably_housed")[0],
            t.default_values[0]);
}

TEST(Sensitivity, CommandPrintsTheConclusionsAndWritesTheFile) {
  TempDir d;
  const std::string f = small_comparison(d, kDesign), out = (d.path / "r.h5").string();
  auto r = sh("sensitivity " + f + " --threads 2 --quiet --out " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("housing_first behind step_model on cost per person in 100% of the space varied"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("mu*"), std::string::npos);
  for (const auto& p : out::check_against_dictionary(out, dictionary_of("morris"))) ADD_FAILURE() << p;
  r = sh("validate " + f);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find(": ok (sensitivity s: 2 scenarios, 4 parameters, morris, 15 design points, 2 replicates)"),
            std::string::npos)
      << r.out;
  r = sh("validate " + kSrc + "/scenarios/sensitivity/housing_first.yaml");  // the shipped example
  EXPECT_EQ(r.code, 0) << r.out;
  r = sh("sensitivity " + f + " --quiet --out " + out);  // an existing file is kept
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("already exists"), std::string::npos) << r.out;
  r = sh("sensitivity " + f + " --quiet --format csv", false);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("difference,output,parameter,lo,hi,rank,value_at_defaults,sign_share,mu_star,mu,sigma,n\n", 0),
            0u)
      << r.out;
  EXPECT_NE(r.out.find("housing_first - step_model,stably_housed_12m,costs.provider_hour,25,40,"), std::string::npos);
}

// Under mpirun the ranks share the design points, their values summed over the ranks: the same table.
TEST(Sensitivity, MpiRanksGiveTheSameResults) {
  const std::string mpirun = mpi_launcher(2);
  if (mpirun.empty()) GTEST_SKIP() << "built without MPI, or no mpiexec";
  TempDir d;
  const std::string f = small_comparison(d, kDesign);
  const auto one = sh("sensitivity " + f + " --threads 1 --quiet --format csv", false);
  ASSERT_EQ(one.code, 0) << one.out;
  const auto two =
      sh("sensitivity " + f + " --threads 1 --quiet --format csv --out " + (d.path / "mpi.h5").string(), false, mpirun);
  ASSERT_EQ(two.code, 0) << two.out;
  EXPECT_EQ(two.out, one.out);
  EXPECT_EQ(out::read_sensitivity_table((d.path / "mpi.h5").string()).runs.size(), 15u * 2 * 2 * 2);
}

// Bad sensitivity files: exit code 2, every problem at its file:line:column, no results file.
TEST(Sensitivity, BadFilesNameTheLineAndColumn) {
  TempDir d;
  small_comparison(d, "");
  d.write("other_seed.yaml", "extends: " + kSrc + "/scenarios/piemonte/housing_first.yaml\nseed: 7\n");
  d.write("lever.yaml", "extends: " + kSrc + "/scenarios/piemonte/housing_first.yaml\nstep: {readiness_rate: 2}\n");
  const std::string two = "scenarios: [step_model.yaml, housing_first.yaml]\n";
  const struct {
    std::string text;
    const char* expect;
  } cases[] = {
      {two + "trajectorys: 4\nparameters: assumptions\n",
       ":2:1: unknown key 'trajectorys' (did you mean 'trajectories'?)"},
      {two + "parameters: [step.move_on_rat]\n",
       ":2:14: unknown parameter 'step.move_on_rat' (did you mean 'step.move_on_rate'?)"},
      {two + "parameters:\n  - territories[].shelter_beds\n",
       ":3:5: 'territories[].shelter_beds' is a key of each territory"},
      {two + "parameters: [housing.model]\n", ":2:14: 'housing.model' is a choice: only numbers"},
      {two + "parameters:\n  - step.move_on_rate: {range: [0.5, 99]}\n",
       ":3:32: range [0.5, 99] of 'step.move_on_rate' must have lo < hi within its bounds [0, 52]"},
      {two + "parameters:\n  - step.move_on_rate: {range: [1 month, 2]}\n", ":3:33: '1 month' is not a number"},
      {two + "parameters: [exits.health_coef, exits.health_coef]\n", ":2:33: 'exits.health_coef' is listed twice"},
      {two + "parameters: [seed]\n", ":2:14: 'seed' has no plausible range in the registry"},
      {two + "parameters: assumptions\nlevels: 3\n", ":3:9: levels must be even"},
      {two + "parameters: assumptions\nsamples: 8\n", ":3:10: 'samples' is for method sobol"},
      {two + "parameters: assumptions\nmethod: sobel\n", ":3:9: unknown method 'sobel' (did you mean 'sobol'?)"},
      {two + "parameters: assumptions\noutputs: [stably_housed_24m]\n",
       ":3:11: 'stably_housed_24m' needs a horizon of at least 104 weeks; the runs have 52"},
      {two + "parameters: assumptions\noutputs: [stably_housd_12m]\n",
       ":3:11: unknown headline indicator 'stably_housd_12m' (did you mean 'stably_housed_12m'?)"},
      {two + "parameters: assumptions\nreplicates: 0\n",
       ":3:13: 'replicates' expects a whole number from 1 to 100000, got '0'"},
      // The scenarios of the comparison: two or more, the same seed, no lever among the parameters.
      {"scenarios: [step_model.yaml]\nparameters: assumptions\n", ":1:12: 'scenarios' expects a list of two or more"},
      {"scenarios: [step_model.yaml, nowhere.yaml]\nparameters: assumptions\n",
       ":1:30: scenario file 'nowhere.yaml' not found"},
      {"scenarios: [step_model.yaml, other_seed.yaml]\nparameters: assumptions\n",
       ":1:30: 'other_seed.yaml' has seed 7"},
      {"scenarios: [step_model.yaml, lever.yaml]\nparameters: [step.readiness_rate]\n",
       ":2:14: 'step.readiness_rate' differs between the scenarios"},
  };
  for (const auto& c : cases) {
    const std::string f = d.write("bad.yaml", c.text), out = (d.path / "never.h5").string();
    const auto r = sh("sensitivity " + f + " --quiet --out " + out);
    EXPECT_EQ(r.code, 2) << c.text << r.out;
    EXPECT_NE(r.out.find(f + c.expect), std::string::npos) << "expected " << c.expect << "\n got: " << r.out;
    EXPECT_FALSE(fs::exists(out));
    EXPECT_EQ(sh("validate " + f).code, 2);
  }
}

TEST(Sensitivity, AssumptionsLeaveTheLeversOut) {
  TempDir d;
  small_comparison(d, "");
  d.write("lever.yaml", "extends: step_model.yaml\nname: lever\nstep: {readiness_rate: 2}\n");
  const SensitivitySpec s =
      load_sensitivity(d.write("a.yaml", "scenarios: [step_model.yaml, lever.yaml]\nparameters: assumptions\n"));
  std::size_t with_range = 0;
  for (const auto* p : params_of(Scope::Global)) with_range += p->plausible.has_value();
  EXPECT_EQ(s.parameters.size(), with_range - 1);
  for (const auto& p : s.parameters) EXPECT_NE(p.spec->path, "step.readiness_rate");
  EXPECT_NE(std::find(s.notes.begin(), s.notes.end(),
                      "step.readiness_rate left out: the scenarios differ in it (a lever of the comparison)"),
            s.notes.end());
  EXPECT_EQ(s.points(), 10 * (s.parameters.size() + 1));  // Morris by default: 10 trajectories
  EXPECT_EQ(s.replicates, 2);
}

// ---- Latin hypercube, rank correlations and the robustness of a comparison (docs/robustness.md) ----

TEST(LatinHypercube, EachFactorTakesEveryStratumOnce) {
  const sens::Design d = sens::latin_hypercube(3, 8, 5);
  ASSERT_EQ(d.points(), 8u);
  for (int i = 0; i < 3; ++i) {
    std::vector<double> col;
    for (std::size_t j = 0; j < 8; ++j) col.push_back(d.at(j, i));
    std::sort(col.begin(), col.end());
    for (std::size_t j = 0; j < 8; ++j) EXPECT_DOUBLE_EQ(col[j], (j + 0.5) / 8) << "factor " << i;
  }
  EXPECT_EQ(sens::latin_hypercube(3, 8, 5).x, d.x);  // the same seed, the same design
  EXPECT_NE(sens::latin_hypercube(3, 8, 6).x, d.x);
  EXPECT_THROW(sens::latin_hypercube(0, 8, 1), std::invalid_argument);
}

TEST(LatinHypercube, RankCorrelations) {
  const sens::Design d = sens::latin_hypercube(3, 50, 1);
  std::vector<double> y;
  for (std::size_t j = 0; j < d.points(); ++j) y.push_back(std::exp(3 * d.at(j, 0)) - 0.1 * d.at(j, 1));
  y[7] = std::nan("");  // an undefined point is left out
  const auto rho = sens::rank_correlations(d, y);
  ASSERT_EQ(rho.size(), 3u);
  EXPECT_GT(rho[0], 0.95);  // monotone in factor 0: near +1 whatever the curve
  EXPECT_LT(rho[1], 0.2);
  EXPECT_LT(std::fabs(rho[2]), 0.3);  // no effect: chance only
  EXPECT_EQ(sens::rank_correlations(d, std::vector<double>(50, 2.0))[0], 0);  // a constant output
  EXPECT_TRUE(std::isnan(sens::rank_correlations(d, {1, 2})[0]));             // fewer than three points
  EXPECT_NEAR(sens::rank_correlation_threshold(1, 101), 1.96 / 10, 1e-3);  // z of 5%, two-sided
  EXPECT_NEAR(sens::rank_correlation_threshold(2, 101), 2.241 / 10, 1e-3);  // Bonferroni over two
  EXPECT_TRUE(std::isnan(sens::rank_correlation_threshold(3, 2)));
}

TEST(Robustness, VerdictSide) {
  EXPECT_EQ(verdict_side(0.5, 1), 0);
  EXPECT_EQ(verdict_side(-1.5, 1), -1);
  EXPECT_EQ(verdict_side(1, 1), 1);  // at least the MID
  EXPECT_EQ(verdict_side(0.01, std::nan("")), 1);
  EXPECT_EQ(verdict_side(0, std::nan("")), 0);
}

namespace {
// The robustness of the small comparison over a design of its own (method lhs).
Robustness robustness_over(const TempDir& d, const std::string& design) {
  RobustnessOptions opt;
  opt.threads = 2;
  opt.progress = false;
  return *robustness_of(load_sensitivity(small_comparison(d, design)), opt);
}
const std::string kFlip =
    "parameters:\n"
    "  - costs.housing_first_per_day: {range: [0, 200]}  # HF cheaper when its flats cost nothing, dearer at 200 a day\n"
    "  - housing.hf_share                                # the mixed model's only: no effect\n"
    "method: lhs\nsamples: 20\nreplicates: 1\noutputs: [stably_housed_12m, cost_per_person]\n";
}  // namespace

// A difference no assumption can move keeps its side at every point and rests on nothing; one whose
// sign flips within the range of one assumption keeps it at only part of the points and names it.
TEST(Robustness, ShareAndWhatItRestsOn) {
  TempDir d;
  const Robustness r = robustness_over(d, kFlip);
  EXPECT_EQ(r.points, 20);
  EXPECT_EQ(r.parameters, (std::vector<std::string>{"costs.housing_first_per_day", "housing.hf_share"}));
  EXPECT_EQ(r.indicators, (std::vector<std::string>{"stably_housed_12m", "cost_per_person"}));
  const RobustnessCell* housed = r.cell("housing_first", "stably_housed_12m");
  ASSERT_TRUE(housed);
  EXPECT_EQ(housed->defined(), 20);
  EXPECT_EQ(housed->share(+1), 1.0);  // Housing First houses more people whatever the price of a place
  EXPECT_TRUE(housed->rests_on.empty());
  EXPECT_EQ(robustness_text(*housed, +1), "1.00");
  const RobustnessCell* cost = r.cell("housing_first", "cost_per_person");
  ASSERT_TRUE(cost);
  EXPECT_GT(cost->side[2], 0) << "Housing First costs more at one end of the price range of its flats";
  EXPECT_GT(cost->side[0] + cost->side[1], 0) << "and less, or less than the MID more, at the other";
  EXPECT_LT(cost->share(+1), 1.0);
  EXPECT_NEAR(cost->share(-1) + cost->share(0) + cost->share(+1), 1.0, 1e-12);
  ASSERT_FALSE(cost->rests_on.empty());
  EXPECT_EQ(cost->rests_on.front(), "costs.housing_first_per_day");
  // The price of a Housing First day moves Housing First's extra cost one way all along its range.
  EXPECT_GT(std::abs(cost->rho.front()), 0.9);
  EXPECT_EQ(cost->rests_on.size(), 1u) << "an assumption without effect is not named";
  EXPECT_EQ(robustness_text(*cost, +1).find(" (rests on: costs.housing_first_per_day)"), 4u)
      << robustness_text(*cost, +1);
  EXPECT_EQ(r.cell("step_model", "cost_per_person"), nullptr);  // the first scenario has no difference
}

TEST(Robustness, NeedsMethodLhsAndSoundOptions) {
  TempDir d;
  EXPECT_THROW(robustness_of(load_sensitivity(small_comparison(d, kDesign)), {}), ScenarioError);
  RobustnessOptions bad;
  bad.points = 5;
  EXPECT_THROW(check_robustness_options(bad), ScenarioError);
  bad.points = 10, bad.replicates = 0;
  EXPECT_THROW(check_robustness_options(bad), ScenarioError);
}

TEST(Robustness, LhsSensitivityFileGivesRankCorrelations) {
  TempDir d;
  const std::string f = small_comparison(d, kFlip), out = (d.path / "lhs.h5").string();
  auto r = sh("sensitivity " + f + " --threads 2 --quiet --format csv --out " + out, false);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("difference,output,parameter,lo,hi,rank,value_at_defaults,sign_share,rho,n\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("housing_first - step_model,cost_per_person,costs.housing_first_per_day,0,200,1,"),
            std::string::npos)
      << r.out;
  for (const auto& p : out::check_against_dictionary(out, dictionary_of("lhs"))) ADD_FAILURE() << p;
  EXPECT_EQ(out::read_sensitivity_table(out).rho.size(), 2u * 2u);
}

// `compare --robustness`: the two last CSV columns; without the option the CSV is as before.
TEST(Robustness, CompareCsvEndsWithTheTwoColumns) {
  TempDir d;
  small_comparison(d, "");
  const std::string files = (d.path / "step_model.yaml").string() + " " + (d.path / "housing_first.yaml").string();
  const auto plain = sh("compare " + files + " --replicates 2 --threads 2 --quiet --format csv", false);
  ASSERT_EQ(plain.code, 0) << plain.out;
  const auto r = sh("compare " + files +
                        " --replicates 2 --threads 2 --quiet --format csv --robustness --robustness-points 10 "
                        "--robustness-replicates 1",
                    false);
  ASSERT_EQ(r.code, 0) << r.out;
  std::istringstream a(plain.out), b(r.out);
  std::string la, lb;
  std::getline(a, la), std::getline(b, lb);
  EXPECT_EQ(lb, la + ",robust_share,rests_on");
  int rows = 0, shares = 0;
  while (std::getline(a, la) && std::getline(b, lb)) {
    ASSERT_EQ(lb.rfind(la + ",", 0), 0u) << "the table's columns are unchanged:\n" << la << "\n" << lb;
    const std::string extra = lb.substr(la.size() + 1);
    const auto comma = extra.rfind(',');
    ASSERT_NE(comma, std::string::npos) << lb;
    const std::string share = extra.substr(0, comma);
    ++rows;
    if (la.rfind("step_model,", 0) == 0 || la.find(",icer_") != std::string::npos || la.find(",cost_offset,") != std::string::npos) {
      EXPECT_EQ(extra, ",") << "no difference, no robustness: " << lb;
      continue;
    }
    if (share.empty()) continue;  // no verdict (n/a)
    ++shares;
    const double x = std::stod(share);
    EXPECT_TRUE(x >= 0 && x <= 1) << lb;
  }
  EXPECT_FALSE(std::getline(b, lb)) << "one row each";
  EXPECT_GT(rows, 10);
  EXPECT_GT(shares, 5);
  EXPECT_NE(r.out.find("housing_first,stably_housed_12m,"), std::string::npos);
}

// `compare --robustness --out F.h5`: F.h5 keeps each difference's robust_share and rests_on as the
// table gives them (/robustness, in the data dictionary); without --robustness it has none.
TEST(Robustness, CompareOutKeepsItInTheResultsFile) {
  TempDir d;
  small_comparison(d, "");
  const std::string files = (d.path / "step_model.yaml").string() + " " + (d.path / "housing_first.yaml").string();
  const std::string h5 = (d.path / "robust.h5").string(), plain = (d.path / "plain.h5").string();
  const auto r = sh("compare " + files +
                        " --replicates 2 --threads 2 --format csv --robustness --robustness-points 10 "
                        "--robustness-replicates 1 --out " + h5,
                    false);
  ASSERT_EQ(r.code, 0) << r.out;
  for (const auto& p : out::check_against_dictionary(h5, out::dictionary_for("robustness"))) ADD_FAILURE() << p;
  EXPECT_EQ(out::results_damage(h5, true), "");
  const auto t = out::Reader(h5).robustness();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->baseline, "step_model");
  EXPECT_EQ(t->points, 10);
  EXPECT_EQ(t->replicates, 1);
  EXPECT_GT(t->assumptions.size(), 10u);
  // Every CSV row with a robust_share has its row in the file, with the same share and rests_on;
  // the file has no other.
  std::istringstream csv(r.out);
  std::string line;
  std::getline(csv, line);
  std::size_t with_share = 0;
  while (std::getline(csv, line)) {
    if (line.rfind("housing_first,", 0) != 0) continue;
    const std::string indicator = line.substr(14, line.find(',', 14) - 14);
    const auto last = line.rfind(','), before = line.rfind(',', last - 1);
    const std::string share = line.substr(before + 1, last - before - 1), rests = line.substr(last + 1);
    if (share.empty()) {
      EXPECT_EQ(t->find("housing_first", indicator), nullptr) << line;
      continue;
    }
    ++with_share;
    const out::RobustnessRow* row = t->find("housing_first", indicator);
    ASSERT_TRUE(row) << line;
    EXPECT_NEAR(row->robust_share, std::stod(share), 1e-6) << line;
    EXPECT_EQ(out::join_rests_on(row->rests_on), rests) << line;
    EXPECT_TRUE(row->verdict_side >= -1 && row->verdict_side <= 1);
    EXPECT_TRUE(row->defined_points >= 1 && row->defined_points <= 10);
  }
  EXPECT_GT(with_share, 5u);
  EXPECT_EQ(t->rows.size(), with_share);
  // Without --robustness: no /robustness (not computed), and the file is as a run's.
  ASSERT_EQ(sh("compare " + files + " --replicates 2 --threads 2 --quiet --out " + plain, false).code, 0);
  EXPECT_FALSE(out::Reader(plain).robustness());
  for (const auto& p : out::check_against_dictionary(plain, out::dictionary_for("run"))) ADD_FAILURE() << p;
  // `compare F.h5` shows what the file keeps, row for row as the computing run printed it; a file
  // without it has no robustness columns.
  const auto again = sh("compare " + h5 + " --format csv", false);
  ASSERT_EQ(again.code, 0) << again.out;
  auto robust_columns = [](const std::string& text) {
    std::vector<std::string> v;
    std::istringstream in(text);
    std::string row;
    while (std::getline(in, row))
      if (row.rfind("housing_first,", 0) == 0) v.push_back(row.substr(row.rfind(',', row.rfind(',') - 1)));
    return v;
  };
  EXPECT_EQ(robust_columns(again.out), robust_columns(r.out));
  EXPECT_NE(again.out.find("robust_share,rests_on"), std::string::npos) << again.out;
  const auto none = sh("compare " + plain + " --format csv", false);
  ASSERT_EQ(none.code, 0) << none.out;
  EXPECT_EQ(none.out.find("robust_share"), std::string::npos) << none.out;
}

TEST(Robustness, BadOptionsAreRefusedClearly) {
  TempDir d;
  small_comparison(d, "");
  const std::string files = (d.path / "step_model.yaml").string() + " " + (d.path / "housing_first.yaml").string();
  auto r = sh("compare " + files + " --quiet --robustness --robustness-points 3");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--robustness-points expects a whole number from 10 to 100000"), std::string::npos) << r.out;
  r = sh("compare " + files + " --quiet --robustness --robustness-replicates 0");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--robustness-replicates expects a whole number from 1"), std::string::npos) << r.out;
  r = sh("compare " + files + " --quiet --robustness-points 20");  // without --robustness
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--robustness"), std::string::npos) << r.out;
  const std::string h5 = (d.path / "run.h5").string();
  ASSERT_EQ(sh("run " + files + " --replicates 2 --quiet --out " + h5).code, 0);
  r = sh("compare " + h5 + " --quiet --robustness");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("give the scenario files (.yaml)"), std::string::npos) << r.out;
}

// `lessons --robustness`: every row of a lesson with its robustness (a column; CSV: the two last).
TEST(Robustness, LessonsGiveEachRowItsRobustness) {
  TempDir d;
  small_comparison(d, "");
  const std::string f = d.write("lessons.yaml",
                                "replicates: 2\nlessons:\n  - id: hf\n    lesson: Housing First houses more people.\n"
                                "    scenarios: [step_model.yaml, housing_first.yaml]\n    indicators:\n"
                                "      - stably_housed_12m: higher\n      - cost_per_person\n");
  const std::string robust = " --robustness --robustness-points 10 --robustness-replicates 1 --threads 2 --quiet";
  auto r = sh("lessons " + f + robust + " --format csv", false);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find(",lesson_holds,command,robust_share,rests_on\n"), std::string::npos) << r.out;
  // Each difference's share of the space in [0, 1], and what it rests on named when it is below 1.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("stably_housed_12m,[^\n]* --replicates 2,([0-9.]+),([^\n]*)\n"))) << r.out;
  const double share = std::stod(m[1].str());
  EXPECT_GE(share, 0.5) << "Housing First houses more people over most of the space\n" << r.out;
  EXPECT_LE(share, 1.0);
  std::stringstream names(m[2].str());  // what it rests on: registry paths separated by ';'
  for (std::string id; std::getline(names, id, ';');) EXPECT_TRUE(find_global_param(id)) << id << "\n" << r.out;
  r = sh("lessons " + f + robust + " --format text", false);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("robustness"), std::string::npos) << r.out;
  r = sh("lessons " + f + " --threads 2 --quiet --format csv", false);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.find("robust_share"), std::string::npos) << "without the option, the table as before";
  r = sh("lessons " + f + " --quiet --robustness --robustness-points 2 --format csv");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--robustness-points expects"), std::string::npos) << r.out;
}
