// Virtual trials (docs/trials.md): the measures on small hand-made cohorts with known answers
// (every kind, Kaplan-Meier with censoring), the trial block's loading and its errors at
// file:line:column, arms with common random numbers, the command (CSV columns, --check exit
// codes, --out and the data dictionary), the shipped trials against ../shared/targets.yaml, and
// the unit-cost defaults against fio.PSD. The published targets themselves are the CTest tests
// Trial.<target id> (tests/CMakeLists.txt).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "output/dictionary.hpp"
#include "output/trial_table.hpp"
#include "sim/engine/world.hpp"
#include "sim/registry/trial_spec.hpp"
#include "sim/study/trial.hpp"
#include "tests/cli_test_helpers.hpp"

namespace fs = std::filesystem;
using namespace percorsi;
using namespace percorsi::cli_test;

namespace {
const std::string kSrc = PERCORSI_SOURCE_DIR;

// A cohort from one string per person: each character one observation t = 0, 1, ...:
// housing s street, h shelter, t transitional, f hf_flat, H housed, . not in the study.
// `work` likewise: i inactive, s searching, e employed ('.' as above).
CohortStates cohort(const std::vector<std::string>& housing, const std::vector<std::string>& work = {}) {
  const int W = static_cast<int>(housing.at(0).size()) - 1;
  CohortStates c(static_cast<int>(housing.size()), W);
  for (int p = 0; p < c.persons; ++p)
    for (int t = 0; t <= W; ++t) {
      const char h = housing[p][t];
      const char w = work.empty() ? 's' : work[p][t];
      if (h == '.') continue;
      const std::uint8_t hs = h == 's' ? Street : h == 'h' ? Shelter : h == 't' ? Transitional : h == 'f' ? HfFlat : Housed;
      const std::uint8_t ws = w == 'e' ? Employed : w == 'i' ? Inactive : Searching;
      c.set(p, t, hs, ws);
    }
  return c;
}
MeasureSpec measure(MeasureKind k, int at = -1, int over = -1, int within = -1, int weeks = -1) {
  MeasureSpec m;
  m.id = "m";
  m.kind = k;
  m.at = at, m.over = over, m.within = within, m.weeks = weeks;
  return m;
}
// The work-only cohort: everyone housed.
CohortStates workers(const std::vector<std::string>& work) {
  std::vector<std::string> h;
  for (const auto& w : work) {
    std::string s = w;
    for (char& ch : s) ch = ch == '.' ? '.' : 'H';
    h.push_back(s);
  }
  return cohort(h, work);
}

const char* kTrial = R"(name: t
seed: 7
replicates: 3
horizon: 20 weeks
population:
  initial: {street: 0.6, shelter: 0.4, transitional: 0, known: 1}
territories:
  - {name: cohort, initial_population: 10, inflow: 0, case_workers: 10, shelter_beds: 50}
trial:
  cohort: 60
  arms:
    hf: {housing: {model: housing_first}, housing_first: {eligibility: homeless}, territories: [{name: cohort, hf_flats: 60, hf_support_workers: 6}]}
    step: {housing: {model: step}}
  measures:
    housed_10w: {kind: stably_housed_share, at: 10 weeks}
    days: {kind: days_to_stable_housing, within: 20 weeks}
  targets:
    housed_10w: {published: {hf: 0.5, step: 0.1}, tolerance: 1}
    faster: {measure: days, published: {step-hf: 10}, tolerance: 1000}
)";

// Loads a trial from text; the error messages ("" when it loads).
std::string errors_of(const std::string& text, const std::string& base_text = "") {
  TempDir d;
  if (!base_text.empty()) d.write("base.yaml", base_text);
  const std::string f = d.write("trial.yaml", text);
  try {
    load_trial(f);
    return "";
  } catch (const ScenarioError& e) {
    return e.what();
  }
}
std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// Measures on hand-made cohorts

TEST(TrialMeasures, StablyHousedShareCountsThoseStillInTheStudy) {
  const auto c = cohort({"ssfff", "sssHH", "sssss", "ss..."});
  const auto v = compute_measure(measure(MeasureKind::stably_housed_share, 3), c);
  EXPECT_DOUBLE_EQ(v.n, 3);          // the fourth left at t = 2
  EXPECT_DOUBLE_EQ(v.value, 2.0 / 3);
  EXPECT_DOUBLE_EQ(compute_measure(measure(MeasureKind::stably_housed_share, 0), c).value, 0);
}

TEST(TrialMeasures, TimeStablyHousedShareIsThePersonWeeksStablyHoused) {
  // Weeks 0..3 are observed at t = 1..4: person 0 stable in 3 of 4, person 1 in 1 of 4,
  // person 2 present 2 weeks (t = 1, 2), never stable.
  const auto c = cohort({"sffff", "sssHs", "sss..", "sssss"});
  const auto v = compute_measure(measure(MeasureKind::time_stably_housed_share, -1, 4), c);
  EXPECT_DOUBLE_EQ(v.value, (4.0 + 1.0 + 0 + 0) / (4 + 4 + 2 + 4));
  EXPECT_DOUBLE_EQ(v.n, 4);
  EXPECT_DOUBLE_EQ(compute_measure(measure(MeasureKind::time_stably_housed_share, -1, 2), c).value, 2.0 / 8);
}

TEST(TrialMeasures, DaysToStableHousingAmongThoseHousedWithin) {
  // First stable at t = 1 (week 0: day 3.5) and t = 3 (week 2: day 17.5); one never, one after `within`.
  const auto c = cohort({"sffff", "sssHH", "sssss", "ssssH"});
  const auto v = compute_measure(measure(MeasureKind::days_to_stable_housing, -1, -1, 3), c);
  EXPECT_DOUBLE_EQ(v.n, 2);
  EXPECT_DOUBLE_EQ(v.value, (3.5 + 17.5) / 2);
  EXPECT_DOUBLE_EQ(compute_measure(measure(MeasureKind::days_to_stable_housing, -1, -1, 4), c).value,
                   (3.5 + 17.5 + 24.5) / 3);
  EXPECT_DOUBLE_EQ(compute_measure(measure(MeasureKind::days_to_stable_housing, -1, -1, 4), cohort({"Hssss"})).value, 0);
}

TEST(TrialMeasures, HousedAllSomeNoneOfTheLastWeeks) {
  // The 3 observations before and at t = 4 (t = 2, 3, 4).
  const auto c = cohort({"sffff", "sHsHs", "sssss", "ssfsf", "sf..."});
  auto m = [&](MeasureKind k) { return compute_measure(measure(k, 4, -1, -1, 3), c); };
  EXPECT_DOUBLE_EQ(m(MeasureKind::housed_all_last).value, 1.0 / 4);
  EXPECT_DOUBLE_EQ(m(MeasureKind::housed_some_last).value, 2.0 / 4);
  EXPECT_DOUBLE_EQ(m(MeasureKind::housed_none_last).value, 1.0 / 4);
  EXPECT_DOUBLE_EQ(m(MeasureKind::housed_all_last).n, 4);  // the fifth left
  EXPECT_DOUBLE_EQ(m(MeasureKind::housed_all_last).value + m(MeasureKind::housed_some_last).value +
                       m(MeasureKind::housed_none_last).value,
                   1);
}

TEST(TrialMeasures, RetentionAmongThoseEverHoused) {
  const auto c = cohort({"sffff", "sfsss", "sssss", "sHsHH", "sf..."});
  const auto v = compute_measure(measure(MeasureKind::retention_share, 4), c);
  EXPECT_DOUBLE_EQ(v.n, 3);  // ever housed and still in the study at t = 4
  EXPECT_DOUBLE_EQ(v.value, 2.0 / 3);
  // Only those housed by `at` count.
  EXPECT_DOUBLE_EQ(compute_measure(measure(MeasureKind::retention_share, 1), c).n, 4);
}

TEST(TrialMeasures, ReturnedToStreetOrShelterWithinTheWindowOfFirstHousing) {
  // Window of 2 after the first stable observation: person 0 returns to a shelter, person 1
  // stays, person 2 returns only after the window, person 3 leaves the study without returning
  // (censored), person 4's window does not fit the horizon, person 5 never housed, person 6
  // returns to transitional housing (not a return to the street or a shelter).
  const auto c = cohort({"sfhss", "sffff", "sfffs", "sf...", "sssfs", "sssss", "sftff"});
  const auto v = compute_measure(measure(MeasureKind::returned_to_street_share, -1, -1, 2), c);
  EXPECT_DOUBLE_EQ(v.n, 4);
  EXPECT_DOUBLE_EQ(v.value, 1.0 / 4);
  // A person who returned and then left is counted as returned.
  EXPECT_DOUBLE_EQ(compute_measure(measure(MeasureKind::returned_to_street_share, -1, -1, 2), cohort({"sfs..", "sfff."})).value, 0.5);
}

TEST(TrialMeasures, EnteredTransitionalWithinTheWindow) {
  // Person 0 enters at t = 2, person 1 only after the window, person 2 never, person 3 enters
  // and leaves the study before the window ends (not counted), person 4 at entry.
  const auto c = cohort({"shtHH", "shhht", "sssss", "st...", "tthhh"});
  const auto v = compute_measure(measure(MeasureKind::entered_transitional_share, -1, -1, 3), c);
  EXPECT_DOUBLE_EQ(v.n, 4);
  EXPECT_DOUBLE_EQ(v.value, 2.0 / 4);
  EXPECT_DOUBLE_EQ(compute_measure(measure(MeasureKind::entered_transitional_share, -1, -1, 4), c).value, 3.0 / 4);
}

TEST(TrialMeasures, AnyJobWeeksToFirstJobAndEmployedShare) {
  const auto c = workers({"ssees", "sssse", "sssss", "se...", "sseee"});
  const auto any = compute_measure(measure(MeasureKind::any_job_share, -1, -1, 3), c);
  EXPECT_DOUBLE_EQ(any.n, 4);  // person 3 left before t = 3
  EXPECT_DOUBLE_EQ(any.value, 2.0 / 4);
  const auto wk = compute_measure(measure(MeasureKind::weeks_to_first_job, -1, -1, 4), c);
  EXPECT_DOUBLE_EQ(wk.n, 4);   // first jobs at t = 2, 4, 1 (person 3, before leaving), 2
  EXPECT_DOUBLE_EQ(wk.value, (1.5 + 3.5 + 0.5 + 1.5) / 4);
  const auto emp = compute_measure(measure(MeasureKind::employed_share, 4), c);
  EXPECT_DOUBLE_EQ(emp.n, 4);
  EXPECT_DOUBLE_EQ(emp.value, 2.0 / 4);
}

TEST(TrialMeasures, MonthsWorkedAfterFirstJobAmongThoseWhoseWindowFits) {
  // over = 4 weeks: observations tj .. tj + 3 must fit t <= 6 and the person stay in the study.
  const auto c = workers({"seesees", "sseeeee", "ssssees", "seee...", "sssssss"});
  const auto v = compute_measure(measure(MeasureKind::months_worked_after_first_job, -1, 4), c);
  EXPECT_DOUBLE_EQ(v.n, 2);  // person 2's first job at t = 4 does not fit; person 3 left
  EXPECT_DOUBLE_EQ(v.value, (3 + 4) * 12.0 / 52.0 / 2);
}

TEST(TrialMeasures, KaplanMeierCensorsAtExit) {
  // t=1: 4 at risk, 1 job (S = 3/4). Person 3 leaves after t = 1 (censored). t=2: 2 at risk
  // (persons 1, 2), 1 job (S = 3/8). t=3: 1 at risk, 0 jobs.
  const auto c = workers({"sesss", "ssess", "sssss", "ss..."});
  const auto v = compute_measure(measure(MeasureKind::cumulative_employed_km, 3), c);
  EXPECT_DOUBLE_EQ(v.value, 1 - 3.0 / 8);
  EXPECT_DOUBLE_EQ(v.n, 4);
  // Without censoring it is the plain share.
  const auto full = workers({"sesss", "ssess", "sssss", "sssss"});
  EXPECT_DOUBLE_EQ(compute_measure(measure(MeasureKind::cumulative_employed_km, 3), full).value, 0.5);
  // A job at entry counts at t = 0.
  EXPECT_DOUBLE_EQ(compute_measure(measure(MeasureKind::cumulative_employed_km, 0), workers({"ess", "sss"})).value, 0.5);
}

TEST(TrialMeasures, EmptyDenominatorIsNaN) {
  const auto c = cohort({"sssss"});
  EXPECT_TRUE(std::isnan(compute_measure(measure(MeasureKind::days_to_stable_housing, -1, -1, 4), c).value));
  EXPECT_TRUE(std::isnan(compute_measure(measure(MeasureKind::retention_share, 4), c).value));
  EXPECT_EQ(compute_measure(measure(MeasureKind::retention_share, 4), c).n, 0);
}

// The observer's states agree with the engine's own person columns.
TEST(TrialMeasures, ObserverAgreesWithThePersonColumns) {
  TempDir d;
  const Trial t = load_trial(d.write("t.yaml", kTrial));
  for (const auto& arm : t.arms) {
    World w(arm, 1);
    for (int k = 0; k < arm.weeks(); ++k) w.step();
    const CohortStates c = observe_cohort(arm, 1);
    const auto& P = w.persons();
    ASSERT_EQ(static_cast<std::size_t>(c.persons), P.size());
    for (int p = 0; p < c.persons; ++p) {
      const int last = P.exit[p] < 0 ? c.weeks : P.exit[p];
      EXPECT_TRUE(c.in(p, last)) << p;
      if (last < c.weeks) {
        EXPECT_FALSE(c.in(p, last + 1)) << p;
      }
      if (P.exit[p] < 0) {
        EXPECT_EQ(c.h(p, c.weeks), P.housing[p]);
      }
      // The engine's first stable week is the week before the first stable observation.
      int first = -1;
      for (int tt = 0; tt <= last && first < 0; ++tt)
        if (stable(c.h(p, tt))) first = tt;
      if (P.first_stable[p] >= 0 && first > 0) {
        EXPECT_EQ(first - 1, P.first_stable[p]) << p;
      }
    }
  }
}

// One dating convention (sim/model/dating.hpp; docs/outputs.md, "Dates and windows"): the
// trial measure of days to stable housing, over the whole horizon of a cohort all homeless at
// entry, is the run's own headline indicator, to rounding, with the same people counted.
TEST(TrialMeasures, HeadlinesAndTrialMeasuresDateAChangeAlike) {
  TempDir d;
  const Trial t = load_trial(d.write("t.yaml", kTrial));
  for (const auto& arm : t.arms) {
    out::ReplicateResult r;
    const CohortStates c = observe_cohort(arm, 1, &r);
    MeasureSpec m;
    m.kind = MeasureKind::days_to_stable_housing;
    m.within = arm.weeks();
    const MeasureValue v = compute_measure(m, c);
    ASSERT_GT(v.n, 0) << arm.name();
    EXPECT_DOUBLE_EQ(v.n, r.headline.at("days_to_stable_housing_n")) << arm.name();
    EXPECT_NEAR(v.value, r.headline.at("days_to_stable_housing"), 1e-9 * v.value) << arm.name();
  }
}

// One window convention (sim/model/measures.hpp): over a cohort all homeless at entry and a
// horizon past a year, the trial measure of the share stably housed 52 weeks after entry is the
// headline stably_housed_12m, with the same people counted (those present at the end of week 51).
TEST(TrialMeasures, HeadlinesAndTrialMeasuresTakeAWindowAlike) {
  TempDir d;
  std::string text = kTrial;
  text.replace(text.find("horizon: 20 weeks"), 17, "horizon: 60 weeks");
  const Trial t = load_trial(d.write("t.yaml", text));
  for (const auto& arm : t.arms) {
    out::ReplicateResult r;
    const CohortStates c = observe_cohort(arm, 2, &r);
    MeasureSpec m;
    m.kind = MeasureKind::stably_housed_share;
    m.at = 52;
    const MeasureValue v = compute_measure(m, c);
    ASSERT_GT(v.n, 0) << arm.name();
    EXPECT_DOUBLE_EQ(v.n, r.headline.at("stably_housed_12m_n")) << arm.name();
    EXPECT_DOUBLE_EQ(v.value, r.headline.at("stably_housed_12m")) << arm.name();
  }
}

// ---------------------------------------------------------------------------------------------
// Loading

TEST(TrialSpec, LoadsArmsMeasuresAndTargets) {
  TempDir d;
  const Trial t = load_trial(d.write("t.yaml", kTrial));
  EXPECT_EQ(t.spec.cohort, 60);
  ASSERT_EQ(t.arms.size(), 2u);
  EXPECT_EQ(t.arms[0].name(), "hf");
  EXPECT_EQ(t.arms[0].choice<G::housing_model>(), choice::housing_model::housing_first);
  EXPECT_EQ(t.arms[0].territories[0][T::hf_flats], 60);
  EXPECT_EQ(t.arms[1].choice<G::housing_model>(), choice::housing_model::step);
  EXPECT_EQ(t.arms[1].territories[0][T::hf_flats], 0);
  for (const auto& a : t.arms) {
    EXPECT_EQ(a.territories[0][T::initial_population], 60);  // the cohort
    EXPECT_EQ(a[G::seed], 7);
  }
  ASSERT_EQ(t.spec.measures.size(), 2u);
  EXPECT_EQ(t.spec.measures[0].at, 10);
  EXPECT_EQ(t.spec.measures[1].within, 20);
  ASSERT_EQ(t.spec.targets.size(), 2u);
  EXPECT_EQ(t.spec.targets[0].measure, "housed_10w");
  const auto& diff = t.spec.targets[1].published.at(0);
  EXPECT_EQ(diff.a.arm, "step");
  ASSERT_TRUE(diff.minus);
  EXPECT_EQ(diff.minus->arm, "hf");
  EXPECT_EQ(diff.a.measure, "days");
  EXPECT_DOUBLE_EQ(t.spec.targets[0].tolerance_of(0.5), 1);
}

TEST(TrialSpec, AnExtendingFileAddsMeasuresAndChangesHorizonProfileAndLevers) {
  TempDir d;
  d.write("base.yaml", kTrial);
  const std::string f = d.write("more.yaml", R"(extends: base.yaml
name: more
horizon: 30 weeks
population: {traits: {health: 0.3}}
trial:
  arms:
    hf: {housing_first: {support_intensity: 8}}
  measures:
    housed_30w: {kind: stably_housed_share, at: 30 weeks}
)");
  const Trial t = load_trial(f);
  EXPECT_EQ(t.base.weeks(), 30);
  EXPECT_EQ(t.spec.measures.size(), 3u);
  EXPECT_DOUBLE_EQ(t.arms[0][G::housing_first_support_intensity], 8);
  EXPECT_EQ(t.arms[0].territories[0][T::hf_flats], 60);  // the base's levers of the arm stay
  EXPECT_DOUBLE_EQ(t.arms[1][G::population_traits_health], 0.3);
  EXPECT_EQ(t.spec.targets.size(), 2u);
}

TEST(TrialSpec, ErrorsNameFileLineAndColumn) {
  struct Case {
    std::string from, to, expect;
  };
  const std::vector<Case> cases = {
      {"  cohort: 60", "  cohort: 60\n  arm: {}", "trial.yaml:11:3: unknown key 'arm' in trial (did you mean 'arms'?)"},
      {"kind: stably_housed_share, at", "kind: stably_housed, at", "trial.yaml:15:24: unknown measure kind 'stably_housed'"},
      {"{kind: days_to_stable_housing, within: 20 weeks}", "{kind: days_to_stable_housing}",
       "trial.yaml:16:5: measure 'days' (kind days_to_stable_housing) needs its time argument 'within'"},
      {"{kind: days_to_stable_housing, within: 20 weeks}", "{kind: days_to_stable_housing, at: 2 weeks}",
       "'at' is not an argument of kind days_to_stable_housing"},
      {"step: 0.1}", "stpe: 0.1}", "trial.yaml:18:39: target 'housed_10w' names unknown arm 'stpe' (did you mean 'step'?)"},
      {"{step-hf: 10}", "{step-hff: 10}", "names unknown arm 'hff'"},
      {"measure: days,", "measure: dayz,", "trial.yaml:19:23: target 'faster' names unknown measure 'dayz'"},
      {"at: 10 weeks}", "at: 30 weeks}", "trial.yaml:15:5: measure 'housed_10w' looks at week 30, beyond the horizon (20 weeks)"},
      {"tolerance: 1}", "}", "target 'housed_10w' needs 'tolerance' (absolute) or 'tolerance_relative'"},
      {"shelter_beds: 50}", "shelter_beds: 50}\n  - {name: other}", "trial.yaml:7:1: a trial has exactly one territory"},
      {"step: {housing: {model: step}}", "step: {housing: {model: stepp}}", "trial.yaml:13:29: 'housing.model' must be one of"},
      {"step: {housing: {model: step}}", "step: {seed: 3}", "trial.yaml:13:12: 'seed' cannot be set in arm 'step'"},
      {"step: {housing: {model: step}}", "step: {territories: [{name: cohrt}]}", "territory 'cohrt' matches none"},
      {"  cohort: 60", "  cohort: many", "trial.yaml:10:11: 'trial.cohort' expects the number of people"},
      {"{kind: days_to_stable_housing, within: 20 weeks}", "{kind: cost_per_person_year, over: 20 weeks}",
       "trial.yaml:16:5: measure 'days' (kind cost_per_person_year) needs its argument 'payer'"},
      {"{kind: days_to_stable_housing, within: 20 weeks}", "{kind: cost_per_person_year, over: 20 weeks, payer: helth}",
       "trial.yaml:16:63: measure 'days': unknown payer 'helth' (one of: all, intervention, housing, social_services, health, justice)"},
      {"{kind: days_to_stable_housing, within: 20 weeks}", "{kind: institution_days_per_person_year, over: 20 weeks, institution: ward}",
       "trial.yaml:16:81: measure 'days': unknown institution 'ward' (one of: any, hospital, psychiatric, prison)"},
      {"{kind: days_to_stable_housing, within: 20 weeks}", "{kind: emergency_visits_per_person_year, at: 20 weeks}",
       "'at' is not an argument of kind emergency_visits_per_person_year"},
      {"{kind: days_to_stable_housing, within: 20 weeks}", "{kind: institution_days_per_person_year, institution: any}",
       "needs its time argument 'over'"},
      {"{kind: days_to_stable_housing, within: 20 weeks}", "{kind: days_to_stable_housing, within: 20 weeks, payer: all}",
       "'payer' is not an argument of kind days_to_stable_housing"},
  };
  for (const auto& c : cases) {
    const std::string msg = errors_of(replaced(kTrial, c.from, c.to));
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "expected: " << c.expect << "\ngot: " << msg;
  }
  EXPECT_EQ(errors_of(kTrial), "");
  EXPECT_NE(errors_of("name: x\nseed: 1\nterritories: [{name: a}]\n").find("not a trial"), std::string::npos);
}

// Costs, institution days, emergency visits and shelter nights per person-year, from the cohort
// territory's weekly series: the payer's cost series (or the days, visits, nights) summed over
// weeks [0, over) over the person-weeks present / 52.
TEST(TrialMeasures, CostAndInstitutionDaysPerPersonYearFromTheWeeklySeries) {
  CohortStates c = cohort({"sss", "sss"});
  const auto& names = out::output_names(out::OutputKind::Series);
  for (const auto& n : names) c.weekly.push_back({n, std::vector<double>(2, 0.0)});
  auto set = [&](out::Series s, double w0, double w1) { c.weekly[static_cast<std::size_t>(s)].values = {w0, w1}; };
  using S = out::Series;
  set(S::persons, 52, 26);  // 78 person-weeks: 1.5 person-years
  set(S::cost_housing_first, 300, 300);
  set(S::cost_shelter, 150, 0);
  set(S::cost_orientation, 30, 0);
  set(S::cost_institution_health, 50, 70);
  set(S::cost_psychiatric_ward, 0, 15);
  set(S::cost_emergency, 10, 5);
  set(S::cost_institution_justice, 0, 45);
  set(S::housing_institution, 4, 3);
  set(S::people_in_prison, 1, 0);
  set(S::people_in_psychiatric_ward, 1, 1);
  set(S::emergency_visits, 0.25, 0.5);
  set(S::housing_shelter, 6, 2);
  auto cost = [&](const char* payer, int over) {
    MeasureSpec m = measure(MeasureKind::cost_per_person_year, -1, over);
    m.payer = payer;
    return compute_measure(m, c);
  };
  EXPECT_DOUBLE_EQ(cost("all", 2).value, (600 + 150 + 30 + 150 + 45) / 1.5);
  EXPECT_DOUBLE_EQ(cost("all", 2).n, 1.5);
  EXPECT_DOUBLE_EQ(cost("intervention", 2).value, (600 + 30) / 1.5);  // Housing First and the employment pathway
  EXPECT_DOUBLE_EQ(cost("housing", 2).value, 600 / 1.5);
  EXPECT_DOUBLE_EQ(cost("social_services", 2).value, (150 + 30) / 1.5);
  EXPECT_DOUBLE_EQ(cost("health", 2).value, 150 / 1.5);
  EXPECT_DOUBLE_EQ(cost("justice", 2).value, 45 / 1.5);
  EXPECT_DOUBLE_EQ(cost("all", 1).value, (300 + 150 + 30 + 60) / 1.0);  // the first week only
  // The payers (not the intervention, a view across them) add up to every cost.
  EXPECT_DOUBLE_EQ(cost("housing", 2).value + cost("social_services", 2).value + cost("health", 2).value + cost("justice", 2).value,
                   cost("all", 2).value);
  auto days = [&](const char* inst) {
    MeasureSpec m = measure(MeasureKind::institution_days_per_person_year, -1, 2);
    m.institution = inst;
    return compute_measure(m, c).value;
  };
  EXPECT_DOUBLE_EQ(days("any"), 7.0 * 7 / 1.5);
  EXPECT_DOUBLE_EQ(days("prison"), 7.0 * 1 / 1.5);
  EXPECT_DOUBLE_EQ(days("psychiatric"), 7.0 * 2 / 1.5);
  EXPECT_DOUBLE_EQ(days("hospital"), 7.0 * 4 / 1.5);  // the health institutions but psychiatric wards
  EXPECT_DOUBLE_EQ(days("hospital") + days("psychiatric") + days("prison"), days("any"));
  auto per_year = [&](MeasureKind k, int over) { return compute_measure(measure(k, -1, over), c); };
  EXPECT_DOUBLE_EQ(per_year(MeasureKind::emergency_visits_per_person_year, 2).value, 0.75 / 1.5);
  EXPECT_DOUBLE_EQ(per_year(MeasureKind::emergency_visits_per_person_year, 1).value, 0.25 / 1.0);
  EXPECT_DOUBLE_EQ(per_year(MeasureKind::shelter_nights_per_person_year, 2).value, 7.0 * 8 / 1.5);
  EXPECT_DOUBLE_EQ(per_year(MeasureKind::shelter_nights_per_person_year, 2).n, 1.5);
  // Without a payer or an institution (the loader requires them) the measure is undefined.
  EXPECT_TRUE(std::isnan(cost("", 2).value));
  EXPECT_TRUE(std::isnan(days("")));
}

// Service use by housing state and support, through a trial: with Housing First the tenants are
// housed, so they enter health institutions less (institution.health_homeless_coef), and their
// stays are shorter with the team's support (institution.hf_team_stay_factor); each path alone
// lowers the Housing First arm's hospital days per person-year; with both off the arms agree
// within their sampling error.
TEST(TrialMeasures, HousingAndTheTeamsSupportLowerHospitalDays) {
  struct Path {
    const char *coef, *stay;
    bool lower;
  };
  for (const Path& path : {Path{"0.84", "0.5", true}, {"0", "0.5", true}, {"0.84", "1", true}, {"0", "1", false}}) {
    Trial t = load_trial(kSrc + "/scenarios/trials/athome.yaml");
    std::vector<double> hf, uc;
    MeasureSpec m = measure(MeasureKind::institution_days_per_person_year, -1, 104);
    m.institution = "hospital";
    for (int r = 0; r < 6; ++r)
      for (std::size_t a = 0; a < t.arms.size(); ++a) {
        Scenario arm = t.arms[a];
        arm.set("institution.health_homeless_coef", path.coef);
        arm.set("institution.hf_team_stay_factor", path.stay);
        const double v = compute_measure(m, observe_cohort(arm, r)).value;
        (t.spec.arms[a] == "housing_first" ? hf : uc).push_back(v);
      }
    double d = 0, d2 = 0;
    for (std::size_t i = 0; i < hf.size(); ++i) d += hf[i] - uc[i], d2 += (hf[i] - uc[i]) * (hf[i] - uc[i]);
    const double n = static_cast<double>(hf.size()), mean = d / n, se = std::sqrt((d2 / n - mean * mean) / (n - 1));
    const std::string what = std::string("homeless coefficient ") + path.coef + ", team stay factor " + path.stay + ": ";
    if (path.lower) EXPECT_LT(mean + 4 * se, 0) << what << "Housing First should lower hospital days: " << mean << " +- " << se;
    else EXPECT_LT(std::fabs(mean), 4 * se + 1.0) << what << "without either path the arms should agree: " << mean << " +- " << se;
  }
}

// ---------------------------------------------------------------------------------------------
// Running

TEST(TrialRun, ArmsShareThePeopleAndTheirDraws) {
  TempDir d;
  const Trial t = load_trial(d.write("t.yaml", kTrial));
  World a(t.arms[0], 2), b(t.arms[1], 2);
  ASSERT_EQ(a.persons().size(), 60u);
  EXPECT_EQ(a.persons().age, b.persons().age);
  EXPECT_EQ(a.persons().groups, b.persons().groups);
  EXPECT_EQ(a.persons().health, b.persons().health);
  EXPECT_EQ(a.persons().housing, b.persons().housing);
  // Same arm, same replicate: the same trajectories; results do not depend on threads.
  TrialOptions o;
  o.progress = false;
  o.threads = 1;
  const auto r1 = run_trial(t, o);
  o.threads = 2;
  const auto r2 = run_trial(t, o);
  ASSERT_EQ(r1.rows.size(), r2.rows.size());
  for (std::size_t i = 0; i < r1.rows.size(); ++i) EXPECT_EQ(r1.rows[i].values, r2.rows[i].values);
  // A difference row is the paired difference of the arms' values.
  const TrialRow& diff = r1.rows.back();
  EXPECT_EQ(diff.arm, "step-hf");
  for (std::size_t r = 0; r < diff.values.size(); ++r)
    EXPECT_DOUBLE_EQ(diff.values[r], r1.rows[3].values[r] - r1.rows[1].values[r]);
}

TEST(TrialRun, CsvHasExactlyTheColumnsAndCheckExitCodes) {
  TempDir d;
  const std::string f = d.write("t.yaml", kTrial);
  auto r = sh("trial " + f + " --format csv --quiet", false);
  ASSERT_EQ(r.code, 0) << r.out;
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "arm,measure,kind,mean,ci_low,ci_high,n,published,tolerance,within");
  int rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 9) << line;
    if (line.rfind("hf,days,", 0) == 0) {
      EXPECT_EQ(line.substr(line.size() - 3), ",,,") << line;  // no target
    }
    if (line.rfind("hf,housed_10w,", 0) == 0) {
      EXPECT_NE(line.find(",0.5,1,true"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(rows, 5);  // 2 arms x 2 measures + 1 difference
  EXPECT_EQ(sh("trial " + f + " --check --quiet").code, 0);
  // A missed target: exit 1; only the named target counts with --target. (A published share of 5
  // would be refused as outside the measure's range: exit 2.)
  const std::string g = d.write("g.yaml", replaced(kTrial, "{hf: 0.5, step: 0.1}, tolerance: 1", "{hf: 1, step: 0.1}, tolerance: 0"));
  r = sh("trial " + g + " --check --quiet");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("MISSED housed_10w"), std::string::npos) << r.out;
  EXPECT_EQ(sh("trial " + g + " --check --target faster --quiet").code, 0);
  EXPECT_EQ(sh("trial " + g + " --check --target nope --quiet").code, 2);
  // Bad input: exit 2 with file:line:column.
  const std::string b = d.write("b.yaml", replaced(kTrial, "kind: stably_housed_share", "kind: housed_share"));
  r = sh("trial " + b + " --quiet");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("b.yaml:15:24: unknown measure kind 'housed_share'"), std::string::npos) << r.out;
  r = sh("validate " + b);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("b.yaml:15:24"), std::string::npos) << r.out;
  r = sh("validate " + f);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("trial t: cohort 60, arms 2"), std::string::npos) << r.out;
}

TEST(TrialRun, OutFileHoldsArmsAndTableAndMatchesTheDictionary) {
  TempDir d;
  const std::string f = d.write("t.yaml", kTrial);
  const std::string out = (d.path / "t.h5").string();
  auto r = sh("trial " + f + " --quiet --out " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  for (const auto& p : out::check_against_dictionary(out, out::dictionary_for("trial"))) ADD_FAILURE() << p;
  const out::TrialTable t = out::read_trial_table(out);
  EXPECT_EQ(t.cohort, 60);
  EXPECT_EQ(t.replicates, 3);
  EXPECT_EQ(t.arm.size(), 5u);
  EXPECT_EQ(t.values.size(), 15u);
  EXPECT_EQ(t.arm.back(), "step-hf");
  EXPECT_EQ(t.within[0], 1);
  EXPECT_EQ(t.within[1], -1);
  EXPECT_EQ(sh("trial " + f + " --quiet --out " + out).code, 2);  // no silent overwrite
  EXPECT_EQ(sh("trial " + f + " --quiet --force --out " + out).code, 0);
}

// ---------------------------------------------------------------------------------------------
// The shipped trials

std::vector<std::string> shipped_trials() {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(kSrc + "/scenarios/trials"))
    if (e.path().extension() == ".yaml") v.push_back(e.path().string());
  std::sort(v.begin(), v.end());
  return v;
}

// A world that keeps its states only (World::keep_states_only, what a calibration's runs use)
// goes through the same states as a full run: every column that a phase other than end_of_week
// and record writes, the territories' shared state and the tally are equal after every week, in every arm of every shipped
// trial; measures of the cohort's states take the same values from it; measures of the series
// cannot be taken from it (they would throw, not read zeros), and its results() throws.
TEST(TrialShipped, KeepingStatesOnlyChangesNoStateAndNoMeasureOfTheStates) {
  std::set<std::string> accounting;  // what only the accounting writes
  for (const auto& ph : World::phases())
    if (std::string(ph.name) == "end_of_week" || std::string(ph.name) == "record") accounting.insert(ph.writes.begin(), ph.writes.end());
  ASSERT_TRUE(accounting.count("census") && accounting.count("series") && accounting.count("cost"));
  // Both ends of the week set the training seats held (the territories) and empty the week's
  // ended spells (the tally): those are compared too.
  accounting.erase("territories"), accounting.erase("tally");
  std::vector<std::string> compared;
  for (const auto& n : World::state_names())
    if (!accounting.count(n)) compared.push_back(n);
  ASSERT_TRUE(std::find(compared.begin(), compared.end(), "housing") != compared.end() &&
              std::find(compared.begin(), compared.end(), "territories") != compared.end());
  int series_measures = 0, state_measures = 0, trained = 0;
  for (const auto& f : shipped_trials()) {
    const Trial t = load_trial(f);
    for (std::size_t a = 0; a < t.arms.size(); ++a) {
      const std::string what = t.name() + " arm " + t.spec.arms[a];
      World full(t.arms[a], 1), lean(t.arms[a], 1);
      lean.keep_states_only();
      for (int k = 0; k < t.arms[a].weeks(); ++k) {
        full.step(), lean.step();
        for (const auto& ts : full.territories()) trained += ts.in_training > 0;
        for (const auto& n : compared)
          ASSERT_EQ(full.column_hash(n), lean.column_hash(n)) << what << ": " << n << " differs after week " << k;
      }
      EXPECT_THROW(lean.results(), std::logic_error) << what;
      out::ReplicateResult r;
      const CohortStates cf = observe_cohort(t.arms[a], 2, &r), cl = observe_cohort(t.arms[a], 2, nullptr, true);
      EXPECT_EQ(cf.housing, cl.housing) << what;
      EXPECT_EQ(cf.work, cl.work) << what;
      EXPECT_TRUE(cl.weekly.empty()) << what;
      for (const auto& m : t.spec.measures) {
        if (measure_reads_series(m.kind)) {
          ++series_measures;
          EXPECT_ANY_THROW(compute_measure(m, cl)) << what << ", measure " << m.id;
          continue;
        }
        ++state_measures;
        const MeasureValue vf = compute_measure(m, cf), vl = compute_measure(m, cl);
        EXPECT_TRUE((std::isnan(vf.value) && std::isnan(vl.value)) || vf.value == vl.value) << what << ", measure " << m.id;
        EXPECT_EQ(vf.n, vl.n) << what << ", measure " << m.id;
      }
    }
  }
  EXPECT_GT(series_measures, 0);
  EXPECT_GT(state_measures, 0);
  EXPECT_GT(trained, 0) << "no trial week had people in training: the seats held were not compared";
}

// measure_arm with wanted measures: the others NaN, the wanted ones as in a full run.
TEST(TrialRun, WantedMeasuresAreThoseOfAFullRun) {
  TempDir d;
  const Trial t = load_trial(d.write("t.yaml", kTrial));
  ASSERT_EQ(t.spec.measures.size(), 2u);
  const std::vector<bool> first{true, false};
  for (int r = 0; r < 2; ++r) {
    const auto all = measure_arm(t, t.arms[0], r);
    const auto some = measure_arm(t, t.arms[0], r, nullptr, &first);
    EXPECT_EQ(all[0].value, some[0].value);
    EXPECT_EQ(all[0].n, some[0].n);
    EXPECT_TRUE(std::isnan(some[1].value));
  }
  const std::vector<bool> wrong{true};
  EXPECT_THROW(measure_arm(t, t.arms[0], 0, nullptr, &wrong), std::logic_error);
  out::ReplicateResult r;
  EXPECT_THROW(observe_cohort(t.arms[0], 0, &r, true), std::logic_error);
}

TEST(TrialShipped, EveryTargetHasItsCTestAndAgreesWithTargetsYaml) {
  std::set<std::string> registered;
  {
    std::istringstream in(PERCORSI_TRIAL_TARGETS);
    std::string id;
    while (std::getline(in, id, ';')) registered.insert(id);
  }
  std::map<std::string, const TargetSpec*> shipped;
  std::vector<Trial> trials;
  for (const auto& f : shipped_trials()) trials.push_back(load_trial(f));
  for (const auto& t : trials)
    for (const auto& target : t.spec.targets) {
      EXPECT_TRUE(shipped.emplace(target.id, &target).second) << target.id << " is in two trial files";
      EXPECT_TRUE(registered.count(target.id)) << target.id << " has no Trial." << target.id << " test";
    }
  for (const auto& id : registered) EXPECT_TRUE(shipped.count(id)) << id << " is registered but in no trial file";
  const std::string yaml = kSrc + "/../shared/targets.yaml";
  if (!fs::exists(yaml)) GTEST_SKIP() << yaml << " not found";
  for (const auto& node : YAML::LoadFile(yaml)["targets"]) {
    const std::string id = node["id"].as<std::string>();
    if (id == "italy_cost_per_day") continue;  // Trial.italy_cost_per_day, below
    ASSERT_TRUE(shipped.count(id)) << id << " of targets.yaml is in no shipped trial";
    const TargetSpec& t = *shipped.at(id);
    const bool relative = static_cast<bool>(node["tolerance_relative"]);
    EXPECT_EQ(t.relative, relative) << id;
    EXPECT_DOUBLE_EQ(t.tolerance, node[relative ? "tolerance_relative" : "tolerance"].as<double>()) << id;
    std::vector<double> published, ours;
    for (const auto& kv : node["published"]) published.push_back(kv.second.as<double>());
    for (const auto& pv : t.published) ours.push_back(pv.value);
    std::sort(published.begin(), published.end());
    std::sort(ours.begin(), ours.end());
    EXPECT_EQ(ours, published) << id;
  }
}

// A trial describes its setting (who it enrolled, the places and workers of its services, the
// rental market of its country as named `context.*` parameters) and its arms (the designs
// compared); everything else is the model's behaviour, which a trial may only set inside its
// plausible range (sim/registry/plausible.def): a fit by a rate outside it would be hidden.
TEST(TrialShipped, SetNoBehaviouralValueOutsideItsPlausibleRange) {
  // The behavioural values a trial sets outside their plausible range, as messages.
  auto outside = [&](const Trial& t) {
    std::vector<std::string> out;
    for (const ParamSpec& p : registry()) {
      if (p.scope != Scope::Global || describes_setting(p.path) || !p.plausible) continue;
      const Value& v = t.base.global[static_cast<std::size_t>(p.index)];
      if (v.origin.line == 0 || (v.num >= p.plausible->lo && v.num <= p.plausible->hi)) continue;
      out.push_back(v.origin.where() + ": " + p.path + " = " + v.text + " is outside its plausible range [" +
                    std::to_string(p.plausible->lo) + ", " + std::to_string(p.plausible->hi) +
                    "]; describe the trial's setting with a context parameter instead");
    }
    return out;
  };
  for (const auto& f : shipped_trials())
    for (const auto& m : outside(load_trial(f))) ADD_FAILURE() << m;
  // The check bites: a rate set outside its range is found, one inside is not, and a context
  // parameter or the trial's population may take the values of its setting.
  auto trial = [](const std::string& extra) {
    return parse_trial("name: t\nseed: 1\nhorizon: 12 months\n" + extra +
                           "territories: [{name: cohort, initial_population: 10}]\n"
                           "trial:\n  cohort: 10\n  arms: {a: {housing: {model: step}}}\n"
                           "  measures: {m: {kind: stably_housed_share, at: 12 months}}\n",
                       "t.yaml");
  };
  EXPECT_EQ(outside(trial("rehousing: {private_rate: 2.0}\n")).size(), 1u);
  EXPECT_TRUE(outside(trial("rehousing: {private_rate: 0.9}\n")).empty());
  EXPECT_TRUE(outside(trial("context: {rent_assistance: 0.5}\npopulation: {income_support: 0.9}\n")).empty());
}

// fio.PSD monitoring 2017-2019, euro per person per day (targets.yaml: italy_cost_per_day,
// tolerance 0): Housing First 26, dormitory 19, low-threshold 24h centre 32 (the transitional place).
TEST(Trial, italy_cost_per_day) {
  const Scenario s = parse_scenario("name: c\nseed: 1\nterritories: [{name: a}]\n", "c.yaml");
  EXPECT_EQ(s[G::costs_housing_first_per_day], 26);
  EXPECT_EQ(s[G::costs_dormitory_per_day], 19);
  EXPECT_EQ(s[G::costs_transitional_per_day], 32);
  // And the shipped trials do not change them.
  for (const auto& f : shipped_trials())
    for (const auto& a : load_trial(f).arms) {
      EXPECT_EQ(a[G::costs_housing_first_per_day], 26) << f;
      EXPECT_EQ(a[G::costs_dormitory_per_day], 19) << f;
      EXPECT_EQ(a[G::costs_transitional_per_day], 32) << f;
    }
}

// ---------------------------------------------------------------------------------------------
// Tests of meaning (tools/mutants.py, "[meaning] trial"): what a row of the table says, by its
// definition in docs/trials.md

// time_stably_housed_share: n counts the people who contributed at least one week in the study;
// someone who left before the end of week 0 contributes none.
TEST(TrialMeasures, TimeStablyHousedShareCountsOnlyPeopleWhoContributedAWeek) {
  const auto c = cohort({"sffff", "s....", "sssss"});
  const auto v = compute_measure(measure(MeasureKind::time_stably_housed_share, -1, 4), c);
  EXPECT_DOUBLE_EQ(v.n, 2);
  EXPECT_DOUBLE_EQ(v.value, 4.0 / 8);
}

// A difference row: its n is the smaller arm's denominator (the published difference rests on
// both arms), and a value exactly at the published tolerance is within it.
TEST(TrialRun, DifferenceRowsTakeTheSmallerDenominatorAndTheToleranceIsInclusive) {
  TempDir d;
  const Trial t = load_trial(d.write("t.yaml", kTrial));
  ASSERT_EQ(t.spec.arms, (std::vector<std::string>{"hf", "step"}));
  // values[arm][measure][replicate]: measures housed_10w, days.
  std::vector<std::vector<std::vector<MeasureValue>>> v(2, std::vector<std::vector<MeasureValue>>(2));
  v[0][0] = {{1.5, 40}, {1.5, 44}};   // hf: 1.5, exactly the tolerance (1) from the published 0.5
  v[1][0] = {{0.1, 50}, {0.1, 50}};   // step
  v[0][1] = {{20, 30}, {30, 10}};     // hf days, n 30 and 10
  v[1][1] = {{60, 20}, {50, 40}};     // step days, n 20 and 40
  const TrialResult r = trial_table_of(t, v);
  const TrialRow* hf = nullptr;
  const TrialRow* diff = nullptr;
  for (const auto& row : r.rows) {
    if (row.arm == "hf" && row.measure == "housed_10w") hf = &row;
    if (row.arm == "step-hf") diff = &row;
  }
  ASSERT_NE(hf, nullptr);
  ASSERT_NE(diff, nullptr);
  EXPECT_DOUBLE_EQ(hf->n, 42);
  ASSERT_TRUE(hf->within.has_value());
  EXPECT_TRUE(*hf->within) << "|1.5 - 0.5| = 1 is within a tolerance of 1";
  EXPECT_TRUE(r.target_met("housed_10w"));
  EXPECT_EQ(diff->values, (std::vector<double>{40, 20}));
  EXPECT_DOUBLE_EQ(diff->n, (20 + 10) / 2.0);  // min(30, 20), min(10, 40)
}

// Times in a trial file are rounded to the nearest week (180 days are 25.7 weeks: 26), and a
// relative tolerance is a share of the published value.
TEST(TrialSpec, TimesRoundToTheNearestWeekAndRelativeTolerancesScale) {
  TempDir d;
  const Trial t = load_trial(d.write("t.yaml", replaced(replaced(replaced(kTrial, "horizon: 20 weeks", "horizon: 30 weeks"),
                                                                  "at: 10 weeks", "at: 180 days"),
                                                         "within: 20 weeks", "within: 2 months")));
  EXPECT_EQ(t.spec.measures[0].at, 26);
  EXPECT_EQ(t.spec.measures[1].within, 9);  // 8.67 weeks
  TargetSpec rel;
  rel.relative = true;
  rel.tolerance = 0.1;
  EXPECT_DOUBLE_EQ(rel.tolerance_of(250), 25);
  EXPECT_DOUBLE_EQ(rel.tolerance_of(-40), 4);
  TargetSpec abs;
  abs.tolerance = 0.1;
  EXPECT_DOUBLE_EQ(abs.tolerance_of(250), 0.1);
}
