// Tests of the family-care model (docs/model.md, "Family care work"; sim/model/family_care.hpp):
// each step's decision against its parameters at several values (observed counts within k sd of
// the rule's probabilities), each capacity (staff hours, course seats, matching hours) never
// exceeded and filled under demand, every family-care series equal to a recount from the state,
// and the model off leaving every earlier result unchanged.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "sim/registry/outputs.hpp"
#include "sim/model/family_care.hpp"
#include "sim/registry/trial_spec.hpp"
#include "tests/model_test_helpers.hpp"

using namespace percorsi;
using mt::Trials;
using mt::yaml;

namespace {

// A small region with the family-care model: two territories, projects running from week 2;
// `fields`: more keys of the family_care map.
std::string fc_yaml(const std::string& fields = "") {
  return "name: fc\nseed: 7\nhorizon: 40 weeks\nstart_date: 2019-01-07\n"
         "family_care: {enabled: true, start: 2 weeks" + (fields.empty() ? std::string() : ", " + fields) + "}\n"
         "territories:\n"
         "  - {name: a, initial_population: 20, inflow: 0.2, fc_projects: 2, fc_care_workers: 3000, fc_families: 3000}\n"
         "  - {name: b, initial_population: 20, inflow: 0.2, fc_projects: 1, fc_care_workers: 2000, fc_families: 2000}\n";
}

// Uniform draws spread over [0, 1) for the rules' decisions.
rules::FcDraws draws(std::uint64_t& state) {
  rules::FcDraws d{};
  for (double& x : d.u) {
    state = splitmix64(state);
    x = static_cast<double>(state >> 11) * 0x1p-53;
  }
  return d;
}

}  // namespace

// ---- The decisions of one week, against their parameters -------------------------------------

TEST(FamilyCareRules, AWorkerTurnsToTheServiceAtTheContactHazardTimesCommunicationOnlyWhileItRuns) {
  for (double rate : {0.5, 2.0, 6.0})
    for (double comm : {1.0, 2.0}) {
      Scenario sc = yaml(fc_yaml());
      sc.set("family_care.workers.contact_rate", std::to_string(rate));
      sc.set("family_care.communication_workers", std::to_string(comm));
      const rules::FamilyCareRules running(sc, 10), before(sc, 0);
      ASSERT_TRUE(running.running);
      ASSERT_FALSE(before.running);
      Trials tr;
      std::uint64_t st = 1;
      int contacted_before = 0;
      for (int i = 0; i < 20000; ++i) {
        const auto d = draws(st);
        tr.add("running", mt::hz(rate * comm), running.worker_week(0, FcNone, 0, 0, 10, d).step == FcWantOrientation);
        contacted_before += before.worker_week(0, FcNone, 0, 0, 0, d).step != FcNone;
      }
      tr.check("contact rate " + std::to_string(rate) + " x " + std::to_string(comm), {"running"});
      EXPECT_EQ(contacted_before, 0) << "no contact before family_care.start";
    }
}

TEST(FamilyCareRules, EachStepGoesOnWithItsUptakeAndCaseManagementMultipliesTheDropOut) {
  for (double uptake : {0.3, 0.6, 0.9})
    for (bool cm : {false, true}) {
      Scenario sc = yaml(fc_yaml());
      sc.set("family_care.identification_uptake", std::to_string(uptake));
      sc.set("family_care.course_uptake", std::to_string(uptake));
      sc.set("family_care.matching_uptake", std::to_string(uptake));
      sc.set("family_care.course_dropout", std::to_string(1 - uptake));
      sc.set("family_care.case_management", cm ? "true" : "false");
      sc.set("family_care.case_management_dropout_factor", "0.5");
      const rules::FamilyCareRules rule(sc, 10);
      const double go_on = cm ? 1 - (1 - uptake) * 0.5 : uptake, move = 1 - std::exp(-1.0 / sc[G::family_care_step_gap]);
      Trials tr;
      std::uint64_t st = 3;
      for (int i = 0; i < 20000; ++i) {
        const auto d = draws(st);
        const auto o = rule.worker_week(0, FcOriented, 0, 5, 10, d);
        tr.add("oriented moves", move, o.step != FcOriented);
        if (o.step != FcOriented) tr.add("identification", go_on, o.step == FcWantIdentification);
        const auto v = rule.worker_week(0, FcValidated, 0, 5, 10, d);
        if (v.step != FcValidated) {
          tr.add("course", go_on, v.step == FcWantCourse);
          if (v.step != FcWantCourse) tr.add("matching without course", go_on, v.step == FcMatching);
        }
        const auto c = rule.worker_week(0, FcInCourse, 0, 10 - rule.course_weeks, 10, d);
        tr.add("course completed", go_on, c.step == FcTrained);
        EXPECT_EQ(c.trained, c.step == FcTrained);
        EXPECT_EQ((c.flags & FwQualified) != 0, c.step == FcTrained);
        const auto early = rule.worker_week(0, FcInCourse, 0, 10 - rule.course_weeks + 1, 10, d);
        EXPECT_EQ(early.step, FcInCourse) << "a course lasts family_care.course_duration";
        const auto t = rule.worker_week(0, FcTrained, FwQualified, 5, 10, d);
        if (t.step != FcTrained) tr.add("matching after course", go_on, t.step == FcMatching);
      }
      tr.check("uptake " + std::to_string(uptake) + (cm ? " with case management" : ""),
               {"oriented moves", "identification", "course completed"});
    }
}

TEST(FamilyCareRules, ValidationPassesWithItsProbabilityRisingWithCompetence) {
  for (double pass : {0.5, 0.8, 0.95})
    for (double coef : {0.0, 3.0}) {
      Scenario sc = yaml(fc_yaml());
      sc.set("family_care.validation_pass", std::to_string(pass));
      sc.set("family_care.validation_competence_coef", std::to_string(coef));
      const rules::FamilyCareRules rule(sc, 10);
      Trials tr;
      std::uint64_t st = 5;
      for (int i = 0; i < 20000; ++i) {
        const auto d = draws(st);
        for (float comp : {0.2f, 0.5f, 0.8f}) {
          const double p = mt::logistic(std::log(pass / (1 - pass)) + coef * (comp - 0.5));
          tr.add("competence " + std::to_string(comp), p, rule.served(FcWantValidation, comp, d.u[4]) == FcValidated);
        }
      }
      tr.check("validation " + std::to_string(pass), {"competence 0.500000"});
      if (coef > 0) {
        EXPECT_GT(rule.validation_p(0.8f), rule.validation_p(0.2f));
      }
    }
}

TEST(FamilyCareRules, AdviceAndTheIncentiveRaiseTheRegularContractOnlyForEligibleAdvisedFamilies) {
  for (double amount : {0.0, 1500.0, 3000.0}) {
    Scenario sc = yaml(fc_yaml());
    sc.set("family_care.incentive.amount", std::to_string(amount));
    const rules::FamilyCareRules rule(sc, 10);
    const double base = sc[G::family_care_workers_regular_share], a = sc[G::family_care_families_advice_regular_coef],
                 k = sc[G::family_care_incentive_regular_coef];
    const double z0 = std::log(base / (1 - base));
    Trials tr;
    std::uint64_t st = 9;
    int paid = 0, paid_wrongly = 0;
    for (int i = 0; i < 20000; ++i) {
      const auto d = draws(st);
      struct Case {
        const char* bin;
        std::uint8_t flags;
        double z;
      };
      for (const Case& c : {Case{"not advised", 0, z0}, Case{"advised", FaAdvised, z0 + a},
                            Case{"advised eligible", static_cast<std::uint8_t>(FaAdvised | FaEligible), z0 + a + k * amount / 1000},
                            Case{"eligible not advised", FaEligible, z0}}) {
        const auto r = rule.family_week(0, FfSearching, c.flags, d);
        if (!r.contract) continue;
        tr.add(c.bin, mt::logistic(c.z), r.regular);
        EXPECT_EQ(r.counted, (c.flags & FaAdvised) != 0);
        const bool should_pay = r.regular && (c.flags & FaAdvised) && (c.flags & FaEligible) && amount > 0;
        paid += r.incentive;
        paid_wrongly += r.incentive != should_pay;
      }
    }
    tr.check("incentive " + std::to_string(amount), {"not advised", "advised", "advised eligible"});
    EXPECT_EQ(paid_wrongly, 0);
    if (amount > 0) {
      EXPECT_GT(paid, 0);
    }
  }
}

TEST(FamilyCareRules, ASearchingFamilyTurnsToTheServiceWithItsShareTimesCommunicationAndAskForMatchingWithItsUptake) {
  for (double share : {0.05, 0.2})
    for (double comm : {1.0, 3.0}) {
      Scenario sc = yaml(fc_yaml());
      sc.set("family_care.families.service_share", std::to_string(share));
      sc.set("family_care.communication_families", std::to_string(comm));
      sc.set("family_care.families.matching_uptake", "0.3");
      const rules::FamilyCareRules rule(sc, 10);
      Trials tr;
      std::uint64_t st = 11;
      for (int i = 0; i < 40000; ++i) {
        const auto d = draws(st);
        const auto r = rule.family_week(0, FfIdle, FaAdvised, d);
        tr.add("search", mt::hz(sc[G::family_care_families_search_rate]), r.step != FfIdle);
        if (r.step != FfIdle) {
          tr.add("to the service", std::min(1.0, share * comm), r.step == FfWantAdvice);
          EXPECT_FALSE(r.flags & FaAdvised) << "a new search starts unadvised";
        }
        tr.add("matching", 0.3, rule.after_advice(d.u[4]) == FfWantMatch);
      }
      tr.check("service share " + std::to_string(share), {"search", "matching"});
    }
}

TEST(FamilyCareRules, AWorkersNewJobIsRegularMoreOftenWithAQualification) {
  for (double coef : {0.0, 0.5, 1.5}) {
    Scenario sc = yaml(fc_yaml());
    sc.set("family_care.workers.qualified_regular_coef", std::to_string(coef));
    sc.set("family_care.workers.turnover_rate", "10");
    const rules::FamilyCareRules rule(sc, 10);
    const double base = sc[G::family_care_workers_regular_share], z0 = std::log(base / (1 - base));
    Trials tr;
    std::uint64_t st = 13;
    for (int i = 0; i < 40000; ++i) {
      const auto d = draws(st);
      for (std::uint8_t f : {std::uint8_t{0}, std::uint8_t{FwQualified}}) {
        const auto r = rule.worker_week(0, FcLeft, f, 0, 10, d);
        tr.add("job changes", mt::hz(10), d.u[0] < rule.p_turnover);
        if (d.u[0] < rule.p_turnover) {
          tr.add(f ? "qualified" : "not qualified", mt::logistic(z0 + (f ? coef : 0.0)), r.flags & FwRegular);
        } else {
          EXPECT_EQ(r.flags, f) << "no job change: the contract stays";
        }
      }
    }
    tr.check("qualified coef " + std::to_string(coef), {"qualified", "not qualified"});
  }
}

TEST(FamilyCareRules, WhenTheServiceStopsEveryoneWaitingLeavesButCoursesGoOn) {
  Scenario sc = yaml(fc_yaml());
  sc.set("family_care.end", "20 weeks");
  const rules::FamilyCareRules stopped(sc, 25);
  ASSERT_FALSE(stopped.running);
  std::uint64_t st = 17;
  const auto d = draws(st);
  for (std::uint8_t s : {FcWantOrientation, FcOriented, FcWantIdentification, FcIdentified, FcWantValidation, FcValidated, FcWantCourse,
                         FcTrained, FcMatching})
    EXPECT_EQ(stopped.worker_week(0, s, 0, 24, 25, d).step, FcLeft) << kFcStepNames[s];
  EXPECT_NE(stopped.worker_week(0, FcInCourse, 0, 24, 25, d).step, FcLeft);
  EXPECT_EQ(stopped.family_week(0, FfWantMatch, FaAdvised, d).step, FfSearching);
  EXPECT_FALSE(stopped.offers_incentive());
  EXPECT_EQ(stopped.staff_hours_of(0), 0.0);
  sc.set("family_care.after_end", "ordinary");
  sc.set("family_care.ordinary_staff_factor", "0.5");
  const rules::FamilyCareRules ordinary(sc, 25), funded(sc, 10);
  EXPECT_TRUE(ordinary.running);
  EXPECT_DOUBLE_EQ(ordinary.staff_hours_of(0), 0.5 * funded.staff_hours_of(0));
  EXPECT_EQ(ordinary.seats_of(0), static_cast<std::int64_t>(std::floor(0.5 * 2 * sc[G::family_care_course_seats_per_project])));
}

// An event with target activity (the 2020 lockdown: factor 0.2) in one territory: its care
// workers turn to the service at the contact hazard times the factor, its searching families turn
// to it at their share times the factor, its projects serve with that share of their staff and
// matching hours and course seats, and their staff are paid in full; the other territory and the
// weeks outside the event are untouched.
TEST(FamilyCareRules, ALockdownCutsTheServiceItsChannelsAndItsCoursesNotItsStaffCosts) {
  for (double factor : {0.2, 0.5}) {
    Scenario sc = yaml(fc_yaml() + "events:\n  - {name: lockdown, start: 10 weeks, end: 20 weeks, target: activity, factor: " +
                       std::to_string(factor) + ", territory: a}\n");
    sc.set("family_care.workers.contact_rate", "3.0");
    const double rate = sc[G::family_care_workers_contact_rate] * sc[G::family_care_communication_workers];
    const rules::FamilyCareRules in(sc, 15), after(sc, 25);
    ASSERT_TRUE(in.running && after.running);
    Trials tr;
    std::uint64_t st = 3;
    for (int i = 0; i < 20000; ++i) {
      const auto d = draws(st);
      tr.add("a, lockdown", mt::hz(rate * factor), in.worker_week(0, FcNone, 0, 0, 15, d).step == FcWantOrientation);
      tr.add("b, lockdown", mt::hz(rate), in.worker_week(1, FcNone, 0, 0, 15, d).step == FcWantOrientation);
      tr.add("a, after", mt::hz(rate), after.worker_week(0, FcNone, 0, 0, 25, d).step == FcWantOrientation);
    }
    tr.check("contact in a lockdown of factor " + std::to_string(factor), {"a, lockdown", "b, lockdown", "a, after"});
    EXPECT_DOUBLE_EQ(in.p_family_service_of(0), factor * after.p_family_service_of(0));
    EXPECT_DOUBLE_EQ(in.p_family_service_of(1), after.p_family_service_of(1));
    EXPECT_DOUBLE_EQ(in.staff_hours_of(0), factor * after.staff_hours_of(0));
    EXPECT_DOUBLE_EQ(in.matching_hours_of(0), factor * after.matching_hours_of(0));
    EXPECT_DOUBLE_EQ(in.staff_hours_of(1), after.staff_hours_of(1));
    EXPECT_EQ(in.seats_of(0), static_cast<std::int64_t>(std::floor(factor * 2 * sc[G::family_care_course_seats_per_project] + 1e-9)));
    EXPECT_EQ(in.seats_of(1), after.seats_of(1));
    EXPECT_GT(in.cost_week(0, 0, 0), 0.0);
    EXPECT_DOUBLE_EQ(in.cost_week(0, 3, 1), after.cost_week(0, 3, 1)) << "the staff are paid in full";
  }
}

// The service's period and the incentive at their edges (tools/mutants.py, "[meaning] family
// care"): the service runs in weeks [family_care.start, family_care.end), and a family is paid
// the incentive for its first regular contract only.
TEST(FamilyCareRules, TheServiceRunsUpToItsEndWeekAndPaysTheIncentiveOnce) {
  Scenario sc = yaml(fc_yaml());
  sc.set("family_care.start", "4 weeks");
  sc.set("family_care.end", "20 weeks");
  sc.set("family_care.incentive.amount", "1500");
  EXPECT_FALSE(rules::FamilyCareRules(sc, 3).running);
  EXPECT_TRUE(rules::FamilyCareRules(sc, 4).running);
  EXPECT_TRUE(rules::FamilyCareRules(sc, 19).running);
  EXPECT_FALSE(rules::FamilyCareRules(sc, 20).running) << "family_care.end is the first week without the service";
  const rules::FamilyCareRules rule(sc, 10);
  const auto eligible = static_cast<std::uint8_t>(FaAdvised | FaEligible);
  EXPECT_TRUE(rule.pays_incentive(eligible, true));
  EXPECT_FALSE(rule.pays_incentive(eligible, false)) << "an irregular contract";
  EXPECT_FALSE(rule.pays_incentive(static_cast<std::uint8_t>(eligible | FaIncentive), true)) << "already paid once";
  EXPECT_FALSE(rule.pays_incentive(FaAdvised, true)) << "not eligible";
  // The incentive raises the chance of a regular contract only while it can still be paid.
  EXPECT_GT(rule.regular_contract_p(eligible), rule.regular_contract_p(FaAdvised));
  EXPECT_DOUBLE_EQ(rule.regular_contract_p(static_cast<std::uint8_t>(eligible | FaIncentive)), rule.regular_contract_p(FaAdvised));
}

// ---- Capacities: never exceeded, filled under demand ------------------------------------------

TEST(FamilyCareCapacity, StaffHoursSeatsAndMatchingHoursBindUnderDemand) {
  // Much demand, little staff: every week the hours used stay within the staff hours, and are
  // (nearly) all used; seats are never over-filled and fill up; matches stay within the hours.
  Scenario sc = yaml(fc_yaml("staff_hours_per_project: 25, matching_hours_per_project: 3, workers: {contact_rate: 8},"
                             " families: {service_share: 0.9, matching_uptake: 0.9}, identification_uptake: 0.95, course_uptake: 0.6,"
                             " matching_uptake: 0.9, course_seats_per_project: 2"));
  World w(sc, 0);
  bool seats_full = false, hours_used = false, matches_full = false;
  for (int k = 0; k < 30; ++k) {
    w.step();
    const rules::FamilyCareRules rule(sc, k);
    const auto& fc = w.family_care_state();
    for (int t = 0; t < 2; ++t) {
      const auto& ft = fc.territories[static_cast<std::size_t>(t)];
      const double used = static_cast<double>(ft.week[FcOrientedN]) * rule.hours_orientation +
                          static_cast<double>(ft.week[FcIdentifiedN]) * rule.hours_identification +
                          static_cast<double>(ft.week[FcAdvisedN]) * rule.hours_advice;
      EXPECT_LE(used, rule.staff_hours_of(t) - ft.hours_left + 1e-9) << "week " << k << " territory " << t;
      EXPECT_GE(ft.hours_left, 0.0);
      if (rule.running && ft.hours_left < rule.hours_identification) hours_used = true;
      EXPECT_LE(ft.in_course, rule.seats_of(t));
      // Full, with someone waiting for a seat: the seats bind.
      bool queued = false;
      for (std::size_t i = 0; i < fc.workers.size(); ++i) queued = queued || (fc.workers.territory[i] == t && fc.workers.step[i] == FcWantCourse);
      if (rule.running && ft.in_course == rule.seats_of(t) && queued) seats_full = true;
      EXPECT_LE(static_cast<double>(ft.week[FcMatchedN]) * rule.hours_matching, rule.matching_hours_of(t) + 1e-9);
      if (rule.running && static_cast<double>(ft.week[FcMatchedN] + 1) * rule.hours_matching > rule.matching_hours_of(t)) matches_full = true;
    }
  }
  EXPECT_TRUE(hours_used) << "the staff hours never bound";
  EXPECT_TRUE(seats_full) << "the course seats never filled with someone waiting";
  EXPECT_TRUE(matches_full) << "the matching hours never bound";
}

// ---- Every family-care series equals its recount from the state --------------------------------

TEST(FamilyCareAccounts, EverySeriesEqualsARecountOfTheCareWorkersAndFamilies) {
  Scenario sc = yaml(fc_yaml("end: 30 weeks, workers: {contact_rate: 1}, families: {service_share: 0.3, matching_uptake: 0.5},"
                             " incentive: {eligible_share: 0.5}"));
  World w(sc, 0);
  const int T = 2, W = sc.weeks();
  const auto& fc = w.family_care_state();
  std::map<std::string, std::vector<double>> X;
  std::vector<std::uint8_t> fam_step, fam_flags;
  for (int k = 0; k < W; ++k) {
    mt::run_week(w, mt::around("family_care", [&] { fam_step = fc.families.step, fam_flags = fc.families.flags; },
                               [&] {
                                 auto x = [&](const std::string& n, int t) -> double& {
                                   auto& v = X[n];
                                   v.resize(static_cast<std::size_t>(W) * T, 0.0);
                                   return v[static_cast<std::size_t>(k) * T + t];
                                 };
                                 for (int t = 0; t < T; ++t)
                                   for (const char* n : {"fc_oriented_week", "fc_skills_identified_week", "fc_skills_validated_week",
                                                         "fc_trained_week", "fc_matched_week", "fc_families_advised_week",
                                                         "fc_family_incentives_week", "fc_regular_contracts_week", "fc_in_course",
                                                         "fc_waiting", "fc_matching_list", "fc_regular_share", "fc_service_cost"})
                                     x(n, t) = 0;
                                 const auto& Wk = fc.workers;
                                 std::vector<double> workers(T, 0), regular(T, 0);
                                 for (std::size_t i = 0; i < Wk.size(); ++i) {
                                   const int t = Wk.territory[i];
                                   const bool now = Wk.since[i] == k;
                                   x("fc_oriented_week", t) += now && Wk.step[i] == FcOriented;
                                   x("fc_skills_identified_week", t) += now && Wk.step[i] == FcIdentified;
                                   x("fc_skills_validated_week", t) += now && Wk.step[i] == FcValidated;
                                   x("fc_trained_week", t) += now && Wk.step[i] == FcTrained;
                                   x("fc_matched_week", t) += now && Wk.step[i] == FcPlaced;
                                   x("fc_in_course", t) += Wk.step[i] == FcInCourse;
                                   x("fc_waiting", t) += Wk.step[i] == FcWantOrientation || Wk.step[i] == FcWantIdentification ||
                                                         Wk.step[i] == FcWantValidation || Wk.step[i] == FcWantCourse;
                                   x("fc_matching_list", t) += Wk.step[i] == FcMatching;
                                   workers[t]++, regular[t] += (Wk.flags[i] & FwRegular) != 0;
                                 }
                                 const auto& F = fc.families;
                                 std::vector<double> incentives(T, 0);
                                 for (std::size_t i = 0; i < F.size(); ++i) {
                                   const int t = F.territory[i];
                                   const bool now = F.since[i] == k;
                                   const bool advised_now = (F.flags[i] & FaAdvised) && now && F.step[i] != FfWantAdvice &&
                                                            (fam_step[i] == FfWantAdvice || fam_step[i] == FfIdle);
                                   x("fc_families_advised_week", t) += advised_now;
                                   const bool paid = (F.flags[i] & FaIncentive) && !(fam_flags[i] & FaIncentive);
                                   x("fc_family_incentives_week", t) += paid, incentives[t] += paid;
                                   const bool contract = now && F.step[i] == FfIdle;
                                   x("fc_regular_contracts_week", t) += contract && (F.flags[i] & FaRegular) && (F.flags[i] & FaAdvised);
                                 }
                                 const rules::FamilyCareRules rule(sc, k);
                                 for (int t = 0; t < T; ++t) {
                                   x("fc_regular_share", t) = regular[t] / workers[t];
                                   const double projects = rule.running ? sc.territories[t][T::fc_projects] : 0.0;
                                   x("fc_service_cost", t) =
                                       projects * (sc[G::family_care_staff_hours_per_project] + sc[G::family_care_matching_hours_per_project]) *
                                           sc[G::costs_provider_hour] +
                                       x("fc_in_course", t) * sc[G::family_care_costs_course_per_week] +
                                       incentives[t] * sc[G::family_care_incentive_amount];
                                 }
                               }));
  }
  const auto r = w.results();
  std::size_t checked = 0;
  for (const auto& s : r.weekly) {
    if (s.name.rfind("fc_", 0) != 0) continue;
    ASSERT_TRUE(X.count(s.name)) << s.name << " has no recount";
    double used = 0;
    for (std::size_t i = 0; i < s.values.size(); ++i) {
      ASSERT_NEAR(s.values[i], X[s.name][i], 1e-6 * std::max(1.0, std::fabs(X[s.name][i])))
          << "series " << s.name << " week " << i / T << " territory " << i % T;
      used += std::fabs(X[s.name][i]);
    }
    EXPECT_GT(used, 0) << "series " << s.name << " is zero throughout: its recount tells nothing";
    ++checked;
  }
  EXPECT_EQ(checked, X.size());
  // The headline counts are the series' sums.
  double oriented = 0;
  for (double v : r.weekly[static_cast<std::size_t>(out::Series::fc_oriented_week)].values) oriented += v;
  EXPECT_EQ(r.headline.at("fc_oriented"), oriented);
}

// ---- Off: nothing of the rest of the model changes ----------------------------------------------

TEST(FamilyCareOff, ParametersOfTheModelChangeNothingWhileItIsOffAndTheServiceChangesNoPerson) {
  Scenario base = yaml(fc_yaml());
  base.set("family_care.enabled", "false");
  Scenario changed = base;
  changed.set("family_care.workers.contact_rate", "5");
  changed.set("family_care.incentive.amount", "5000");
  Scenario on = base;
  on.set("family_care.enabled", "true");
  World a(base, 0), b(changed, 0), c(on, 0);
  for (int k = 0; k < 20; ++k) a.step(), b.step(), c.step();
  EXPECT_EQ(a.state_hash(), b.state_hash());
  EXPECT_TRUE(a.family_care_state().workers.territory.empty());
  EXPECT_EQ(a.results().headline.count("fc_oriented"), 0u) << "no family-care indicator without the model";
  EXPECT_EQ(c.results().headline.count("fc_oriented"), 1u);
  // With the model on, the persons, firms and their series are those of the run without it.
  for (const auto& n : World::state_names())
    if (n != "family_care" && n != "series") {
      EXPECT_EQ(a.column_hash(n), c.column_hash(n)) << n;
    }
  EXPECT_NE(a.state_hash(), c.state_hash());
  EXPECT_NE(a.column_hash("family_care"), 0u) << "a known part of the state, empty without the model";
  EXPECT_NE(a.column_hash("family_care"), c.column_hash("family_care"));
}

// ---- The link with the other target groups (an assumption, off by default) --------------------

TEST(FamilyCareRules, OnlyWomenOfTheMigrantGroupLookingForWorkTakeUpCareWorkAtItsHazard) {
  Persons P;
  P.resize(7);
  for (std::uint32_t p = 0; p < 7; ++p) {
    P.exit[p] = -1, P.flags[p] = FFemale, P.groups[p] = GMigrant, P.work[p] = Searching, P.housing[p] = Shelter;
  }
  P.exit[1] = 3;                  // left
  P.flags[2] = 0;                 // a man
  P.groups[3] = GHomeless;        // not a migrant
  P.work[4] = Employed;           // in work already
  P.work[5] = Training;           // in a course
  P.housing[6] = Institution;     // in an institution
  EXPECT_TRUE(rules::FamilyCareRules::may_take_care_work(P, 0));
  for (std::uint32_t p = 1; p < 7; ++p) EXPECT_FALSE(rules::FamilyCareRules::may_take_care_work(P, p)) << "person " << p;
  P.groups[0] = GMigrant | GHomeless;
  EXPECT_TRUE(rules::FamilyCareRules::may_take_care_work(P, 0)) << "a migrant of another group too";

  for (double rate : {0.0, 0.5, 4.0})
    for (double regular : {0.3, 0.7}) {
      Scenario sc = yaml(fc_yaml());
      sc.set("family_care.workers.from_migrant_jobseekers", std::to_string(rate));
      sc.set("family_care.workers.regular_share", std::to_string(regular));
      const rules::FamilyCareRules rule(sc, 10);
      Trials tr;
      std::uint64_t st = 3;
      int not_female_foreign = 0;
      for (int i = 0; i < 20000; ++i) {
        const auto d = draws(st);
        tr.add("takes", mt::hz(rate), rule.takes_care_work(d.u[0]));
        const auto f = rule.care_worker_flags(d.u[1]);
        tr.add("regular", regular, (f & FwRegular) != 0);
        not_female_foreign += (f & (FwFemale | FwForeign)) != (FwFemale | FwForeign) || (f & FwQualified);
      }
      tr.check("care work at rate " + std::to_string(rate), rate > 0 ? std::initializer_list<const char*>{"takes", "regular"}
                                                                      : std::initializer_list<const char*>{"regular"});
      EXPECT_EQ(not_female_foreign, 0) << "a foreign-born woman without a qualification";
    }
  Scenario off = yaml(fc_yaml());
  off.set("family_care.enabled", "false");
  off.set("family_care.workers.from_migrant_jobseekers", "4");
  EXPECT_EQ(rules::FamilyCareRules(off, 10).p_care_work, 0) << "no care work without the family-care model";
}

TEST(FamilyCareLink, MigrantWomenLookingForWorkBecomeCareWorkersOfTheServiceAndHoldTheJob) {
  const std::string text =
      "name: link\nseed: 11\nhorizon: 40 weeks\nstart_date: 2019-01-07\n"
      "population: {female_share: 0.6}\n"
      "family_care: {enabled: true, start: 2 weeks, workers: {contact_rate: 2, from_migrant_jobseekers: 3}}\n"
      "territories:\n"
      "  - {name: a, initial_population: 300, inflow: 3, fc_projects: 2, fc_care_workers: 500, fc_families: 500}\n"
      "  - {name: b, initial_population: 200, inflow: 2, fc_projects: 1, fc_care_workers: 300, fc_families: 300}\n";
  const Scenario sc = yaml(text);
  Scenario off = sc;
  off.set("family_care.workers.from_migrant_jobseekers", "0");
  World w(sc, 0), w0(off, 0);
  const auto& fc = w.family_care_state();
  const auto& P = w.persons();
  ASSERT_EQ(fc.workers.size(), fc.own_workers);
  Trials tr;
  std::vector<std::uint32_t> eligible;
  std::size_t workers_before = 0, linked_before = 0;
  const int W = sc.weeks();
  for (int k = 0; k < W; ++k) {
    const rules::FamilyCareRules rule(sc, k);
    mt::run_week(w, mt::around("family_care",
                               [&] {
                                 eligible.clear();
                                 for (std::uint32_t p = 0; p < P.size(); ++p)
                                   if (rules::FamilyCareRules::may_take_care_work(P, p)) eligible.push_back(p);
                                 workers_before = fc.workers.size(), linked_before = fc.worker_person.size();
                               },
                               [&] {
                                 const std::size_t added = fc.worker_person.size() - linked_before;
                                 ASSERT_EQ(fc.workers.size(), workers_before + added) << "a care worker for each woman who took up care work";
                                 std::vector<char> linked(P.size(), 0);
                                 for (std::size_t j = linked_before; j < fc.worker_person.size(); ++j) {
                                   const std::uint32_t p = fc.worker_person[j];
                                   linked[p] = 1;
                                   const std::size_t i = fc.own_workers + j;
                                   EXPECT_EQ(fc.workers.territory[i], P.territory[p]) << "her territory's care worker";
                                   EXPECT_EQ(fc.workers.flags[i] & (FwFemale | FwForeign), FwFemale | FwForeign);
                                   EXPECT_LE(fc.workers.step[i], FcOriented) << "at most oriented in her first week as a care worker";
                                   EXPECT_EQ(P.work[p], Employed);
                                   EXPECT_EQ(P.firm[p], -1) << "a job with a family, not a firm";
                                   EXPECT_EQ(P.emp_phase[p], EpMarketJob);
                                   EXPECT_EQ(P.hire_week[p], k);
                                 }
                                 for (std::uint32_t p : eligible) tr.add("takes", rule.p_care_work, linked[p] != 0);
                                 for (std::uint32_t p = 0; p < P.size(); ++p)
                                   if (linked[p]) {
                                     EXPECT_TRUE(std::binary_search(eligible.begin(), eligible.end(), p)) << "person " << p << " was not eligible";
                                   }
                               }));
    mt::run_week(w0);
    // Every woman who took up care work holds it while she stays (the firms' job loss does not apply).
    for (std::uint32_t p : fc.worker_person)
      if (P.active(p)) {
        ASSERT_TRUE(P.work[p] == Employed && P.firm[p] == -1) << "person " << p << " week " << k;
      }
  }
  tr.check("taking up care work", {"takes"});
  ASSERT_GT(fc.worker_person.size(), 30u);
  // They go through the service like the other care workers.
  std::size_t on_pathway = 0;
  for (std::size_t i = fc.own_workers; i < fc.workers.size(); ++i) on_pathway += fc.workers.step[i] != FcNone;
  EXPECT_GT(on_pathway, 0u) << "no woman who took up care work turned to the service";
  // Ablation: without the link the care workers are the ones of week 0 and the persons' jobs differ.
  EXPECT_TRUE(w0.family_care_state().worker_person.empty());
  EXPECT_EQ(w0.family_care_state().workers.size(), w0.family_care_state().own_workers);
  EXPECT_NE(w.column_hash("work"), w0.column_hash("work"));
  EXPECT_NE(w.column_hash("family_care"), w0.column_hash("family_care"));
  // More of the migrant women are in work with the link.
  auto employed_women = [](const World& x) {
    const auto& Q = x.persons();
    int n = 0;
    for (std::uint32_t p = 0; p < Q.size(); ++p)
      n += Q.active(p) && (Q.flags[p] & FFemale) && (Q.groups[p] & GMigrant) && Q.work[p] == Employed;
    return n;
  };
  EXPECT_GT(employed_women(w), employed_women(w0));
}

// ---- The trial measure of the funnel: its errors at file:line:column ----------------------------

TEST(FamilyCareTrial, TheFunnelMeasureNeedsAKnownStepAndSaysWhereItIsWrong) {
  const std::string head =
      "name: t\nseed: 1\nhorizon: 20 weeks\nfamily_care: {enabled: true}\n"
      "territories: [{name: r, initial_population: 10, fc_projects: 1, fc_care_workers: 100, fc_families: 100}]\n"
      "trial:\n  cohort: 10\n  arms: {service: {family_care: {after_end: stops}}}\n  measures:\n";
  const Trial ok = parse_trial(head + "    m: {kind: family_care_count, step: trained, at: 10 weeks}\n", "t.yaml");
  ASSERT_EQ(ok.spec.measures.size(), 1u);
  EXPECT_EQ(ok.spec.measures[0].step, "trained");
  EXPECT_EQ(ok.spec.measures[0].at, 10);
  auto error_of = [&](const std::string& measure) {
    try {
      parse_trial(head + measure, "t.yaml");
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("    m: {kind: family_care_count, step: traind, at: 10 weeks}\n").find("t.yaml:10:40: measure 'm': unknown step 'traind'"),
            std::string::npos)
      << error_of("    m: {kind: family_care_count, step: traind, at: 10 weeks}\n");
  EXPECT_NE(error_of("    m: {kind: family_care_count, at: 10 weeks}\n").find("needs its argument 'step'"), std::string::npos);
  EXPECT_NE(error_of("    m: {kind: family_care_count, step: trained}\n").find("needs its time argument 'at'"), std::string::npos);
}
