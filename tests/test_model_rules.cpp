// Tests of model meaning, rules: every hazard of the model checked against its parameters at
// three parameter values or more, each covariate's effect by bins of the covariate (so that a
// flipped sign, a dropped covariate or a covariate dropped from the hazard's upper bound shows),
// and the deterministic rules (minimum stays, timings, thresholds, gains) exactly. Observed
// counts are compared with the sum of the predicted probabilities, person by person, within
// 4.5 standard deviations (Trials in model_test_helpers.hpp); seeds are fixed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "model_test_helpers.hpp"
#include "sim/engine/world.hpp"
#include "sim/model/rules.hpp"

using namespace percorsi;
using namespace percorsi::mt;

namespace {

// One territory (or several, named A, B, ...) of many people, no arrivals, no exits, every
// hazard off: each test turns on the rules it checks. Capacities are ample unless a test sets them.
Scenario base(int people = 20000, int territories = 1) {
  std::ostringstream y;
  y << R"(
name: rules
seed: 1234
horizon: 2 years
population:
  initial: {street: 1, shelter: 0, transitional: 0, known: 0}
  groups: {mental_health: 0.4, disability: 0.3, long_term_unemployed: 0}
  seeking_work: 0
  income_support: 0.5
exits: {rate: 0}
life: {eviction_rate: 0, reconnection_rate: 0, health_crisis_rate: 0, health_recovery: 0, reconnection_age_coef: 0,
       reconnection_estranged_coef: 0, reconnection_migrant_coef: 0, reconnection_chronic_coef: 0, reconnection_efficacy_coef: 0,
       efficacy_support_rate: 0}
rehousing: {private_rate: 0}
institution: {health_rate: 0, justice_rate: 0}
access: {contact_rate: 0}
case: {dropout_rate: 0}
step: {shelter_seek_rate: 0, shelter_dropout_rate: 0, transitional_dropout_rate: 0, readiness_rate: 0, move_on_rate: 0,
       case_time_coef: 0, move_on_efficacy_coef: 0}
housing_first: {tenancy_loss_rate: 0}
employment: {discouragement: {rate: 0}, internship: {dropout_rate: 0, rigid_functioning_coef: 0}, qualifying_gain: 0,
             job_loss: {rate: 0, functioning_coef: 0, mental_health_coef: 0, non_profit_coef: 0}, reiteration: {efficacy_gain: 0}}
labour: {job_finding_rate: 0, mental_health_coef: 0}
network: {firms_per_partner: 0, overhead_per_partner: 0}
firms: {non_profit_vacancy_factor: 1}
cpi: {joint_assessment_factor: 1, codesign_duration: 0 weeks, codesign_dropout_coef: 0}
territories:
)";
  for (int t = 0; t < territories; ++t)
    y << "  - {name: " << static_cast<char>('A' + t) << ", initial_population: " << people
      << R"(, inflow: 0, shelter_beds: 1000000, transitional_places: 1000000, firms: 0, case_workers: 100000,
     assessment_capacity: 100000, cpi_assessment_capacity: 100000, affordable_lets: 100000, training_seats: 100000,
     social_housing_lets: 0}
)";
  return yaml(y.str());
}

void set_all(Scenario& sc, const std::map<std::string, std::string>& kv) {
  for (const auto& [k, v] : kv) sc.set(k, v);
}
std::string str(double x) {
  std::ostringstream o;
  o << x;
  return o.str();
}
// An event on `target` with this factor in force from week `start` on (in one territory, or all).
Scenario with_event(const Scenario& sc, const std::string& target, double f, const std::string& territory = "", int start = 0) {
  std::string y = sc.to_yaml();
  y += "events: [{name: e, target: " + target + ", factor: " + str(f) + (territory.empty() ? "" : ", territory: " + territory) +
       ", start: " + std::to_string(start) + " weeks, end: 1000 weeks}]\n";
  return yaml(y);
}
bool mh(const Persons& P, std::size_t p) { return (P.groups[p] & GMentalHealth) != 0; }
int income(const Persons& P, std::size_t p) { return ((P.flags[p] & FIncome) != 0) | (P.work[p] == Employed); }

// Takes everyone known at week 0 in charge (the contact phase serves the case queue).
void take_in_charge(World& w) { run_week(w, {}, {"contact_and_assessment"}); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Inflow and exits

TEST(ModelRules, ExitHazardFollowsRateAndHealthCoefficient) {
  for (auto [rate, coef] : {std::pair{2.0, -3.0}, {4.0, 0.0}, {3.0, 3.0}}) {
    Scenario sc = base();
    set_all(sc, {{"exits.rate", str(rate)}, {"exits.health_coef", str(coef)}, {"exits.age_out", "120"}, {"exits.followed", "true"}});
    World w(sc, 0);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<float> health;
    for (int k = 0; k < 3; ++k)
      run_week(w, around("inflow_and_exits", [&] { health = P.health; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p)
                             if (P.exit[p] < 0 || P.exit[p] == w.week())
                               tr.add(tercile(health[p]), hz(rate, coef * (health[p] - 0.5)), P.exit[p] == w.week());
                         }),
               {"inflow_and_exits"});
    tr.check("exit rate " + str(rate) + " health coef " + str(coef), {"low", "mid", "high"});
  }
}

// Homeless people with no plan open leave at the base rate times exp(exits.homeless_coef);
// people in charge, or housed, at the base rate; exits.followed (a trial) turns the term off.
TEST(ModelRules, HomelessWithNoPlanLeaveFasterUnlessFollowed) {
  for (auto [coef, followed] : {std::pair{2.0, false}, {1.0, false}, {2.0, true}}) {
    Scenario sc = base();
    set_all(sc, {{"exits.rate", "2"}, {"exits.health_coef", "0"}, {"exits.age_out", "120"}, {"exits.homeless_coef", str(coef)},
                 {"exits.followed", followed ? "true" : "false"}, {"exits.settled_after", "20 years"}});
    World w(sc, 0);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> housing, kase;
    for (int k = 0; k < 3; ++k)
      run_week(w, around("inflow_and_exits", [&] { housing = P.housing, kase = P.kase; },
                         [&] {
                           for (std::size_t p = 0; p < housing.size(); ++p) {
                             if (!(P.exit[p] < 0 || P.exit[p] == w.week())) continue;
                             const bool term = !followed && homeless(housing[p]) && kase[p] != InCharge && kase[p] != FollowUp;
                             tr.add(term ? "homeless, no plan" : "other", hz(2.0, term ? coef : 0.0), P.exit[p] == w.week());
                           }
                         }),
               {"inflow_and_exits"});
    tr.check("homeless coef " + str(coef) + (followed ? " followed" : ""), {followed ? "other" : "homeless, no plan"});
  }
}

// A person in an own tenancy for exits.settled_after with no plan open leaves the population the
// services follow; with a plan open, or followed, they stay.
TEST(ModelRules, SettledPeopleLeaveAfterTheirTime) {
  for (bool followed : {false, true}) {
    Scenario sc = base();
    set_all(sc, {{"exits.rate", "0"}, {"exits.age_out", "120"}, {"exits.settled_after", "10 weeks"},
                 {"exits.followed", followed ? "true" : "false"}, {"population.initial.street", "0.5"}, {"access.contact_rate", "0"}});
    World w(sc, 0);
    const Persons& P = w.persons();
    std::size_t housed = 0;
    for (std::size_t p = 0; p < P.size(); ++p) housed += P.housing[p] == Housed;
    ASSERT_GT(housed, 50u);
    for (int k = 0; k < 12; ++k) run_week(w, {}, {"inflow_and_exits"});
    for (std::size_t p = 0; p < P.size(); ++p) {
      if (P.entry[p] != 0) continue;
      if (P.housing[p] == Housed && P.kase[p] == Unknown && !followed)
        EXPECT_EQ(P.exit[p], 10) << p << ": settled at week 10";
      else
        EXPECT_LT(P.exit[p], 0) << p;
    }
  }
}

TEST(ModelRules, PeopleAgeOutAtTheAgeLimit) {
  for (int limit : {30, 45, 60}) {
    Scenario sc = base(5000);
    sc.set("exits.age_out", std::to_string(limit));
    World w(sc, 0);
    for (int k = 0; k < 54; ++k) run_week(w, {}, {"inflow_and_exits"});
    const Persons& P = w.persons();
    int old = 0;
    for (std::size_t p = 0; p < P.size(); ++p) {
      const int expect = P.age[p] >= limit ? 0 : (P.age[p] + 1 >= limit ? 52 : -1);
      ASSERT_EQ(P.exit[p], expect) << "age " << int(P.age[p]) << " limit " << limit;
      old += expect >= 0;
    }
    EXPECT_GT(old, 100);
  }
}

// ---------------------------------------------------------------------------------------------
// Life events

TEST(ModelRules, EvictionFollowsIncomeAndReconnectionItsRate) {
  for (auto [evict, coef, recon] : {std::tuple{3.0, -1.5, 2.0}, {5.0, 0.0, 4.0}, {2.0, 1.0, 1.0}}) {
    Scenario sc = base();
    set_all(sc, {{"population.initial.street", "0.5"}, {"life.eviction_rate", str(evict)},
                 {"life.eviction_income_coef", str(coef)}, {"life.reconnection_rate", str(recon)},
                 {"life.efficacy_failure_loss", "0.07"}, {"life.efficacy_success_gain", "0.04"}, {"life.efficacy_wait_loss", "0.01"}});
    World w(sc, 1);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> h;
    std::vector<float> eff;
    for (int k = 0; k < 3; ++k)
      run_week(w, around("life_events", [&] { h = P.housing, eff = P.efficacy; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (h[p] == Housed) {
                               const bool ev = P.housing[p] == Street;
                               tr.add(income(P, p) ? "evict_income" : "evict_no_income", hz(evict, coef * income(P, p)), ev);
                               // An eviction is a failure, and then the person waits without a plan.
                               ASSERT_EQ(P.efficacy[p], ev ? clamp01(eff[p] - 0.07f - 0.01f) : eff[p]);
                             } else {
                               const bool back = P.housing[p] == Housed;
                               tr.add("reconnect", hz(recon), back);
                               ASSERT_EQ(P.efficacy[p], back ? clamp01(eff[p] + 0.04f) : clamp01(eff[p] - 0.01f));
                             }
                           }
                         }),
               {"life_events"});
    tr.check("eviction " + str(evict) + " income coef " + str(coef) + " reconnection " + str(recon),
             {"evict_income", "evict_no_income", "reconnect"});
  }
}

// A rent subsidy (housing.rent_subsidy.amount > 0) lowers the eviction hazard of the tenants with
// no income it is paid to by housing.rent_subsidy.eviction_factor; people with an income are not
// paid it and keep their hazard; without a subsidy the factor does nothing.
TEST(ModelRules, ARentSubsidyLowersTheEvictionOfTheTenantsItIsPaidTo) {
  for (auto [amount, factor] : {std::pair{0.0, 0.2}, {40.0, 0.2}, {40.0, 0.7}}) {
    Scenario sc = base();
    set_all(sc, {{"population.initial.street", "0.2"}, {"life.eviction_rate", "6"}, {"life.eviction_income_coef", "-0.5"},
                 {"housing.rent_subsidy.amount", str(amount)}, {"housing.rent_subsidy.eviction_factor", str(factor)}});
    World w(sc, 1);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> h;
    for (int k = 0; k < 3; ++k)
      run_week(w, around("life_events", [&] { h = P.housing; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (h[p] != Housed) continue;
                             const bool ev = P.housing[p] == Street;
                             if (income(P, p)) tr.add("evict_income", hz(6, -0.5), ev);
                             else tr.add("evict_no_income", hz(6 * (amount > 0 ? factor : 1.0)), ev);
                           }
                         }),
               {"life_events"});
    tr.check("rent subsidy " + str(amount) + " factor " + str(factor), {"evict_income", "evict_no_income"});
  }
}

// Self-efficacy rises with support: each week with a plan and a case worker closes
// life.efficacy_support_rate of the gap to 1; people assessed and waiting for a case worker
// keep theirs (the access queue wears it down: CaseDropOut and contact tests).
TEST(ModelRules, SelfEfficacyRisesWithSupportAndFallsWithWaiting) {
  for (float rate : {0.003f, 0.02f, 0.1f}) {
    Scenario sc = base(3000);
    set_all(sc, {{"population.initial.known", "1"}, {"population.initial.street", "0"}, {"life.efficacy_support_rate", str(rate)},
                 {"life.efficacy_wait_loss", "0.01"}, {"case.follow_up_after", "520 weeks"}});
    // Case workers for about half of the people: the others wait in the case queue.
    sc.set("territories[].case_workers", str(1500.0 / sc[G::case_caseload]), 0);
    World w(sc, 1);
    const Persons& P = w.persons();
    take_in_charge(w);
    std::vector<float> eff;
    int supported = 0, waiting = 0;
    for (int k = 0; k < 4; ++k)
      run_week(w, around("life_events", [&] { eff = P.efficacy; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (P.kase[p] == InCharge) {
                               supported++;
                               ASSERT_FLOAT_EQ(P.efficacy[p], clamp01(eff[p] + rate * (1.0f - eff[p]))) << p;
                             } else {
                               ASSERT_EQ(P.kase[p], Assessed) << p;
                               waiting++;
                               ASSERT_EQ(P.efficacy[p], eff[p]) << p;  // assessed: no plan yet, not in the access queue
                             }
                           }
                         }),
               {"life_events"});
    EXPECT_GT(supported, 4000);
    EXPECT_GT(waiting, 4000);
  }
}

TEST(ModelRules, HealthCrisisDoubledByMentalIllnessAndRecoveryDoubledWhenStablyHoused) {
  for (auto [rate, drop, rec] : {std::tuple{2.0, 0.1, 0.01}, {4.0, 0.2, 0.03}, {6.0, 0.3, 0.0}}) {
    Scenario sc = base();
    set_all(sc, {{"population.initial.street", "0.5"}, {"life.health_crisis_rate", str(rate)},
                 {"life.health_crisis_drop", str(drop)}, {"life.health_recovery", str(rec)}});
    World w(sc, 2);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<float> health;
    std::vector<std::uint8_t> h;
    int recovered = 0;
    for (int k = 0; k < 4; ++k)
      run_week(w, around("life_events", [&] { health = P.health, h = P.housing; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             const float x = health[p], x0 = P.health0[p];
                             const bool crisis = P.health[p] < x;
                             if (x == 0) continue;  // a crisis at health 0 leaves no trace
                             tr.add(mh(P, p) ? "mental_illness" : "no_mental_illness", hz(rate * (mh(P, p) ? 2 : 1)), crisis);
                             if (crisis) {
                               ASSERT_EQ(P.health[p], clamp01(x - static_cast<float>(drop)));
                             } else {
                               const float up = std::min(x0, x + static_cast<float>(rec) * (stable(h[p]) ? 2.f : 1.f));
                               ASSERT_EQ(P.health[p], x < x0 ? up : x) << "recovery towards the health at entry";
                               recovered += x < x0 && rec > 0;
                             }
                           }
                         }),
               {"life_events"});
    tr.check("crisis rate " + str(rate), {"mental_illness", "no_mental_illness"});
    if (rec > 0) {
      EXPECT_GT(recovered, 100);
    }
  }
}

TEST(ModelRules, CaseDropOutFollowsSelfEfficacy) {
  for (auto [rate, coef] : {std::pair{3.0, -3.0}, {6.0, 0.0}, {4.0, 2.5}}) {
    Scenario sc = base();
    set_all(sc, {{"population.initial.known", "1"}, {"case.dropout_rate", str(rate)}, {"case.dropout_efficacy_coef", str(coef)}});
    World w(sc, 3);
    take_in_charge(w);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> c;
    std::vector<float> eff;
    for (int k = 0; k < 3; ++k)
      run_week(w, around("life_events", [&] { c = P.kase, eff = P.efficacy; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p)
                             if (c[p] == InCharge) tr.add(tercile(eff[p]), hz(rate, coef * (eff[p] - 0.5)), P.kase[p] == Closed);
                         }),
               {"life_events"});
    tr.check("case drop-out rate " + str(rate) + " coef " + str(coef), {"low", "mid", "high"});
  }
}

// Plans move to follow-up after case.follow_up_after weeks stably housed, close after
// follow_up_length weeks, and a closed case of a person still in need reopens (back to
// unknown) after access.recontact_after weeks.
TEST(ModelRules, CaseFollowUpClosureAndRecontactHappenAtTheirTimes) {
  for (auto [after, len, recontact] : {std::tuple{2, 3, 2}, {4, 2, 5}, {1, 5, 3}}) {
    Scenario sc = base(8000);
    set_all(sc, {{"population.initial.street", "0.5"}, {"population.initial.known", "1"}, {"life.reconnection_rate", "8"},
                 {"life.eviction_rate", "8"}, {"case.follow_up_after", std::to_string(after) + " weeks"},
                 {"case.follow_up_length", std::to_string(len) + " weeks"}, {"access.recontact_after", std::to_string(recontact) + " weeks"}});
    World w(sc, 4);
    take_in_charge(w);
    const Persons& P = w.persons();
    std::vector<std::uint8_t> c;
    std::vector<std::int16_t> since;
    std::map<int, int> moves;
    for (int k = 0; k < 30; ++k)
      run_week(w, around("life_events", [&] { c = P.kase, since = P.case_since; },
                         [&] {
                           const int wk = w.week();
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             const bool need = homeless(P.housing[p]);
                             std::uint8_t expect = c[p];
                             const int housed = std::max<int>(P.housing_since[p], P.intake[p]);
                             if (c[p] == InCharge && stable(P.housing[p]) && wk - housed >= after) expect = FollowUp;
                             if (c[p] == FollowUp && wk - since[p] >= len) expect = Closed;
                             if (c[p] == Closed && need && wk - since[p] >= recontact) expect = Unknown;
                             ASSERT_EQ(P.kase[p], expect) << "person " << p << " week " << wk << " from " << kCaseNames[c[p]];
                             if (expect != c[p]) moves[expect]++;
                           }
                         }),
               {"life_events"});
    EXPECT_GT(moves[FollowUp], 50);
    EXPECT_GT(moves[Closed], 50);
    EXPECT_GT(moves[Unknown], 20);
  }
}

// The plan moves to follow-up when its goals are reached: stably housed for case.follow_up_after
// since the plan began (or since moving in), and no employment pathway under way. (Before the
// fix the timer ran on the time stably housed alone: people housed from the start moved to
// follow-up and were closed about a year in, their employment pathway cut off for good.) A new
// plan restarts a pathway that ended with an earlier case.
TEST(ModelRules, ThePlanMovesToFollowUpWhenItsGoalsAreReachedAndANewPlanRestartsThePathway) {
  Scenario sc = base(6000);
  set_all(sc, {{"population.initial.street", "0"}, {"population.initial.known", "1"}, {"population.groups.long_term_unemployed", "1"},
               {"case.follow_up_after", "8 weeks"}, {"case.follow_up_length", "4 weeks"}, {"access.recontact_after", "2 weeks"},
               {"employment.orientation", "2 weeks"}, {"employment.training.threshold", "0"}, {"employment.matching.rate", "4"},
               {"employment.discouragement.rate", "6"}, {"territories[].case_workers", "1000"}, {"access.contact_rate", "52"},
               {"territories[].assessment_capacity", "1000"}, {"territories[].cpi_assessment_capacity", "1000"}});
  World w(sc, 41);
  const Persons& P = w.persons();
  std::vector<std::uint8_t> c, ph;
  int kept_for_pathway = 0, to_follow_up = 0, restarted = 0;
  for (int k = 0; k < 60; ++k)
    run_week(w, [&](const std::string& phase, bool after) {
      if (!after) {
        c = P.kase, ph = P.emp_phase;
        return;
      }
      const int wk = w.week();
      for (std::size_t p = 0; p < c.size(); ++p) {
        if (!P.active(p)) continue;
        if (phase == "life_events" && c[p] == InCharge && stable(P.housing[p])) {
          const bool pathway = ph[p] == EpOrientation || ph[p] == EpTraining || ph[p] == EpMatching || ph[p] == EpInternship;
          const int housed = std::max<int>(P.housing_since[p], P.intake[p]);
          if (P.kase[p] == FollowUp) {
            ++to_follow_up;
            ASSERT_FALSE(pathway) << "person " << p << " moved to follow-up in the middle of a pathway";
            ASSERT_GE(wk - housed, 8);
          }
          if (pathway && wk - P.housing_since[p] >= 8) {
            ++kept_for_pathway;  // the old rule would have moved this plan to follow-up
            ASSERT_EQ(P.kase[p], InCharge);
          }
        }
        if (phase == "contact_and_assessment" && c[p] != InCharge && P.kase[p] == InCharge) {
          ASSERT_NE(P.emp_phase[p], EpOut) << "a new plan keeps the pathway of the old one closed";
          restarted += ph[p] == EpOut;
        }
      }
    });
  EXPECT_GT(to_follow_up, 50);
  EXPECT_GT(kept_for_pathway, 100);
  EXPECT_GT(restarted, 10);
}

// ---------------------------------------------------------------------------------------------
// Contact

TEST(ModelRules, ContactHazardFollowsSelfEfficacyAndActivityAmongPeopleInNeed) {
  for (auto [rate, coef, activity] : {std::tuple{6.0, 1.0, 1.0}, {10.0, -2.0, 0.5}, {8.0, 2.5, 2.0}}) {
    Scenario sc = base();
    set_all(sc, {{"population.initial.street", "0.6"}, {"population.seeking_work", "0.5"}, {"access.contact_rate", str(rate)},
                 {"access.contact_efficacy_coef", str(coef)}});
    World w(with_event(sc, "activity", activity), 5);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> c;
    std::vector<float> eff;
    for (int k = 0; k < 3; ++k)
      run_week(w, around("contact_and_assessment", [&] { c = P.kase, eff = P.efficacy; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (c[p] != Unknown) continue;
                             const bool in_need = homeless(P.housing[p]) || P.seeking[p];
                             const std::string bin = in_need ? tercile(eff[p]) : "not_in_need";
                             tr.add(bin, in_need ? hz(rate * activity, coef * (eff[p] - 0.5)) : 0.0, P.kase[p] != Unknown);
                           }
                         }),
               {"contact_and_assessment"});
    tr.check("contact rate " + str(rate) + " coef " + str(coef) + " activity " + str(activity), {"low", "mid", "high"});
  }
}

// ---------------------------------------------------------------------------------------------
// Housing: the step model

TEST(ModelRules, ShelterSeekingAndAcceptanceLoweredByAThirdByMentalIllness) {
  for (auto [seek, accept] : {std::pair{10.0, 0.3}, {26.0, 0.6}, {52.0, 0.9}}) {
    Scenario sc = base();
    set_all(sc, {{"step.shelter_seek_rate", str(seek)}, {"step.shelter_acceptance", str(accept)}});
    World w(sc, 6);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> h;
    for (int k = 0; k < 2; ++k)
      run_week(w, around("housing_pathway", [&] { h = P.housing; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p)
                             if (h[p] == Street)
                               tr.add(mh(P, p) ? "mental_illness" : "no_mental_illness",
                                      hz(seek) * accept * (mh(P, p) ? 2.0 / 3.0 : 1.0), P.housing[p] == Shelter);
                         }),
               {"housing_pathway"});
    tr.check("seek " + str(seek) + " acceptance " + str(accept), {"mental_illness", "no_mental_illness"});
  }
}

TEST(ModelRules, ShelterAndTransitionalDropOutFollowSelfEfficacyAndMentalIllness) {
  for (auto [sh, tr_rate, e, m] : {std::tuple{3.0, 2.0, -2.0, 0.7}, {5.0, 4.0, 1.5, -0.5}, {2.0, 6.0, -3.0, 1.5}}) {
    Scenario sc = base();
    set_all(sc, {{"population.initial.street", "0"}, {"population.initial.shelter", "0.5"}, {"population.initial.transitional", "0.5"},
                 {"step.shelter_dropout_rate", str(sh)}, {"step.transitional_dropout_rate", str(tr_rate)},
                 {"step.dropout_efficacy_coef", str(e)}, {"step.dropout_mental_health_coef", str(m)},
                 {"life.efficacy_failure_loss", "0.06"}});
    World w(sc, 7);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> h;
    std::vector<float> eff;
    for (int k = 0; k < 3; ++k)
      run_week(w, around("housing_pathway", [&] { h = P.housing, eff = P.efficacy; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (h[p] != Shelter && h[p] != Transitional) continue;
                             const double lp = e * (eff[p] - 0.5) + (mh(P, p) ? m : 0.0);
                             const bool out = P.housing[p] != h[p];
                             const std::string bin = std::string(kHousingNames[h[p]]) + (mh(P, p) ? "_mi_" : "_") + tercile(eff[p]);
                             tr.add(bin, hz(h[p] == Shelter ? sh : tr_rate, lp), out);
                             if (!out) continue;
                             // Down one step: a shelter bed (free here) or the street; a failure.
                             ASSERT_EQ(P.housing[p], h[p] == Shelter ? Street : Shelter);
                             ASSERT_EQ(P.efficacy[p], clamp01(eff[p] - 0.06f));
                           }
                         }),
               {"housing_pathway"});
    tr.check("shelter drop-out " + str(sh) + " transitional " + str(tr_rate) + " efficacy coef " + str(e) + " mental illness coef " + str(m),
             {"shelter_low", "shelter_high", "shelter_mi_low", "shelter_mi_high", "transitional_low", "transitional_high",
              "transitional_mi_low", "transitional_mi_high"}, 15);
  }
}

TEST(ModelRules, ReadinessFollowsSelfEfficacyHealthAndActivityAfterTheMinimumStay) {
  // The last configuration makes health dominate (its term of the hazard's upper bound matters).
  for (auto [rate, e, hc, act] : {std::tuple{6.0, 2.0, 1.5, 1.0}, {10.0, -1.5, 2.0, 0.5}, {8.0, 2.5, -2.0, 2.0}, {4.0, 0.3, 5.0, 1.0}}) {
    Scenario sc = base();
    set_all(sc, {{"population.initial.street", "0"}, {"population.initial.shelter", "1"}, {"population.initial.known", "1"},
                 {"step.readiness_rate", str(rate)}, {"step.readiness_efficacy_coef", str(e)}, {"step.readiness_health_coef", str(hc)},
                 {"step.shelter_min_stay", "2 weeks"}, {"life.efficacy_success_gain", "0.03"}});
    World w(with_event(sc, "activity", act), 8);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> h;
    std::vector<float> eff;
    std::vector<std::int16_t> since;
    for (int k = 0; k < 5; ++k)
      run_week(w, around("housing_pathway", [&] { h = P.housing, eff = P.efficacy, since = P.housing_since; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (h[p] != Shelter) continue;
                             const bool up = P.housing[p] == Transitional;
                             const bool early = w.week() - since[p] < 2;
                             const std::string bin = early ? "before_min_stay"
                                                           : std::string(eff[p] < 0.5 ? "eff_low" : "eff_high") +
                                                                 (P.health[p] < 0.5 ? "_health_low" : "_health_high");
                             tr.add(bin, early ? 0.0 : hz(rate * act, e * (eff[p] - 0.5) + hc * (P.health[p] - 0.5)), up);
                             if (up) {
                               ASSERT_EQ(P.efficacy[p], clamp01(eff[p] + 0.03f));
                             }
                           }
                         }),
               {"contact_and_assessment", "housing_pathway"});
    tr.check("readiness " + str(rate) + " efficacy coef " + str(e) + " health coef " + str(hc) + " activity " + str(act),
             {"before_min_stay", "eff_low_health_low", "eff_low_health_high", "eff_high_health_low", "eff_high_health_high"}, 0);
  }
}

TEST(ModelRules, MoveOnFollowsIncomeAndActivityAfterTheMinimumStay) {
  for (auto [rate, coef, act] : {std::tuple{4.0, -1.2, 1.0}, {8.0, 0.8, 0.5}, {6.0, -2.0, 2.0}}) {
    Scenario sc = base();
    set_all(sc, {{"population.initial.street", "0"}, {"population.initial.transitional", "1"}, {"population.initial.known", "1"},
                 {"step.move_on_rate", str(rate)}, {"step.move_on_no_income_coef", str(coef)}, {"step.transitional_min_stay", "2 weeks"},
                 {"life.efficacy_success_gain", "0.03"}});
    World w(with_event(sc, "activity", act), 9);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> h;
    std::vector<float> eff;
    for (int k = 0; k < 5; ++k)
      run_week(w, around("housing_pathway", [&] { h = P.housing, eff = P.efficacy; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (h[p] != Transitional) continue;
                             const bool early = w.week() < 2;
                             const bool moved = P.housing[p] == Housed;
                             tr.add(early ? "before_min_stay" : (income(P, p) ? "income" : "no_income"),
                                    early ? 0.0 : hz(rate * act, income(P, p) ? 0.0 : coef), moved);
                             ASSERT_EQ(P.efficacy[p], moved ? clamp01(eff[p] + 0.03f) : eff[p]);
                           }
                         }),
               {"contact_and_assessment", "housing_pathway"});
    tr.check("move-on " + str(rate) + " no-income coef " + str(coef) + " activity " + str(act), {"income", "no_income"});
  }
}

// ---------------------------------------------------------------------------------------------
// Housing First

TEST(ModelRules, HousingFirstTrackFollowsEligibilityAndShare) {
  for (const char* rule : {"chronic_high_need", "chronic", "homeless"}) {
    for (double share : {0.25, 0.5, 0.75, -1.0}) {
      Scenario sc = base(8000);
      set_all(sc, {{"population.initial.street", "0.7"}, {"housing_first.eligibility", rule}, {"population.prior_homeless_mean", "2 years"},
                   {"housing.model", share < 0 ? "housing_first" : "mixed"}, {"housing.hf_share", str(share < 0 ? 0.5 : share)},
                   {"territories[].hf_flats", "1"}});  // a territory without flats puts nobody on the track
      World w(sc, 10);
      const Persons& P = w.persons();
      Trials tr;
      for (std::size_t p = 0; p < P.size(); ++p) {
        const bool chronic = P.flags[p] & FChronic, homeless_group = P.groups[p] & GHomeless;
        const bool high_need = mh(P, p) || ((P.groups[p] & GDisability) && P.functioning[p] >= 2) || P.health0[p] < 0.4f;
        const std::string r = rule;
        const bool eligible = homeless_group && (r == "homeless" || (chronic && (r == "chronic" || high_need)));
        tr.add(eligible ? "eligible" : "not_eligible", eligible ? (share < 0 ? 1.0 : share) : 0.0, (P.flags[p] & FHfTrack) != 0);
      }
      tr.check(std::string("eligibility ") + rule + " share " + str(share), {"eligible", "not_eligible"}, 0);
    }
  }
}

TEST(ModelRules, HousingFirstOfferAcceptanceAndMoveInFollowTheirRates) {
  for (auto [accept, move_in, act] : {std::tuple{0.3, 5.0, 1.0}, {0.6, 20.0, 0.5}, {0.9, 10.0, 2.0}}) {
    Scenario sc = base();
    set_all(sc, {{"housing.model", "housing_first"}, {"housing_first.eligibility", "homeless"}, {"population.initial.known", "1"},
                 {"housing_first.acceptance", str(accept)}, {"housing_first.move_in_rate", str(move_in)},
                 {"territories[].hf_flats", "100000"}, {"territories[].hf_support_workers", "100000"}, {"life.efficacy_success_gain", "0.02"}});
    World w(with_event(sc, "activity", act), 11);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> f, h, c;
    std::vector<float> eff;
    for (int k = 0; k < 4; ++k)
      run_week(w, around("housing_pathway", [&] { f = P.flags, h = P.housing, c = P.kase, eff = P.efficacy; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (!homeless(h[p])) continue;
                             if (f[p] & FHfAssigned) {
                               const bool in = P.housing[p] == HfFlat;
                               tr.add("move_in", hz(move_in * act), in);
                               if (in) {
                                 ASSERT_EQ(P.efficacy[p], clamp01(eff[p] + 0.02f));
                               }
                             } else if ((f[p] & FHfTrack) && c[p] == InCharge) {
                               tr.add("offer_accepted", accept, (P.flags[p] & FHfAssigned) != 0);
                             } else {
                               tr.add("not_offered", 0.0, (P.flags[p] & FHfAssigned) != 0);
                             }
                           }
                         }),
               {"contact_and_assessment", "housing_pathway"});
    tr.check("acceptance " + str(accept) + " move-in " + str(move_in) + " activity " + str(act), {"move_in", "offer_accepted"});
  }
}

TEST(ModelRules, HousingFirstTenancyLossFollowsSupportIncomeAndMentalIllnessThenRehousingAndGraduation) {
  struct P6 {
    double rate, support_coef, hours, mh_coef, income_coef, rehousing;
  };
  for (const P6& v : {P6{3, -0.25, 4, 1.0, -0.7, 0.5}, P6{4, 0.1, 2, -0.5, 0.5, 0.2}, P6{8, -0.1, 8, 0.8, -1.5, 0.8}}) {
    Scenario sc = base();
    const int support = 7;
    set_all(sc, {{"housing.model", "housing_first"}, {"housing_first.eligibility", "homeless"}, {"population.initial.known", "1"},
                 {"housing_first.acceptance", "1"}, {"housing_first.move_in_rate", "520"}, {"territories[].hf_flats", "100000"},
                 {"territories[].hf_support_workers", "100000"}, {"case.follow_up_after", "520 weeks"},
                 {"housing_first.support_duration", std::to_string(support) + " weeks"}, {"housing_first.tenancy_loss_rate", str(v.rate)},
                 {"housing_first.support_coef", str(v.support_coef)}, {"housing_first.support_intensity", str(v.hours)},
                 {"housing_first.mental_health_coef", str(v.mh_coef)}, {"life.eviction_income_coef", str(v.income_coef)},
                 {"housing_first.rehousing", str(v.rehousing)}, {"life.efficacy_success_gain", "0.03"}});
    World w(sc, 12);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> h;
    std::vector<float> eff;
    int graduated = 0;
    for (int k = 0; k < 10; ++k)
      run_week(w, around("life_events", [&] { h = P.housing, eff = P.efficacy; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (h[p] != HfFlat) continue;
                             const int tenure = w.week() - P.housing_since[p];
                             if (P.housing[p] == Housed) {  // graduation, exactly at the end of support
                               ASSERT_EQ(w.week() - P.housing_since[p], 0);
                               ++graduated;
                               ASSERT_EQ(P.efficacy[p], clamp01(eff[p] + 0.03f));
                               continue;
                             }
                             if (P.housing[p] == HfFlat && P.housing_since[p] <= w.week() - support)
                               FAIL() << "a tenant still in the flat after the support period, tenure " << tenure;
                             const bool lost = P.housing[p] == Street;
                             const double lp = v.support_coef * v.hours + (mh(P, p) ? v.mh_coef : 0.0) + (income(P, p) ? v.income_coef : 0.0);
                             tr.add(std::string(mh(P, p) ? "mi" : "no_mi") + (income(P, p) ? "_income" : "_no_income"), hz(v.rate, lp), lost);
                             if (lost) tr.add("rehoused", v.rehousing, (P.flags[p] & FHfTrack) != 0);
                           }
                         }),
               {"life_events", "contact_and_assessment", "housing_pathway"});
    tr.check("tenancy loss " + str(v.rate), {"mi_income", "mi_no_income", "no_mi_income", "no_mi_no_income", "rehoused"}, 20);
    EXPECT_GT(graduated, 1000);
  }
}

// ---------------------------------------------------------------------------------------------
// Employment pathway and firms

namespace {
// Everyone housed, looking for work and in charge from week 0; every firm known from week 0
// (scouting of all firms at once); hazards off unless a test turns them on.
Scenario employment_base(int people, int firms) {
  Scenario sc = base(people);
  set_all(sc, {{"population.initial.street", "0"}, {"population.initial.known", "1"}, {"population.groups.long_term_unemployed", "1"},
               {"population.groups.disability", "0.4"}, {"case.follow_up_after", "520 weeks"}, {"life.efficacy_wait_loss", "0"},
               {"employment.orientation", "1 weeks"}, {"employment.training.threshold", "0"}, {"employment.scouting.start", "0 weeks"},
               {"employment.scouting.intensity", "10000"}, {"employment.scouting.hours_per_firm", "0.1"}, {"employment.matching.rate", "0"},
               {"employment.matching.quality", "0"}, {"employment.internship.duration", "26 weeks"}, {"firms.vacancy_rate", "5"},
               {"firms.quota_initial_fill", "0"}, {"territories[].firms", std::to_string(firms)}});
  return sc;
}
const char* half(float x) { return x < 0.5f ? "low" : "high"; }
}  // namespace

TEST(ModelRules, TrainingBelowTheEmployabilityThresholdAndItsGain) {
  for (auto [threshold, gain] : {std::pair{0.25, 0.05}, {0.4, 0.15}, {0.55, 0.3}}) {
    Scenario sc = employment_base(5000, 10);
    set_all(sc, {{"employment.training.threshold", str(threshold)}, {"employment.training.gain", str(gain)},
                 {"employment.training.duration", "2 weeks"}});
    World w(sc, 20);
    const Persons& P = w.persons();
    std::vector<std::uint8_t> ph;
    std::vector<std::int16_t> since;
    std::vector<float> emp;
    int trained = 0, matched = 0;
    for (int k = 0; k < 6; ++k)
      run_week(w, [&](const std::string& phase, bool after) {
        if (phase == "employment_pathway" && !after) ph = P.emp_phase, since = P.emp_since, emp = P.employability;
        if (phase != "employment_pathway" || !after) return;
        for (std::size_t p = 0; p < P.size(); ++p) {
          if (ph[p] == EpOrientation && w.week() - since[p] >= 1) {  // orientation over
            ASSERT_EQ(P.emp_phase[p], emp[p] < threshold ? EpTraining : EpMatching) << "employability " << emp[p];
            ASSERT_EQ(P.work[p], emp[p] < threshold ? Training : Searching);
          }
          if (ph[p] == EpTraining && w.week() - since[p] >= 2) {  // training over: employability rises
            const double x = static_cast<double>(emp[p]) + gain;
            ASSERT_EQ(P.employability[p], static_cast<float>(std::min(1.0, x)));
            ASSERT_EQ(P.emp_phase[p], EpMatching);
            ++trained;
          } else if (ph[p] == EpTraining) {
            ASSERT_EQ(P.employability[p], emp[p]);
          }
          matched += P.emp_phase[p] == EpMatching;
        }
      });
    EXPECT_GT(trained, 200) << threshold;
    EXPECT_GT(matched, 200) << threshold;
  }
}

TEST(ModelRules, DiscouragementInMatchingFollowsSelfEfficacy) {
  for (auto [rate, coef] : {std::pair{3.0, -3.0}, {6.0, 0.0}, {4.0, 2.5}}) {
    Scenario sc = employment_base(20000, 0);
    set_all(sc, {{"employment.discouragement.rate", str(rate)}, {"employment.discouragement.efficacy_coef", str(coef)},
                 {"life.efficacy_wait_loss", "0.02"}});
    World w(sc, 21);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> ph;
    std::vector<float> eff;
    for (int k = 0; k < 5; ++k)
      run_week(w, around("employment_pathway", [&] { ph = P.emp_phase, eff = P.efficacy; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (ph[p] != EpMatching) continue;
                             const bool out = P.emp_phase[p] == EpOut;
                             tr.add(tercile(eff[p]), hz(rate, coef * (eff[p] - 0.5)), out);
                             // Waiting in matching lowers self-efficacy (of those who stay).
                             ASSERT_NEAR(P.efficacy[p], out ? eff[p] : clamp01(eff[p] - 0.02f), 1e-6);
                           }
                         }));
    tr.check("discouragement " + str(rate) + " coef " + str(coef), {"low", "mid", "high"});
  }
}

// Proposals to known firms with a vacancy at employment.matching.rate (times activity), and the
// firm's acceptance: logistic(intercept + employability + functioning + openness + non-profit +
// CPI link), with the proposed firm drawn at random among the vacancies (matching quality 0).
// A refused proposal costs half a failure loss of self-efficacy, which is how refusals are seen.
TEST(ModelRules, MatchingRateAndFirmAcceptanceFollowTheirCoefficients) {
  struct M {
    double rate, activity, intercept, emp, func, open, np, cpi;
    const char* involvement;
  };
  for (const M& m : {M{12, 1, -0.5, 3, -0.3, 3, 0.5, 1, "integrated"}, M{26, 0.5, 0.5, -2, 0.5, -2, -1, 2, "integrated"},
                    M{8, 2, 0, 1.5, -0.8, 1, 1.5, 0, "marginal"}}) {
    Scenario sc = employment_base(6000, 3000);
    set_all(sc, {{"employment.orientation", "4 weeks"}, {"employment.matching.rate", str(m.rate)},
                 {"employment.matching.intercept", str(m.intercept)}, {"employment.matching.employability_coef", str(m.emp)},
                 {"employment.matching.functioning_coef", str(m.func)}, {"employment.matching.openness_coef", str(m.open)},
                 {"employment.matching.non_profit_coef", str(m.np)}, {"employment.matching.cpi_link_coef", str(m.cpi)},
                 {"cpi.involvement", m.involvement}, {"firms.non_profit_share", "0.4"}, {"life.efficacy_failure_loss", "0.1"}});
    World w(with_event(sc, "activity", m.activity), 22);
    const Persons& P = w.persons();
    const Firms& F = w.firms();
    const bool integrated = std::string(m.involvement) == "integrated";
    Trials tr;
    std::vector<std::uint8_t> ph;
    std::vector<float> eff;
    for (int k = 0; k < 9; ++k)
      run_week(w, [&](const std::string& phase, bool after) {
        // Proposals and the firms' answers are one phase: a person in matching first loses the
        // week's waiting loss of self-efficacy, then (if refused) the rejection loss.
        if (phase == "employment_pathway" && !after) {
          ph = P.emp_phase, eff = P.efficacy;
          for (auto& e : eff) e = clamp01(e - static_cast<float>(sc[G::life_efficacy_wait_loss]));
        }
        if (phase != "employment_pathway" || !after || w.week() < 5) return;
        // The vacancies on offer at matching time: those left, plus those taken by new interns.
        std::vector<std::pair<std::uint32_t, double>> slots;  // (firm, how many)
        std::map<std::uint32_t, int> taken;
        for (std::size_t p = 0; p < P.size(); ++p)
          if (P.work[p] == Internship && P.emp_since[p] == w.week()) taken[static_cast<std::uint32_t>(P.firm[p])]++;
        double total = 0, left = 0;
        for (std::size_t f = 0; f < F.size_(); ++f) {
          if (!(F.flags[f] & FfKnown)) continue;
          const double n = F.vacancies[f] + (taken.count(f) ? taken[f] : 0);
          if (n > 0) slots.emplace_back(static_cast<std::uint32_t>(f), n), total += n;
          left += F.vacancies[f];
        }
        ASSERT_GT(left, 0) << "vacancies ran out: proposals were not all made";
        for (std::size_t p = 0; p < P.size(); ++p) {
          if (ph[p] != EpMatching || eff[p] < 0.06f) continue;
          const bool accepted = P.work[p] == Internship && P.emp_since[p] == w.week();
          const bool refused = P.efficacy[p] < eff[p];
          if (refused) {
            ASSERT_NEAR(P.efficacy[p], clamp01(eff[p] - 0.05f), 1e-6);
          }
          tr.add("proposed", hz(m.rate * m.activity), accepted || refused);
          if (!(accepted || refused)) continue;
          const bool disabled = P.groups[p] & GDisability;
          double pa[2] = {0, 0};  // acceptance at a profit / non-profit firm
          for (const auto& [f, n] : slots) {
            const bool np = F.flags[f] & FfNonProfit;
            const bool quota_open = (F.flags[f] & FfObliged) && F.filled[f] < F.quota[f];
            const double z = m.intercept + m.emp * (P.employability[p] - 0.5) + m.func * P.functioning[p] +
                             m.open * (F.openness[f] - 0.5) + (np ? m.np : 0.0) + (integrated && disabled && quota_open ? m.cpi : 0.0);
            pa[np ? 1 : 0] += n / total * logistic(z);
          }
          const std::string who = std::string(disabled ? "disabled_" : "") + half(P.employability[p]);
          tr.add("accepted_" + who, pa[0] + pa[1], accepted);
          tr.add("accepted_at_non_profit", pa[1], accepted && (F.flags[P.firm[p]] & FfNonProfit));
        }
      });
    tr.check("matching rate " + str(m.rate) + " intercept " + str(m.intercept),
             {"proposed", "accepted_low", "accepted_high", "accepted_disabled_low", "accepted_at_non_profit"}, 20);
  }
}

TEST(ModelRules, InternshipDropOutFollowsSelfEfficacyAndIsAFailure) {
  for (double rate : {2.0, 4.0, 8.0}) {
    const bool reiterate = rate < 5;
    Scenario sc = employment_base(8000, 3000);
    set_all(sc, {{"employment.matching.rate", "52"}, {"employment.matching.intercept", "4"}, {"employment.reiterate", reiterate ? "true" : "false"},
                 {"employment.internship.dropout_rate", str(rate)}, {"life.efficacy_failure_loss", "0.07"}, {"employment.max_rounds", "1"}});
    World w(sc, 23);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> wo, rounds;
    std::vector<float> eff;
    for (int k = 0; k < 10; ++k)
      run_week(w, [&](const std::string& phase, bool after) {
        if (phase == "employment_pathway" && !after) wo = P.work, eff = P.efficacy, rounds = P.rounds;
        if (phase != "employment_pathway" || !after) return;
        for (std::size_t p = 0; p < P.size(); ++p) {
          if (wo[p] != Internship) continue;
          const bool broke = P.work[p] != Internship;
          tr.add(tercile(eff[p]), hz(rate, -2.0 * (eff[p] - 0.5)), broke);
          if (!broke) continue;
          ASSERT_EQ(P.work[p], Searching);
          ASSERT_EQ(P.firm[p], -1);
          ASSERT_EQ(P.rounds[p], rounds[p] + 1);
          ASSERT_EQ(P.emp_phase[p], reiterate && rounds[p] + 1 <= 1 ? EpOrientation : EpOut) << "reiterate (orientation repeated) up to max_rounds";
          ASSERT_NEAR(P.efficacy[p], clamp01(eff[p] - 0.07f), 1e-6);
        }
      });
    tr.check("internship drop-out " + str(rate), {"low", "mid", "high"});
  }
}

TEST(ModelRules, HiringDecisionFollowsOpennessEmployabilityAndQuota) {
  for (auto [b0, open, emp, quota] : {std::tuple{-0.4, 2.5, 2.0, 1.0}, {0.5, -1.5, -2.0, 2.5}, {0.0, 3.0, 1.0, -1.0}}) {
    Scenario sc = employment_base(8000, 3000);
    set_all(sc, {{"employment.matching.rate", "52"}, {"employment.matching.intercept", "4"}, {"employment.internship.duration", "2 weeks"},
                 {"employment.hiring.intercept", str(b0)}, {"employment.hiring.openness_coef", str(open)},
                 {"employment.hiring.employability_coef", str(emp)}, {"employment.hiring.quota_coef", str(quota)},
                 {"employment.openness.after_success", "0"}, {"employment.openness.after_failure", "0"}, {"population.groups.disability", "0.6"},
                 {"life.efficacy_success_gain", "0.04"}, {"life.efficacy_failure_loss", "0.06"}});
    World w(sc, 24);
    const Persons& P = w.persons();
    const Firms& F = w.firms();
    Trials tr;
    std::vector<std::pair<std::uint32_t, double>> due;
    std::map<std::uint32_t, std::size_t> firm_of;
    std::vector<float> eff;
    for (int k = 0; k < 10; ++k)
      run_week(w, [&](const std::string& phase, bool after) {
        if (phase == "employment_pathway" && !after) {
          due.clear();
          eff = P.efficacy;
          std::map<std::int32_t, int> disabled_at;  // disabled interns deciding at each firm this week
          for (std::size_t p = 0; p < P.size(); ++p)
            if (P.work[p] == Internship && w.week() - P.emp_since[p] >= 2 && (P.groups[p] & GDisability)) disabled_at[P.firm[p]]++;
          for (std::size_t p = 0; p < P.size(); ++p) {
            if (P.work[p] != Internship || w.week() - P.emp_since[p] < 2) continue;
            const auto f = static_cast<std::size_t>(P.firm[p]);
            const bool q = (P.groups[p] & GDisability) && (F.flags[f] & FfObliged) && F.filled[f] < F.quota[f];
            if (q && F.quota[f] - F.filled[f] < disabled_at[P.firm[p]]) continue;  // another hire may fill the quota first
            const double z = b0 + open * (F.openness[f] - 0.5) + emp * (P.employability[p] - 0.5) + (q ? quota : 0.0);
            due.emplace_back(static_cast<std::uint32_t>(p), logistic(z) * (q ? -1 : 1) - (q ? 1e-12 : 0));
            firm_of[static_cast<std::uint32_t>(p)] = f;
          }
        }
        if (phase != "employment_pathway" || !after) return;
        for (const auto& [p, signed_pr] : due) {
          const bool q = signed_pr < 0;
          const auto f = firm_of[p];
          const bool hired = P.work[p] == Employed && P.hire_week[p] == w.week();
          tr.add(std::string(q ? "quota_" : "") + "emp_" + half(P.employability[p]), std::fabs(signed_pr), hired);
          tr.add(std::string("open_") + (F.openness[f] < 0.4f ? "low" : "high"), std::fabs(signed_pr), hired);
          // A hire is a success, no hire a failure (back to matching).
          ASSERT_NEAR(P.efficacy[p], clamp01(eff[p] + (hired ? 0.04f : -0.06f)), 1e-6);
          if (!hired) {
            ASSERT_EQ(P.firm[p], -1);
            ASSERT_EQ(P.emp_phase[p], EpOrientation);
          }
        }
      });
    tr.check("hiring intercept " + str(b0), {"emp_low", "emp_high", "quota_emp_low", "quota_emp_high", "open_low", "open_high"}, 20);
  }
}

TEST(ModelRules, JobLossFollowsEarlyPeriodFollowUpAndEmployability) {
  struct L {
    double rate, early_factor;
    int early_weeks, follow_weeks;
    double effect, hours, emp;
  };
  // The last configuration makes a positive follow-up effect dominate (its term of the upper bound matters).
  for (const L& l : {L{3, 3, 4, 3, -0.35, 2, -1}, L{4, 1.5, 6, 6, 0.3, 1, 1.5}, L{2, 5, 3, 8, -0.2, 3, -2.5}, L{2, 1, 4, 10, 0.5, 3, 0.3}}) {
    Scenario sc = employment_base(8000, 3000);
    set_all(sc, {{"employment.matching.rate", "52"}, {"employment.matching.intercept", "4"}, {"employment.internship.duration", "1 weeks"},
                 {"employment.hiring.intercept", "5"}, {"labour.job_finding_rate", "3"}, {"employment.job_loss.rate", str(l.rate)},
                 {"employment.job_loss.early_factor", str(l.early_factor)},
                 {"employment.job_loss.early_period", std::to_string(l.early_weeks) + " weeks"},
                 {"employment.follow_up.duration", std::to_string(l.follow_weeks) + " weeks"},
                 {"employment.follow_up.effect", str(l.effect)}, {"employment.follow_up.intensity", str(l.hours)},
                 {"employment.job_loss.employability_coef", str(l.emp)}});
    World w(sc, 25);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> wo, ph;
    std::vector<std::int16_t> hired;
    for (int k = 0; k < 16; ++k)
      run_week(w, [&](const std::string& phase, bool after) {
        if (phase == "employment_pathway" && !after) wo = P.work, ph = P.emp_phase, hired = P.hire_week;
        if (phase != "employment_pathway" || !after) return;
        for (std::size_t p = 0; p < P.size(); ++p) {
          if (wo[p] != Employed) continue;
          const int tenure = w.week() - hired[p];
          const bool early = tenure < l.early_weeks, follow = ph[p] == EpEmployed && tenure < l.follow_weeks;
          const double lp = (early ? std::log(l.early_factor) : 0.0) + (follow ? l.effect * l.hours : 0.0) + l.emp * (P.employability[p] - 0.5);
          const std::string bin = std::string(ph[p] == EpEmployed ? "programme" : "market") + (early ? "_early" : "_late") +
                                  (follow ? "_follow_up" : "") + "_" + half(P.employability[p]);
          tr.add(bin, hz(l.rate, lp), P.work[p] != Employed);
        }
      });
    tr.check("job loss " + str(l.rate) + " early factor " + str(l.early_factor) + " follow-up effect " + str(l.effect),
             {"market_early_low", "market_late_low", "market_late_high", "programme_early_follow_up_low", "programme_late_low"}, 10);
  }
}

// The separations above are failures: a lost job, programme or open-market, costs one failure
// loss of self-efficacy (before the fix, a lost programme job cost it twice: once in the
// separation, once more in pathway_failure); a lost programme job sends the person back to
// matching (reiterate, rounds left), an open-market one ends the market spell.
TEST(ModelRules, ALostJobCostsOneFailureLossOfSelfEfficacy) {
  Scenario sc = employment_base(8000, 3000);
  set_all(sc, {{"employment.matching.rate", "52"}, {"employment.matching.intercept", "4"}, {"employment.internship.duration", "1 weeks"},
               {"employment.hiring.intercept", "5"}, {"labour.job_finding_rate", "3"}, {"employment.job_loss.rate", "6"},
               {"life.efficacy_failure_loss", "0.07"}, {"life.efficacy_success_gain", "0"}});
  World w(sc, 26);
  const Persons& P = w.persons();
  std::vector<std::uint8_t> wo, ph, rounds;
  std::vector<float> eff;
  int programme = 0, market = 0;
  for (int k = 0; k < 12; ++k)
    run_week(w, [&](const std::string& phase, bool after) {
      if (phase == "employment_pathway" && !after) wo = P.work, ph = P.emp_phase, eff = P.efficacy, rounds = P.rounds;
      if (phase != "employment_pathway" || !after) return;
      for (std::size_t p = 0; p < P.size(); ++p) {
        if (wo[p] != Employed || P.work[p] == Employed) continue;
        ASSERT_EQ(P.work[p], Searching);
        if (ph[p] == EpEmployed) {
          ++programme;
          ASSERT_NEAR(P.efficacy[p], clamp01(eff[p] - 0.07f), 1e-6) << "programme job lost";
          ASSERT_EQ(P.rounds[p], rounds[p] + 1);
          ASSERT_EQ(P.emp_phase[p], rounds[p] + 1 <= 3 ? EpOrientation : EpOut) << "reiterate up to max_rounds (3)";
        } else {
          ++market;
          ASSERT_NEAR(P.efficacy[p], clamp01(eff[p] - 0.07f), 1e-6) << "market job lost";
          ASSERT_EQ(P.emp_phase[p], EpNone);
        }
      }
    });
  EXPECT_GT(programme, 50);
  EXPECT_GT(market, 50);
}

// Open-market job finding: rate x hiring x exp(employability + ICF functioning level + health +
// homeless + self-efficacy + years over the age threshold), each covariate checked in its own
// bins at four parameter sets (signs flipped in the second, whose positive terms make the
// functioning, homeless and age terms of the upper bound matter; all but hiring off in the last).
namespace {
struct Market {
  double rate, emp, func, health, homeless, eff;
  int age_threshold;
  double age, hiring;
};
Scenario market_base(int people, const Market& m) {
  Scenario sc = employment_base(people, 3000);
  set_all(sc, {{"population.initial.known", "0"}, {"population.initial.street", "0.2"}, {"population.initial.shelter", "0.1"},
               {"population.initial.transitional", "0.1"}, {"labour.job_finding_rate", str(m.rate)},
               {"labour.employability_coef", str(m.emp)}, {"labour.functioning_coef", str(m.func)}, {"labour.health_coef", str(m.health)},
               {"labour.homeless_coef", str(m.homeless)}, {"labour.efficacy_coef", str(m.eff)},
               {"labour.age_threshold", std::to_string(m.age_threshold)}, {"labour.age_coef", str(m.age)}});
  return with_event(sc, "hiring", m.hiring);
}
int age_now(const Persons& P, std::size_t p, int week) { return P.age[p] + (week - P.entry[p]) / 52; }
}  // namespace

TEST(ModelRules, OpenMarketJobFindingFollowsItsCovariatesAndHiring) {
  for (const Market& m : {Market{2.0, 2.0, -0.5, 1.0, -1.2, 1.0, 50, -0.05, 1.0}, Market{4.0, -1.5, 0.4, -1.0, 0.8, -1.5, 40, 0.03, 0.5},
                          Market{3.0, 3.0, -0.7, 2.0, -2.0, 0.5, 30, -0.08, 2.0}, Market{1.0, 0.3, 0, 0, 0, 0, 60, 0, 4.0}}) {
    World w(market_base(20000, m), 27);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> wo;
    std::vector<float> eff, health;
    for (int k = 0; k < 6; ++k)
      run_week(w, [&](const std::string& phase, bool after) {
        if (phase == "employment_pathway" && !after) wo = P.work, eff = P.efficacy, health = P.health;
        if (phase != "employment_pathway" || !after || w.week() < 2) return;
        ASSERT_GT(w.territories()[0].vacancies_open, 0) << "vacancies ran out";
        for (std::size_t p = 0; p < P.size(); ++p) {
          if (wo[p] != Searching) continue;
          const bool job = P.work[p] == Employed;
          const int f = P.functioning[p], over = std::max(0, age_now(P, p, w.week()) - m.age_threshold);
          const bool homeless = P.housing[p] <= Transitional;
          const double lp = m.emp * (P.employability[p] - 0.5) + m.func * f + m.health * (health[p] - 0.5) + (homeless ? m.homeless : 0.0) +
                            m.eff * (eff[p] - 0.5) + m.age * over;
          const double q = hz(m.rate * m.hiring, lp);
          tr.add(std::string("employability_") + half(P.employability[p]), q, job);
          tr.add(std::string("functioning_") + (f == 0 ? "0" : f <= 2 ? "1-2" : "3-4"), q, job);
          tr.add(std::string("health_") + tercile(health[p]), q, job);
          tr.add(std::string("housing_") + kHousingNames[P.housing[p]], q, job);
          tr.add(std::string("efficacy_") + tercile(eff[p]), q, job);
          tr.add(over > 0 ? "age_over" : "age_under", q, job);
          if (job) {
            ASSERT_EQ(P.emp_phase[p], EpMarketJob);
          }
        }
      });
    tr.check("job finding " + str(m.rate) + " functioning " + str(m.func) + " homeless " + str(m.homeless) + " age " + str(m.age) +
                 " hiring " + str(m.hiring),
             {"employability_low", "employability_high", "functioning_0", "functioning_1-2", "functioning_3-4", "health_low", "health_high",
              "housing_street", "housing_shelter", "housing_transitional", "housing_housed", "efficacy_low", "efficacy_high", "age_over",
              "age_under"});
  }
}

// The covariate values the rule reads: homeless means street, shelter or a transitional place
// (a Housing First tenant is housed); the functioning level as it is; the years over the age
// threshold from the age at entry and the weeks since; employability and self-efficacy as given.
TEST(ModelRules, OpenMarketJobFindingReadsHousingFunctioningAndAgeAsDocumented) {
  Scenario sc = employment_base(0, 0);
  sc.set("labour.age_threshold", "50");
  const rules::EmploymentRules rule(sc, {1.0}, {2.0});
  Persons P;
  P.resize(5);
  for (std::uint32_t p = 0; p < 5; ++p) {
    P.territory[p] = 0, P.housing[p] = static_cast<std::uint8_t>(p), P.functioning[p] = static_cast<std::uint8_t>(p % 5);
    P.health[p] = 0.2f * static_cast<float>(p), P.age[p] = static_cast<std::uint8_t>(45 + 3 * p), P.entry[p] = 10;
    P.groups[p] = p % 2 ? GMentalHealth : 0;
  }
  const int week = 10 + 2 * 52 + 51;  // two years (and 51 weeks) after entry
  for (std::uint32_t p = 0; p < 5; ++p) {
    const auto x = rule.market_covariates(P, p, week, 0.3, 0.9);
    EXPECT_DOUBLE_EQ(x[0], 0.3 - 0.5);
    EXPECT_EQ(x[1], p % 5);
    EXPECT_DOUBLE_EQ(x[2], static_cast<double>(P.health[p]) - 0.5);
    EXPECT_EQ(x[3], p <= 2 ? 1.0 : 0.0) << kHousingNames[p];  // street, shelter, transitional; hf_flat and housed are housed
    EXPECT_DOUBLE_EQ(x[4], 0.9 - 0.5);
    EXPECT_EQ(x[5], (P.groups[p] & GMentalHealth) ? 1.0 : 0.0);
    EXPECT_EQ(x[6], std::max(0, 45 + 3 * static_cast<int>(p) + 2 - 50)) << "age at entry " << 45 + 3 * p;
    EXPECT_DOUBLE_EQ(x[7], std::log(2.0));
  }
}

// MODEL.md: disabled and homeless people find open-market jobs much less often than the
// general profile (housed, no disability), with the registry's coefficients; setting those
// coefficients to 0 makes the difference vanish (the traits are drawn alike in every group).
TEST(ModelRules, DisabledAndHomelessPeopleFindOpenMarketJobsLessOften) {
  for (bool on : {true, false}) {
    Scenario sc = employment_base(30000, 3000);
    set_all(sc, {{"population.initial.known", "0"}, {"population.initial.street", "0.2"}, {"population.initial.shelter", "0.1"},
                 {"population.groups.disability", "0.3"}, {"labour.job_finding_rate", "1.5"}});
    if (!on) set_all(sc, {{"labour.functioning_coef", "0"}, {"labour.homeless_coef", "0"}});
    World w(sc, 28);
    const Persons& P = w.persons();
    std::map<std::string, std::pair<double, double>> found;  // group -> (jobs, person-weeks searching)
    std::vector<std::uint8_t> wo;
    for (int k = 0; k < 10; ++k)
      run_week(w, [&](const std::string& phase, bool after) {
        if (phase == "employment_pathway" && !after) wo = P.work;
        if (phase != "employment_pathway" || !after || w.week() < 2) return;
        ASSERT_GT(w.territories()[0].vacancies_open, 0) << "vacancies ran out";
        for (std::size_t p = 0; p < P.size(); ++p) {
          if (wo[p] != Searching) continue;
          const bool homeless = P.housing[p] <= Transitional, disabled = (P.groups[p] & GDisability) != 0;
          if (homeless && disabled) continue;
          auto& g = found[homeless ? "homeless" : disabled ? "disabled" : "general"];
          g.first += P.work[p] == Employed, g.second += 1;
        }
      });
    const auto rate = [&](const char* g) { return found[g].first / found[g].second; };
    const double general = rate("general");
    ASSERT_GT(found["general"].first, 500);
    for (const char* g : {"disabled", "homeless"}) {
      ASSERT_GT(found[g].second, 20000) << g;
      const double r = rate(g), sd = std::sqrt(general * (1 - general) * (1 / found[g].second + 1 / found["general"].second));
      if (on) {
        EXPECT_LT(r, 0.5 * general) << g << ": weekly job finding " << r << " vs general profile " << general;
      } else {
        EXPECT_NEAR(r, general, 4.5 * sd) << g << " with its coefficient 0: weekly job finding " << r << " vs general profile " << general;
      }
    }
    if (on) {  // the sizes the coefficients give (functioning levels 1-4 uniform): about a third, and 0.30
      const double fc = sc[G::labour_functioning_coef], hc = sc[G::labour_homeless_coef];
      EXPECT_NEAR(rate("disabled") / general, (std::exp(fc) + std::exp(2 * fc) + std::exp(3 * fc) + std::exp(4 * fc)) / 4, 0.06);
      EXPECT_NEAR(rate("homeless") / general, std::exp(hc), 0.06);
    }
  }
}

// Scouting reaches intensity x scale / hours_per_firm firms a week (times activity, cumulative
// rounding), only of the sectors of its strategy, only from its start, and raises their openness.
TEST(ModelRules, ScoutingReachesFirmsAtItsIntensityInItsSectorsFromItsStart) {
  struct S {
    double intensity, hours;
    const char* strategy;
    int start;
    double activity;
  };
  for (const S& s : {S{10, 4, "mixed", 3, 1}, S{20, 2, "profit", 0, 0.5}, S{8, 1, "non_profit", 5, 2}}) {
    Scenario sc = employment_base(0, 3000);
    set_all(sc, {{"employment.scouting.intensity", str(s.intensity)}, {"employment.scouting.hours_per_firm", str(s.hours)},
                 {"employment.scouting.strategy", s.strategy}, {"employment.scouting.start", std::to_string(s.start) + " weeks"},
                 {"employment.scouting.openness_gain", "0.07"}, {"firms.non_profit_share", "0.3"}, {"scale", "1.5"}});
    World w(with_event(sc, "activity", s.activity), 28);
    const Firms& F = w.firms();
    std::vector<std::uint8_t> flags;
    std::vector<float> open;
    int reached = 0;
    for (int k = 0; k < 10; ++k)
      run_week(w, around("scouting_and_firms", [&] { flags = F.flags, open = F.openness; },
                         [&] {
                           const int wk = w.week();
                           const double per_week = s.intensity * 1.5 / s.hours * s.activity;
                           const auto units = static_cast<int>(std::floor(per_week * (wk + 1)) - std::floor(per_week * wk));
                           int n = 0;
                           for (std::size_t f = 0; f < F.size_(); ++f) {
                             if ((flags[f] & FfKnown) || !(F.flags[f] & FfKnown)) continue;
                             ++n;
                             const bool np = F.flags[f] & FfNonProfit;
                             ASSERT_TRUE(std::string(s.strategy) == "mixed" || (std::string(s.strategy) == "profit") != np) << s.strategy;
                             ASSERT_NEAR(F.openness[f], std::min(1.f, open[f] + 0.07f), 1e-6);
                             ASSERT_EQ(F.known_week[f], wk);
                           }
                           ASSERT_EQ(n, wk < s.start ? 0 : units) << s.strategy << " week " << wk;
                           reached += n;
                         }));
    EXPECT_GT(reached, 20);
  }
}

// With the job centre integrated, obliged firms (Law 68/1999) are known from the start and their
// openness is raised by the incentive information; the same firms are unknown and unchanged
// with a marginal job centre (the same seed draws the same firms).
TEST(ModelRules, IntegratedCpiSharesObligedFirmsAndRaisesTheirOpenness) {
  for (double inc : {0.05, 0.15, 0.3}) {
    Scenario a = employment_base(0, 3000), b = employment_base(0, 3000);
    for (Scenario* s : {&a, &b}) set_all(*s, {{"cpi.incentive_openness", str(inc)}, {"employment.scouting.start", "100 weeks"}});
    a.set("cpi.involvement", "marginal");
    b.set("cpi.involvement", "integrated");
    World wa(a, 0), wb(b, 0);
    const Firms &A = wa.firms(), &B = wb.firms();
    ASSERT_EQ(A.size_(), B.size_());
    int obliged = 0;
    for (std::size_t f = 0; f < A.size_(); ++f) {
      ASSERT_EQ(A.size[f], B.size[f]);
      const bool ob = A.flags[f] & FfObliged;
      obliged += ob;
      ASSERT_FALSE(A.flags[f] & FfKnown);
      ASSERT_EQ((B.flags[f] & FfKnown) != 0, ob);
      if (ob) {
        ASSERT_NEAR(B.openness[f], std::min(1.0, A.openness[f] + inc), 1e-6) << "firm " << f;
        ASSERT_EQ(B.known_week[f], 0);
      } else {
        ASSERT_EQ(B.openness[f], A.openness[f]);
      }
    }
    EXPECT_GT(obliged, 50);
  }
}

// ---------------------------------------------------------------------------------------------
// Who arrives

// People are created with the profile of the scenario: each target group (substance use, the
// last drawn, among them), income support and work seeking with its own probability (distinct
// values here, so that a group drawn with another group's probability shows), functioning 1-4
// only with a disability, ages in range, chronic homelessness with probability
// exp(-threshold / mean prior time homeless), and mean traits as set (mental illness lowering
// health by 0.1).
TEST(ModelRules, PeopleAreCreatedWithTheProfileOfTheScenario) {
  for (int v = 0; v < 3; ++v) {
    const double g[8] = {0.11 + 0.1 * v, 0.23, 0.37 - 0.1 * v, 0.05 + 0.1 * v, 0.43, 0.17 + 0.05 * v, 0.29, 0.13 + 0.15 * v};
    const char* keys[8] = {"disability",      "mental_health", "migrant",      "care_leaver", "long_term_unemployed",
                           "violence_victim", "ex_offender",   "substance_use"};
    const Group bits[8] = {GDisability, GMentalHealth, GMigrant, GCareLeaver, GLongTermUnemployed, GViolenceVictim, GExOffender, GSubstanceUse};
    const double income_p = 0.2 + 0.2 * v, seek = 0.15 + 0.2 * v, homeless_p = 0.5 + 0.15 * v;
    const double prior = 30 + 20 * v, threshold = 40, age_min = 20 + 5 * v, age_max = 60 + 5 * v;
    const double health = 0.4 + 0.1 * v, eff = 0.6 - 0.1 * v, emp = 0.3 + 0.1 * v;
    Scenario sc = base(30000);
    for (int i = 0; i < 8; ++i) sc.set(std::string("population.groups.") + keys[i], str(g[i]));
    set_all(sc, {{"population.income_support", str(income_p)}, {"population.seeking_work", str(seek)},
                 {"population.initial.street", str(homeless_p)}, {"population.prior_homeless_mean", str(prior) + " weeks"},
                 {"population.chronic_threshold", str(threshold) + " weeks"}, {"population.age.min", str(age_min)},
                 {"population.age.max", str(age_max)}, {"population.traits.health", str(health)},
                 {"population.traits.self_efficacy", str(eff)}, {"population.traits.employability", str(emp)}});
    World w(sc, 30 + v);
    const Persons& P = w.persons();
    Trials tr;
    double n = 0, sum_h[2] = {0, 0}, n_h[2] = {0, 0}, sum_e = 0, sum_m = 0;
    for (std::size_t p = 0; p < P.size(); ++p) {
      for (int i = 0; i < 8; ++i) tr.add(keys[i], g[i], (P.groups[p] & bits[i]) != 0);
      tr.add("income_support", income_p, (P.flags[p] & FIncome) != 0);
      tr.add("homeless", homeless_p, (P.groups[p] & GHomeless) != 0);
      tr.add("female", 0.3, (P.flags[p] & FFemale) != 0);
      const bool ltu = P.groups[p] & GLongTermUnemployed;
      tr.add(ltu ? "seeking_ltu" : "seeking_other", ltu ? 1.0 : seek, P.seeking[p] != 0);
      if (P.groups[p] & GHomeless) tr.add("chronic", std::exp(-threshold / prior), (P.flags[p] & FChronic) != 0);
      else ASSERT_FALSE(P.flags[p] & FChronic);
      const bool dis = P.groups[p] & GDisability;
      ASSERT_TRUE(dis ? P.functioning[p] >= 1 && P.functioning[p] <= 4 : P.functioning[p] == 0);
      if (dis) tr.add("functioning_4", 0.25, P.functioning[p] == 4);
      ASSERT_GE(P.age[p], age_min);
      ASSERT_LE(P.age[p], age_max);
      tr.add("age_min", 1.0 / (age_max - age_min + 1), P.age[p] == age_min);
      ASSERT_EQ(P.housing[p], (P.groups[p] & GHomeless) ? Street : Housed);
      ASSERT_EQ(P.work[p], P.seeking[p] ? Searching : Inactive);
      const int m = (P.groups[p] & GMentalHealth) ? 1 : 0;
      sum_h[m] += P.health[p], n_h[m]++;
      sum_e += P.efficacy[p], sum_m += P.employability[p], n++;
    }
    tr.check("profile " + std::to_string(v), {"disability", "income_support", "chronic", "seeking_other", "substance_use"});
    // Beta(6 mean, 6 (1 - mean)): sd of a mean of n draws is sqrt(mean (1 - mean) / 7 / n).
    auto sd = [](double m, double k) { return std::sqrt(m * (1 - m) / 7 / k); };
    EXPECT_NEAR(sum_h[0] / n_h[0], health, 5 * sd(health, n_h[0]));
    EXPECT_NEAR(sum_h[1] / n_h[1], health - 0.1, 5 * sd(health - 0.1, n_h[1]));
    EXPECT_NEAR(sum_e / n, eff, 5 * sd(eff, n));
    EXPECT_NEAR(sum_m / n, emp, 5 * sd(emp, n));
  }
}

// ---------------------------------------------------------------------------------------------
// Housing mechanisms: family reconnection, institutions (health, prison) and the housing held
// during a stay, private lets, the social-housing list, case-worker time, Housing First
// non-takers.

namespace {
bool in(const Persons& P, std::size_t p, Group g) { return (P.groups[p] & g) != 0; }
int years_over(const Persons& P, std::size_t p, int week, int threshold) { return std::max(0, age_now(P, p, week) - threshold); }
// Weekly probability of leaving an institution whose stays are exponential with this mean.
double release_p(double mean_weeks) { return -std::expm1(-1.0 / mean_weeks); }
}  // namespace

// The covariate values the new rules read, at an exact draw on each side of the probability:
// family reconnection (the age now, from the age at entry and the whole years since; care
// leaver or victim of violence as one indicator; migrant; chronic homelessness; self-efficacy),
// institution entry (one draw: a health institution below its probability, prison on the next
// interval), and private lets (a job, self-efficacy, migrant, mental illness, rent assistance;
// none without an income).
TEST(ModelRules, ReconnectionInstitutionEntryAndPrivateLetsReadTheirCovariatesAsDocumented) {
  Scenario sc = base(10);
  set_all(sc, {{"life.reconnection_rate", "2"}, {"life.reconnection_age_coef", "-0.05"}, {"life.reconnection_estranged_coef", "-1.1"},
               {"life.reconnection_migrant_coef", "-0.6"}, {"life.reconnection_chronic_coef", "-0.7"},
               {"life.reconnection_efficacy_coef", "1.3"}, {"institution.health_rate", "3"}, {"institution.health_mental_health_coef", "1.4"},
               {"institution.health_substance_use_coef", "0.9"}, {"institution.health_health_coef", "-2.2"},
               {"institution.health_homeless_coef", "0.5"}, {"institution.justice_rate", "2"},
               {"institution.justice_ex_offender_coef", "1.7"}, {"institution.justice_substance_use_coef", "0.6"},
               {"rehousing.private_rate", "1.5"}, {"rehousing.private_job_coef", "0.8"}, {"rehousing.private_efficacy_coef", "2.5"},
               {"rehousing.private_migrant_coef", "-0.9"}, {"rehousing.private_mental_health_coef", "-0.4"},
               {"context.rent_assistance", "0.4"}, {"rehousing.private_assistance_coef", "1.2"}});
  const rules::LifeEventRules life(sc);
  const rules::HousingRules housing(sc, {1.0}, {0.0});
  constexpr std::uint32_t n = 8;
  const std::uint16_t groups[n] = {0,
                                   GCareLeaver,
                                   GViolenceVictim | GMigrant,
                                   GMentalHealth | GSubstanceUse,
                                   GExOffender | GSubstanceUse,
                                   GMigrant | GMentalHealth,
                                   GCareLeaver | GExOffender,
                                   GCareLeaver | GViolenceVictim | GMigrant | GMentalHealth | GSubstanceUse | GExOffender};
  Persons P;
  P.resize(n);
  for (std::uint32_t p = 0; p < n; ++p) {
    P.territory[p] = 0, P.housing[p] = p % 3 == 2 ? Housed : p % 3 == 1 ? Shelter : Street;
    P.age[p] = static_cast<std::uint8_t>(26 + 3 * p), P.entry[p] = 10;
    P.groups[p] = groups[p], P.flags[p] = static_cast<std::uint8_t>((p % 2 ? FChronic : 0) | (p % 3 ? FIncome : 0));
    P.work[p] = p % 4 == 0 ? Employed : Searching;
    P.efficacy[p] = 0.1f + 0.1f * static_cast<float>(p), P.health[p] = 0.9f - 0.1f * static_cast<float>(p);
  }
  const int week = 10 + 2 * 52 + 51;  // two years (and 51 weeks) after entry
  const double below = 1 - 1e-9, above = 1 + 1e-9;
  using rules::InstitutionEvent;
  for (std::uint32_t p = 0; p < n; ++p) {
    const bool cl = in(P, p, GCareLeaver), vv = in(P, p, GViolenceVictim), mig = in(P, p, GMigrant), mi = in(P, p, GMentalHealth);
    const bool su = in(P, p, GSubstanceUse), off = in(P, p, GExOffender), chronic = (P.flags[p] & FChronic) != 0;
    const double eff = P.efficacy[p], health = P.health[p];
    const int over = std::max(0, 26 + 3 * static_cast<int>(p) + 2 - 30);
    const double recon = hz(2, -0.05 * over + (cl || vv ? -1.1 : 0.0) + (mig ? -0.6 : 0.0) + (chronic ? -0.7 : 0.0) + 1.3 * (eff - 0.5));
    EXPECT_TRUE(life.reconnects(P, p, week, recon * below)) << "person " << p;
    EXPECT_FALSE(life.reconnects(P, p, week, recon * above)) << "person " << p;
    const bool homeless_now = P.housing[p] != Housed;
    const double ph = hz(3, (mi ? 1.4 : 0.0) + (su ? 0.9 : 0.0) - 2.2 * (health - 0.5) + (homeless_now ? 0.5 : 0.0));
    const double pj = hz(2, (off ? 1.7 : 0.0) + (su ? 0.6 : 0.0));
    EXPECT_TRUE(life.institution_event(P, p, week, ph * below) == InstitutionEvent::EnterHealth) << "person " << p;
    EXPECT_TRUE(life.institution_event(P, p, week, ph * above) == InstitutionEvent::EnterJustice) << "person " << p;
    EXPECT_TRUE(life.institution_event(P, p, week, (ph + pj) * below) == InstitutionEvent::EnterJustice) << "person " << p;
    EXPECT_TRUE(life.institution_event(P, p, week, (ph + pj) * above) == InstitutionEvent::None) << "person " << p;
    const bool has_income = (P.flags[p] & FIncome) || P.work[p] == Employed;
    // Rent assistance: the person's fixed draw below context.rent_assistance (0.4).
    for (const double u_assisted : {0.39, 0.41}) {
      const bool assisted = u_assisted < 0.4;
      auto fixed = [&] { return u_assisted; };
      const double let =
          hz(1.5, (P.work[p] == Employed ? 0.8 : 0.0) + 2.5 * (eff - 0.5) + (mig ? -0.9 : 0.0) + (mi ? -0.4 : 0.0) + (assisted ? 1.2 : 0.0));
      EXPECT_EQ(housing.finds_private_let(P, p, let * below, fixed), has_income) << "person " << p << " assisted " << assisted;
      EXPECT_FALSE(housing.finds_private_let(P, p, let * above, fixed)) << "person " << p << " assisted " << assisted;
    }
  }
  // The age from which reconnection falls is life.reconnection_age_from (30 above; 40 here).
  sc.set("life.reconnection_age_from", "40");
  const rules::LifeEventRules later(sc);
  for (std::uint32_t p = 0; p < n; ++p) {
    const bool estranged = in(P, p, GCareLeaver) || in(P, p, GViolenceVictim), chronic = (P.flags[p] & FChronic) != 0;
    const int over = std::max(0, 26 + 3 * static_cast<int>(p) + 2 - 40);
    const double recon = hz(2, -0.05 * over + (estranged ? -1.1 : 0.0) + (in(P, p, GMigrant) ? -0.6 : 0.0) + (chronic ? -0.7 : 0.0) +
                                   1.3 * (P.efficacy[p] - 0.5));
    EXPECT_TRUE(later.reconnects(P, p, week, recon * below)) << "person " << p;
    EXPECT_FALSE(later.reconnects(P, p, week, recon * above)) << "person " << p;
  }
}

TEST(ModelRules, FamilyReconnectionFollowsAgeEstrangementMigrationChronicityAndSelfEfficacy) {
  struct R {
    double rate, age, estranged, migrant, chronic, eff;
  };
  // Signs flipped in the second configuration (a positive age coefficient makes the age term of
  // the hazard's upper bound matter).
  for (const R& r : {R{3, -0.04, -1.5, -1.0, -0.8, 2.0}, R{1.5, 0.03, 1.0, 0.8, 0.7, -1.5}, R{5, -0.02, -2.5, 0.5, -1.2, 1.0}}) {
    Scenario sc = base();
    set_all(sc, {{"population.groups.care_leaver", "0.25"}, {"population.groups.violence_victim", "0.25"},
                 {"population.groups.migrant", "0.4"}, {"population.prior_homeless_mean", "1 years"},
                 {"population.chronic_threshold", "1 years"}, {"life.reconnection_rate", str(r.rate)},
                 {"life.reconnection_age_coef", str(r.age)}, {"life.reconnection_estranged_coef", str(r.estranged)},
                 {"life.reconnection_migrant_coef", str(r.migrant)}, {"life.reconnection_chronic_coef", str(r.chronic)},
                 {"life.reconnection_efficacy_coef", str(r.eff)}});
    World w(sc, 50);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> h;
    std::vector<float> eff;
    for (int k = 0; k < 4; ++k)
      run_week(w, around("life_events", [&] { h = P.housing, eff = P.efficacy; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (!homeless(h[p])) continue;
                             const int over = years_over(P, p, w.week(), 30);
                             const bool cl = in(P, p, GCareLeaver), vv = in(P, p, GViolenceVictim), mig = in(P, p, GMigrant);
                             const bool chronic = (P.flags[p] & FChronic) != 0;
                             const double q = hz(r.rate, r.age * over + (cl || vv ? r.estranged : 0.0) + (mig ? r.migrant : 0.0) +
                                                             (chronic ? r.chronic : 0.0) + r.eff * (eff[p] - 0.5));
                             const bool back = P.housing[p] == Housed;
                             tr.add(over == 0 ? "age_to_30" : (over <= 20 ? "age_31_50" : "age_over_50"), q, back);
                             tr.add(cl && vv ? "care_leaver_and_victim" : (cl ? "care_leaver" : (vv ? "violence_victim" : "not_estranged")), q, back);
                             tr.add(mig ? "migrant" : "not_migrant", q, back);
                             tr.add(chronic ? "chronic" : "not_chronic", q, back);
                             tr.add(std::string("efficacy_") + tercile(eff[p]), q, back);
                           }
                         }),
               {"life_events"});
    tr.check("reconnection " + str(r.rate) + " age coef " + str(r.age) + " estranged " + str(r.estranged) + " migrant " + str(r.migrant) +
                 " chronic " + str(r.chronic) + " efficacy " + str(r.eff),
             {"age_to_30", "age_31_50", "age_over_50", "care_leaver", "violence_victim", "not_estranged", "migrant", "not_migrant", "chronic",
              "not_chronic", "efficacy_low", "efficacy_mid", "efficacy_high"},
             15);
  }
}

// Entry into a health institution (mental illness, substance use, health) and into prison (a
// prior offence, substance use; not mental illness or health), each covariate in its own bins;
// a health admission is to a psychiatric ward with the share of the person's mental illness;
// the place held is the tenancy of a person who was housed, none (the street) otherwise. A
// person who enters is not also evicted that week (one housing change a week).
TEST(ModelRules, HealthInstitutionAndPrisonEntryFollowTheirCovariates) {
  struct I {
    double h_rate, h_mi, h_su, h_health, h_home, j_rate, j_off, j_su, psy_mi, psy_other;
  };
  for (const I& v : {I{3, 1.0, 0.8, -2.0, 0.9, 2, 1.5, 0.7, 0.7, 0.15}, I{2, -0.8, -0.6, 2.5, -0.7, 3, -1.0, 1.2, 0.3, 0.6},
                     I{4, 1.5, -1.0, -1.0, 1.2, 1, 2.5, -0.8, 0.9, 0.05}}) {
    Scenario sc = base();
    set_all(sc, {{"population.initial.street", "0.5"}, {"population.groups.substance_use", "0.35"}, {"population.groups.ex_offender", "0.3"},
                 {"institution.health_rate", str(v.h_rate)}, {"institution.health_mental_health_coef", str(v.h_mi)},
                 {"institution.health_substance_use_coef", str(v.h_su)}, {"institution.health_health_coef", str(v.h_health)},
                 {"institution.health_homeless_coef", str(v.h_home)}, {"institution.justice_rate", str(v.j_rate)}, {"institution.justice_ex_offender_coef", str(v.j_off)},
                 {"institution.justice_substance_use_coef", str(v.j_su)}, {"institution.health_stay", "520 weeks"},
                 {"institution.psychiatric_share_mental_health", str(v.psy_mi)}, {"institution.psychiatric_share_other", str(v.psy_other)},
                 {"institution.psychiatric_stay", "520 weeks"}, {"institution.justice_stay", "1040 weeks"}, {"life.eviction_rate", "5"}});
    World w(sc, 51);
    const Persons& P = w.persons();
    const double p_evict[2] = {hz(5), hz(5, sc[G::life_eviction_income_coef])};
    Trials tr;
    std::vector<std::uint8_t> h;
    int from_housed = 0, from_street = 0;
    for (int k = 0; k < 3; ++k)
      run_week(w, around("life_events", [&] { h = P.housing; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (h[p] == Institution) continue;
                             const bool mi = mh(P, p), su = in(P, p, GSubstanceUse), off = in(P, p, GExOffender);
                             const float x = P.health[p];
                             const bool homeless_before = homeless(h[p]);
                             const double ph = hz(v.h_rate, (mi ? v.h_mi : 0.0) + (su ? v.h_su : 0.0) + v.h_health * (x - 0.5) +
                                                                (homeless_before ? v.h_home : 0.0));
                             const double pj = hz(v.j_rate, (off ? v.j_off : 0.0) + (su ? v.j_su : 0.0));
                             const bool inside = P.housing[p] == Institution;
                             const bool psychiatric = inside && P.inst_kind[p] == InstPsychiatric;
                             const bool health = (inside && P.inst_kind[p] == InstHealth) || psychiatric,
                                        prison = inside && P.inst_kind[p] == InstJustice;
                             if (health) tr.add(std::string("psychiatric_") + (mi ? "mi" : "no_mi"), mi ? v.psy_mi : v.psy_other, psychiatric);
                             tr.add(std::string("health_") + (mi ? "mi" : "no_mi"), ph, health);
                             tr.add(std::string("health_") + (su ? "su" : "no_su"), ph, health);
                             tr.add(std::string("health_health_") + tercile(x), ph, health);
                             tr.add(std::string("health_") + (homeless_before ? "homeless" : "housed"), ph, health);
                             tr.add(std::string("health_") + (off ? "offender" : "not_offender"), ph, health);
                             tr.add(std::string("prison_") + (off ? "offender" : "not_offender"), pj, prison);
                             tr.add(std::string("prison_") + (su ? "su" : "no_su"), pj, prison);
                             tr.add(std::string("prison_") + (mi ? "mi" : "no_mi"), pj, prison);
                             tr.add(std::string("prison_health_") + half(x), pj, prison);
                             if (h[p] == Housed) tr.add("evicted", (1 - ph - pj) * p_evict[income(P, p)], P.housing[p] == Street);
                             if (!inside) continue;
                             ASSERT_EQ(P.inst_from[p], h[p] == Housed ? Housed : Street) << "the place held from " << kHousingNames[h[p]];
                             ASSERT_EQ(P.housing_since[p], w.week());
                             (h[p] == Housed ? from_housed : from_street)++;
                           }
                         }),
               {"life_events"});
    tr.check("health institution " + str(v.h_rate) + " prison " + str(v.j_rate),
             {"health_mi", "health_no_mi", "health_su", "health_no_su", "health_health_low", "health_health_mid", "health_health_high",
              "health_homeless", "health_housed",
              "prison_offender", "prison_not_offender", "prison_su", "prison_no_su", "prison_mi", "prison_no_mi", "evicted",
              "psychiatric_mi", "psychiatric_no_mi"});
    EXPECT_GT(from_housed, 200);
    EXPECT_GT(from_street, 200);
  }
}

// Stays are exponential with the mean of their kind (institution.health_stay, justice_stay,
// psychiatric_stay);
// the person goes back to the tenancy held (tenancy_keep longer than any stay here), and a
// person who came from a shelter bed or a transitional place, which are not held, to the
// street. Leaving is the week's one housing change: no eviction or reconnection on top.
TEST(ModelRules, ReleaseFollowsTheMeanStayOfItsKindBackToTheHousingHeld) {
  struct Stays {
    int health, justice, psychiatric;
  };
  for (auto [stay_h, stay_j, stay_p] : {Stays{2, 8, 5}, {6, 3, 1}, {12, 26, 4}}) {
    Scenario sc = base();
    set_all(sc, {{"population.initial.street", "0.3"}, {"population.initial.shelter", "0.2"}, {"population.initial.transitional", "0.1"},
                 {"institution.health_rate", "8"}, {"institution.justice_rate", "6"}, {"institution.psychiatric_share_other", "0.4"},
                 {"institution.health_stay", std::to_string(stay_h) + " weeks"}, {"institution.justice_stay", std::to_string(stay_j) + " weeks"},
                 {"institution.psychiatric_stay", std::to_string(stay_p) + " weeks"},
                 {"institution.tenancy_keep", "1040 weeks"}, {"life.eviction_rate", "10"}, {"life.reconnection_rate", "10"}});
    World w(sc, 52);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> h, from, entered_from(P.size(), Street);
    int step_to_street = 0;
    for (int k = 0; k < 8; ++k)
      run_week(w, around("life_events", [&] { h = P.housing, from = P.inst_from; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (h[p] != Institution) {
                               if (P.housing[p] == Institution) entered_from[p] = h[p];
                               continue;
                             }
                             const std::uint8_t kind = P.inst_kind[p];
                             const bool out = P.housing[p] != Institution;
                             const char* what = kind == InstHealth ? "health" : kind == InstJustice ? "prison" : "psychiatric";
                             tr.add(std::string(what) + "_from_" + kHousingNames[entered_from[p]],
                                    release_p(kind == InstHealth ? stay_h : kind == InstJustice ? stay_j : stay_p), out);
                             if (!out) continue;
                             ASSERT_EQ(P.housing[p], from[p]) << "released from " << what;
                             ASSERT_EQ(P.housing[p], entered_from[p] == Housed ? Housed : Street)
                                 << "entered from " << kHousingNames[entered_from[p]];
                             ASSERT_EQ(P.housing_since[p], w.week());
                             step_to_street += entered_from[p] == Shelter || entered_from[p] == Transitional;
                           }
                         }),
               {"life_events"});
    tr.check("stays " + std::to_string(stay_h) + ", " + std::to_string(stay_j) + " and " + std::to_string(stay_p) + " weeks",
             {"health_from_street", "health_from_shelter", "health_from_transitional", "health_from_housed", "prison_from_street",
              "prison_from_shelter", "prison_from_transitional", "prison_from_housed", "psychiatric_from_street", "psychiatric_from_housed"});
    EXPECT_GT(step_to_street, 200);
  }
}

// A Housing First flat is held through a stay shorter than housing_first.institution_keep, an
// own tenancy through one shorter than institution.tenancy_keep: released before the keep
// period, the person goes back to it; at the keep period the hold is lost (the tenant stays on
// the Housing First track) and release is to the street. The flats held (hf_held) are those of
// the tenants inside; with the flats lived in and those being found, they stay within the
// flats and support slots, which bind while people wait: a held flat is offered to no one else.
//
// A tenant's health stay (the flat held) lasts institution.hf_team_stay_factor times the mean:
// the team's in-reach and discharge support; other stays are not changed.
TEST(ModelRules, AFlatOrTenancyIsHeldForItsKeepPeriodThenLostAndAHeldFlatGoesToNoOneElse) {
  struct Keep {
    int hf, own;
    double team_stay;
  };
  for (auto [keep_hf, keep_own, team_stay] : {Keep{3, 5, 0.5}, {6, 2, 1.0}, {2, 4, 2.0}}) {
    const std::int64_t flats = 1500;
    Scenario sc = base(10000);
    set_all(sc, {{"population.initial.street", "0.6"}, {"population.initial.known", "1"}, {"housing.model", "housing_first"},
                 {"housing_first.eligibility", "homeless"}, {"housing_first.acceptance", "1"}, {"housing_first.move_in_rate", "520"},
                 {"territories[].hf_flats", std::to_string(flats)}, {"territories[].hf_support_workers", "1000"},
                 {"housing_first.support_duration", "520 weeks"}, {"case.follow_up_after", "520 weeks"}, {"institution.health_rate", "5"},
                 {"institution.justice_rate", "3"}, {"institution.health_stay", "3 weeks"}, {"institution.psychiatric_stay", "3 weeks"},
                 {"institution.justice_stay", "6 weeks"},
                 {"housing_first.institution_keep", std::to_string(keep_hf) + " weeks"},
                 {"institution.tenancy_keep", std::to_string(keep_own) + " weeks"},
                 {"institution.hf_team_stay_factor", str(team_stay)}});
    World w(sc, 53);
    take_in_charge(w);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> h, from;
    std::vector<std::int16_t> since;
    std::map<std::string, int> n;
    for (int k = 0; k < 20; ++k)
      run_week(
          w,
          [&](const std::string& phase, bool after) {
            if (!after) {
              h = P.housing, from = P.inst_from, since = P.housing_since;
              return;
            }
            if (phase == "life_events") {
              for (std::size_t p = 0; p < P.size(); ++p) {
                if (h[p] != Institution) continue;
                const int stay = w.week() - since[p];
                const bool out = P.housing[p] != Institution, health = P.inst_kind[p] != InstJustice;  // both health kinds: 3 weeks
                if (from[p] == HfFlat || from[p] == Housed) {
                  const int keep = from[p] == HfFlat ? keep_hf : keep_own;
                  const std::string what = from[p] == HfFlat ? "flat" : "tenancy";
                  ASSERT_LE(stay, keep) << what << " held past its keep period";
                  if (stay == keep) {  // the hold is lost: not back to it, now or later
                    ASSERT_TRUE(out ? P.housing[p] == Street : P.inst_from[p] == Street) << what << " still held after " << stay << " weeks";
                    if (from[p] == HfFlat) {
                      ASSERT_TRUE(P.flags[p] & FHfTrack) << "a tenant who lost the flat in an institution left the Housing First track";
                    }
                    n[what + "_lost"]++;
                    continue;
                  }
                  ASSERT_EQ(P.inst_from[p], from[p]) << what << " lost after " << stay << " weeks, keep " << keep;
                  if (out) {
                    ASSERT_EQ(P.housing[p], from[p]) << what << " not given back after " << stay << " weeks";
                    n[what + "_back"]++;
                  }
                } else if (out) {
                  ASSERT_EQ(P.housing[p], Street);
                  n["to_street"]++;
                }
                tr.add(std::string(kHousingNames[from[p]]) + (health ? "_health" : "_prison"),
                       release_p(health ? (from[p] == HfFlat ? 3 * team_stay : 3) : 6), out);
              }
            }
            std::int64_t held = 0, lived = 0, searching = 0, waiting = 0;
            for (std::size_t p = 0; p < P.size(); ++p) {
              if (!P.active(p)) continue;
              held += P.housing[p] == Institution && P.inst_from[p] == HfFlat;
              lived += P.housing[p] == HfFlat;
              searching += (P.flags[p] & FHfAssigned) != 0;
              waiting += homeless(P.housing[p]) && (P.flags[p] & FHfTrack) && !(P.flags[p] & FHfAssigned) && P.kase[p] == InCharge;
            }
            ASSERT_EQ(w.territories()[0].hf_held, held) << "after " << phase << ", week " << w.week();
            ASSERT_LE(lived + searching + held, flats) << "after " << phase << ", week " << w.week();
            if (phase == "housing_pathway" && waiting > 0 && held > 0) {
              ASSERT_EQ(lived + searching + held, flats) << "flats left unused while people wait, week " << w.week();
              n["full_with_held"]++;
            }
          },
          {"life_events", "contact_and_assessment", "housing_pathway"});
    tr.check("keep " + std::to_string(keep_hf) + " weeks (flat), " + std::to_string(keep_own) + " weeks (tenancy)",
             {"hf_flat_health", "housed_health", "street_health", "street_prison"});
    for (const char* c : {"flat_back", "flat_lost", "tenancy_back", "tenancy_lost", "to_street"}) EXPECT_GT(n[c], 20) << c;
    EXPECT_GT(n["full_with_held"], 10);
  }
}

// Private lets: homeless people with an income (income support or a job) find one at
// rehousing.private_rate x exp(job + self-efficacy + migrant + mental illness), each covariate
// in its own bins (signs flipped in the second configuration); people with no income find none.
TEST(ModelRules, PrivateLetsFollowAJobSelfEfficacyMigrationAndMentalIllnessAndNeedAnIncome) {
  struct L {
    double rate, job, eff, migrant, mi;
  };
  for (const L& l : {L{2, 1.0, 3.0, -0.7, -0.7}, L{3, -1.0, -2.0, 0.8, 0.6}, L{1.5, 2.0, 1.0, -1.5, 1.2}}) {
    Scenario sc = base(12000);
    set_all(sc, {{"population.seeking_work", "0.5"}, {"population.groups.migrant", "0.35"}, {"labour.job_finding_rate", "15"},
                 {"labour.homeless_coef", "0"}, {"firms.vacancy_rate", "5"}, {"territories[].firms", "3000"},
                 {"rehousing.private_rate", str(l.rate)}, {"rehousing.private_job_coef", str(l.job)},
                 {"rehousing.private_efficacy_coef", str(l.eff)}, {"rehousing.private_migrant_coef", str(l.migrant)},
                 {"rehousing.private_mental_health_coef", str(l.mi)}, {"life.efficacy_success_gain", "0.03"}});
    World w(sc, 54);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> h;
    std::vector<float> eff;
    for (int k = 0; k < 8; ++k)
      run_week(w, around("housing_pathway", [&] { h = P.housing, eff = P.efficacy; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (!homeless(h[p])) continue;
                             const bool let = P.housing[p] == Housed;
                             if (!income(P, p)) {
                               tr.add("no_income", 0.0, let);
                               continue;
                             }
                             const bool job = P.work[p] == Employed, mig = in(P, p, GMigrant), mi = mh(P, p);
                             const double q = hz(l.rate, (job ? l.job : 0.0) + l.eff * (eff[p] - 0.5) + (mig ? l.migrant : 0.0) + (mi ? l.mi : 0.0));
                             tr.add(job ? "job" : "income_support_only", q, let);
                             tr.add(mig ? "migrant" : "not_migrant", q, let);
                             tr.add(mi ? "mental_illness" : "no_mental_illness", q, let);
                             tr.add(std::string("efficacy_") + tercile(eff[p]), q, let);
                             if (let) {
                               ASSERT_EQ(P.efficacy[p], clamp01(eff[p] + 0.03f));
                             }
                           }
                         }));
    tr.check("private lets " + str(l.rate) + " job " + str(l.job) + " efficacy " + str(l.eff) + " migrant " + str(l.migrant) +
                 " mental illness " + str(l.mi),
             {"job", "income_support_only", "migrant", "not_migrant", "mental_illness", "no_mental_illness", "efficacy_low", "efficacy_mid",
              "efficacy_high"},
             20);
    EXPECT_GT(tr.bins["no_income"].n, 10000);
  }
}

// The social-housing list: homeless people in charge, served each week up to the lets of the
// week (units of territories[].social_housing_lets) in the order of intake less the priority
// credits (disability or violence, women), then id; all of it when demand falls short.
TEST(ModelRules, TheSocialHousingListAllocatesItsLetsByIntakeLessThePriorityCreditsWhileDemandLasts) {
  struct S {
    double lets;
    int disability, female;
  };
  for (const S& s : {S{30.5, 26, 8}, S{20.3, 0, 30}, S{45.7, 52, 0}}) {
    Scenario sc = base(800);
    set_all(sc, {{"population.initial.street", "0.6"}, {"population.initial.shelter", "0.3"}, {"population.initial.transitional", "0.1"},
                 {"population.initial.known", "0.3"}, {"access.contact_rate", "6"}, {"population.groups.violence_victim", "0.15"},
                 {"population.groups.migrant", "0.3"}, {"rehousing.social_migrant_eligible", "1"},
                 {"territories[].social_housing_lets", str(s.lets)}, {"rehousing.social_priority_disability", std::to_string(s.disability)},
                 {"rehousing.social_priority_female", std::to_string(s.female)}});
    World w(sc, 55);
    const Persons& P = w.persons();
    auto credits = [&](std::uint32_t p) {
      return ((P.groups[p] & (GDisability | GViolenceVictim)) ? s.disability : 0) + ((P.flags[p] & FFemale) ? s.female : 0);
    };
    std::vector<std::uint32_t> list;  // in the order of the list
    std::vector<std::uint8_t> h;
    int rationed = 0, short_of_demand = 0, credits_matter = 0, intake_matters = 0;
    for (int k = 0; k < 40; ++k)
      run_week(w, around("housing_pathway",
                         [&] {
                           h = P.housing, list.clear();
                           for (std::uint32_t p = 0; p < P.size(); ++p)
                             if (P.active(p) && homeless(P.housing[p]) && P.kase[p] == InCharge) list.push_back(p);
                           std::stable_sort(list.begin(), list.end(),
                                            [&](std::uint32_t a, std::uint32_t b) { return P.intake[a] - credits(a) < P.intake[b] - credits(b); });
                         },
                         [&] {
                           const double L = w.territories()[0].social_lets;
                           const auto lets = static_cast<std::size_t>(std::floor(L * (w.week() + 1)) - std::floor(L * w.week()));
                           const std::size_t n = std::min(lets, list.size());
                           for (std::size_t i = 0; i < list.size(); ++i) {
                             ASSERT_EQ(P.housing[list[i]] == Housed, i < n)
                                 << "place " << i << " of " << list.size() << " on the list, " << lets << " lets, week " << w.week();
                           }
                           std::size_t housed = 0;
                           for (std::size_t p = 0; p < P.size(); ++p) housed += h[p] != Housed && P.housing[p] == Housed;
                           ASSERT_EQ(housed, n) << "people off the list housed, week " << w.week();
                           rationed += lets < list.size(), short_of_demand += lets > list.size();
                           // The order matters: by intake alone, or by the credits alone, other people would have been housed.
                           auto served = [&](auto less) {
                             std::vector<std::uint32_t> v = list;
                             std::sort(v.begin(), v.end());
                             std::stable_sort(v.begin(), v.end(), less);
                             v.resize(n);
                             std::sort(v.begin(), v.end());
                             return v;
                           };
                           std::vector<std::uint32_t> first(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(n));
                           std::sort(first.begin(), first.end());
                           credits_matter += served([&](std::uint32_t a, std::uint32_t b) { return P.intake[a] < P.intake[b]; }) != first;
                           intake_matters += served([&](std::uint32_t a, std::uint32_t b) { return credits(a) > credits(b); }) != first;
                         }),
               {"life_events", "contact_and_assessment", "housing_pathway"});
    EXPECT_GT(rationed, 5) << s.lets;
    EXPECT_GT(short_of_demand, 0) << s.lets;
    EXPECT_GT(credits_matter, 2) << s.lets;
    EXPECT_GT(intake_matters, 2) << s.lets;
  }
}

// Migrants are on the list with probability rehousing.social_migrant_eligible, a draw fixed for
// each person (a migrant not eligible at first never becomes so); everyone else in charge is on
// it, and people not in charge or on the Housing First track (here with no flats) are not.
TEST(ModelRules, MigrantsMeetTheResidenceRequirementOfTheListWithItsProbabilityOnceAndForAll) {
  for (double eligible : {0.2, 0.5, 0.8}) {
    Scenario sc = base();
    set_all(sc, {{"population.initial.known", "0.9"}, {"population.groups.migrant", "0.5"},
                 {"rehousing.social_migrant_eligible", str(eligible)}, {"territories[].social_housing_lets", "1000000"},
                 {"housing.model", "mixed"}, {"housing_first.eligibility", "homeless"}, {"housing.hf_share", "0.3"},
                 {"territories[].hf_flats", "1"}});
    World w(sc, 56);
    take_in_charge(w);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> h;
    for (int k = 0; k < 4; ++k)
      run_week(w, around("housing_pathway", [&] { h = P.housing; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (!homeless(h[p])) continue;
                             const bool housed = P.housing[p] == Housed, mig = in(P, p, GMigrant);
                             if (P.flags[p] & FHfTrack) {
                               tr.add("hf_track", 0.0, housed);
                             } else if (P.kase[p] != InCharge) {
                               tr.add("not_in_charge", 0.0, housed);
                             } else if (w.week() == 1) {
                               tr.add(mig ? "migrant" : "not_migrant", mig ? eligible : 1.0, housed);
                             } else {
                               tr.add(mig ? "migrant_later" : "not_migrant_later", 0.0, housed);
                             }
                           }
                         }),
               {"contact_and_assessment", "housing_pathway"});
    tr.check("migrants eligible " + str(eligible), {"migrant", "not_migrant", "not_in_charge", "migrant_later", "hf_track"}, 0);
  }
}

namespace {
// Five territories of 4000 people, half of them in `initial` (shelter or transitional), the
// other half housed, all taken in charge in week 0; the housed move to follow-up in week 1 and
// count among the persons per case worker too: about 4.3 (taken as 5), 22, 87, 174 and, from
// week 1 (an event on case_workers in E), 790 (taken as 200) persons per case worker (the
// network overhead takes 8% of the workers' time).
Scenario case_time_base(const std::string& initial) {
  Scenario sc = base(4000, 5);
  set_all(sc, {{"population.initial.street", "0"}, {"population.initial." + initial, "0.5"}, {"population.initial.known", "1"},
               {"case.caseload", "200"}, {"case.follow_up_after", "0 weeks"}, {"case.follow_up_length", "520 weeks"}});
  const int workers[5] = {1000, 200, 50, 25, 22};
  for (int t = 0; t < 5; ++t) sc.set("territories[].case_workers", std::to_string(workers[t]), t);
  return with_event(sc, "case_workers", 0.25, "E", 1);
}
// The case-time covariate of territory t: log(step.case_time_reference / persons in charge or
// in follow-up per case worker), persons per worker taken between 5 and 200.
double case_time_of(const World& w, int t) {
  const Persons& P = w.persons();
  double persons = 0;
  for (std::size_t p = 0; p < P.size(); ++p)
    persons += P.active(p) && P.territory[p] == t && (P.kase[p] == InCharge || P.kase[p] == FollowUp);
  const double workers = w.territories()[t].case_slots / w.scenario()[G::case_caseload];
  const double per_worker = workers > 0 ? std::clamp(persons / workers, 5.0, 200.0) : 200.0;
  return std::log(w.scenario()[G::step_case_time_reference] / per_worker);
}
// Takes everyone known in charge in week 0 (and sets the capacities of week 1: the event), then
// runs three weeks and calls each(p, self-efficacy, case time of p's territory), as they were at
// the start of the housing pathway, for every person then in housing state `from` (all in charge).
// Gives the case times of the last week.
template <class Each>
std::vector<double> case_time_weeks(World& w, std::uint8_t from, Each&& each) {
  run_week(w, {}, {"contact_and_assessment", "events"});
  const Persons& P = w.persons();
  std::vector<std::uint8_t> h;
  std::vector<float> eff;
  std::vector<double> time(5);
  for (int k = 0; k < 3; ++k)
    run_week(w, around("housing_pathway",
                       [&] {
                         h = P.housing, eff = P.efficacy;
                         for (int t = 0; t < 5; ++t) time[t] = case_time_of(w, t);
                       },
                       [&] {
                         for (std::size_t p = 0; p < P.size(); ++p) {
                           if (h[p] != from) continue;
                           ASSERT_EQ(P.kase[p], InCharge);
                           each(p, eff[p], time[P.territory[p]]);
                         }
                       }),
             {"life_events", "contact_and_assessment", "housing_pathway", "events"});
  return time;
}
}  // namespace

// Readiness (shelter -> transitional) with case-worker time: rate x exp(self-efficacy + health +
// step.case_time_coef x case time), by territory (each its own case time, both clamps reached);
// a coefficient 0 removes the effect.
TEST(ModelRules, CaseWorkerTimeSpeedsReadinessWithinItsClampedRange) {
  struct C {
    double rate, eff, health, coef, ref;
  };
  for (const C& c : {C{3, 1.5, 1.0, 0.7, 20}, C{4, -1.0, 1.5, -0.8, 20}, C{2, 2.0, -1.0, 1.2, 50}, C{4, 1.0, 1.0, 0, 20}}) {
    Scenario sc = case_time_base("shelter");
    set_all(sc, {{"step.readiness_rate", str(c.rate)}, {"step.readiness_efficacy_coef", str(c.eff)}, {"step.readiness_health_coef", str(c.health)},
                 {"step.case_time_coef", str(c.coef)}, {"step.case_time_reference", str(c.ref)}, {"step.shelter_min_stay", "0 weeks"}});
    World w(sc, 57);
    const Persons& P = w.persons();
    Trials tr;
    const auto time = case_time_weeks(w, Shelter, [&](std::size_t p, float eff, double case_time) {
      const bool up = P.housing[p] == Transitional;
      const double q = hz(c.rate, c.eff * (eff - 0.5) + c.health * (P.health[p] - 0.5) + c.coef * case_time);
      tr.add("territory_" + sc.territory_name(P.territory[p]), q, up);
      tr.add(std::string("efficacy_") + half(eff), q, up);
    });
    EXPECT_DOUBLE_EQ(time[0], std::log(c.ref / 5)) << "4.3 persons per worker count as 5";
    EXPECT_DOUBLE_EQ(time[4], std::log(c.ref / 200)) << "790 persons per worker count as 200";
    EXPECT_GT(std::count(P.kase.begin(), P.kase.end(), std::uint8_t{FollowUp}), 9000) << "the housed in follow-up";
    tr.check("readiness " + str(c.rate) + " case time coef " + str(c.coef) + " reference " + str(c.ref),
             {"territory_A", "territory_B", "territory_C", "territory_D", "territory_E", "efficacy_low", "efficacy_high"});
  }
}

// Move-on (transitional -> housed): rate x exp(no income + self-efficacy + step.case_time_coef x
// case time), each in its own bins; a coefficient 0 removes the effect of case time.
TEST(ModelRules, CaseWorkerTimeAndSelfEfficacySpeedMoveOn) {
  struct C {
    double rate, no_income, eff, coef, ref;
  };
  for (const C& c : {C{4, -1.2, 1.5, 0.7, 20}, C{6, 0.8, -2.0, -0.8, 20}, C{3, -2.0, 2.5, 1.2, 50}, C{4, -1.0, 1.0, 0, 20}}) {
    Scenario sc = case_time_base("transitional");
    set_all(sc, {{"step.move_on_rate", str(c.rate)}, {"step.move_on_no_income_coef", str(c.no_income)},
                 {"step.move_on_efficacy_coef", str(c.eff)}, {"step.case_time_coef", str(c.coef)}, {"step.case_time_reference", str(c.ref)},
                 {"step.transitional_min_stay", "0 weeks"}});
    World w(sc, 58);
    const Persons& P = w.persons();
    Trials tr;
    case_time_weeks(w, Transitional, [&](std::size_t p, float eff, double case_time) {
      const bool moved = P.housing[p] == Housed;
      const double q = hz(c.rate, (income(P, p) ? 0.0 : c.no_income) + c.eff * (eff - 0.5) + c.coef * case_time);
      tr.add("territory_" + sc.territory_name(P.territory[p]), q, moved);
      tr.add(income(P, p) ? "income" : "no_income", q, moved);
      tr.add(std::string("efficacy_") + tercile(eff), q, moved);
    });
    tr.check("move-on " + str(c.rate) + " efficacy coef " + str(c.eff) + " case time coef " + str(c.coef) + " reference " + str(c.ref),
             {"territory_A", "territory_B", "territory_C", "territory_D", "territory_E", "income", "no_income", "efficacy_low",
              "efficacy_mid", "efficacy_high"});
  }
}

// A person offered a Housing First flat accepts with probability housing_first.acceptance;
// one who declines leaves the Housing First track (a non-taker): never offered a flat again,
// and on the step ladder of usual care (readiness, here with no covariates).
TEST(ModelRules, HousingFirstNonTakersLeaveTheTrackForUsualCare) {
  for (double accept : {0.2, 0.5, 0.8}) {
    Scenario sc = base(10000);
    set_all(sc, {{"population.initial.street", "0"}, {"population.initial.shelter", "1"}, {"population.initial.known", "1"},
                 {"housing.model", "housing_first"}, {"housing_first.eligibility", "homeless"}, {"housing_first.acceptance", str(accept)},
                 {"housing_first.move_in_rate", "0"}, {"territories[].hf_flats", "100000"}, {"territories[].hf_support_workers", "100000"},
                 {"step.readiness_rate", "8"}, {"step.readiness_efficacy_coef", "0"}, {"step.readiness_health_coef", "0"},
                 {"step.shelter_min_stay", "0 weeks"}});
    World w(sc, 59);
    take_in_charge(w);
    const Persons& P = w.persons();
    Trials tr;
    std::vector<std::uint8_t> f, h;
    for (int k = 0; k < 4; ++k)
      run_week(w, around("housing_pathway", [&] { f = P.flags, h = P.housing; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (!homeless(h[p]) || (f[p] & FHfAssigned)) continue;
                             const bool assigned = (P.flags[p] & FHfAssigned) != 0, track = (P.flags[p] & FHfTrack) != 0;
                             if (f[p] & FHfTrack) {  // offered a flat (flats are ample)
                               tr.add("accepted", accept, assigned);
                               ASSERT_EQ(track, assigned) << "a person who declined the offer stayed on the Housing First track";
                               ASSERT_EQ(P.housing[p], h[p]);
                             } else {
                               ASSERT_FALSE(assigned) << "a non-taker offered a flat again";
                               if (h[p] == Shelter) tr.add("non_taker_readiness", hz(8), P.housing[p] == Transitional);
                             }
                           }
                         }),
               {"contact_and_assessment", "housing_pathway"});
    tr.check("acceptance " + str(accept), {"accepted", "non_taker_readiness"});
  }
}

// People in an institution are proposed to no firm (no internship, no refusal and its loss of
// self-efficacy) and find no open-market job, while the people outside do.
TEST(ModelRules, PeopleInAnInstitutionAreNotProposedToFirmsAndFindNoOpenMarketJob) {
  Scenario sc = employment_base(8000, 3000);
  set_all(sc, {{"employment.matching.rate", "52"}, {"employment.matching.intercept", "1"}, {"labour.job_finding_rate", "10"},
               {"institution.health_rate", "15"}, {"institution.health_stay", "520 weeks"}, {"life.efficacy_failure_loss", "0.1"}});
  World w(sc, 60);
  const Persons& P = w.persons();
  std::vector<std::uint8_t> wo, ph;
  std::vector<float> eff;
  int inside = 0, inside_matching = 0, outside_started = 0, outside_refused = 0;
  for (int k = 0; k < 8; ++k)
    run_week(w, [&](const std::string& phase, bool after) {
      if (phase != "employment_pathway") return;
      if (!after) {
        wo = P.work, ph = P.emp_phase, eff = P.efficacy;
        return;
      }
      for (std::size_t p = 0; p < P.size(); ++p) {
        if (wo[p] != Searching) continue;
        const bool started = P.work[p] == Internship || P.work[p] == Employed;
        if (P.housing[p] == Institution) {
          ++inside;
          ASSERT_FALSE(started) << "a person in an institution started an internship or a job";
          if (ph[p] == EpMatching) {
            ASSERT_EQ(P.efficacy[p], eff[p]) << "a person in an institution was proposed to a firm (and refused)";
            ++inside_matching;
          }
        } else {
          outside_started += started;
          outside_refused += ph[p] == EpMatching && P.efficacy[p] < eff[p];
        }
      }
    });
  EXPECT_GT(inside, 2000);
  EXPECT_GT(inside_matching, 500);
  EXPECT_GT(outside_started, 500);
  EXPECT_GT(outside_refused, 100);
}

// A week in an institution costs seven days at the daily cost of its kind (the health service's
// costs.health_institution_per_day and psychiatric_ward_per_day, the justice system's
// costs.prison_per_day), and no emergency visits.
TEST(ModelRules, AWeekInAnInstitutionCostsSevenDaysAtTheDailyCostOfItsKind) {
  struct Costs {
    double health, prison, psychiatric;
  };
  for (auto [health, prison, psychiatric] : {Costs{250.0, 137.0, 350.0}, {90.0, 300.0, 120.0}, {400.0, 60.0, 700.0}}) {
    Scenario sc = base(6000);
    set_all(sc, {{"population.initial.street", "0.5"}, {"institution.health_rate", "10"}, {"institution.justice_rate", "10"},
                 {"institution.psychiatric_share_other", "0.5"}, {"institution.psychiatric_share_mental_health", "0.5"},
                 {"institution.health_stay", "520 weeks"}, {"institution.justice_stay", "520 weeks"}, {"institution.psychiatric_stay", "520 weeks"},
                 {"costs.health_institution_per_day", str(health)}, {"costs.prison_per_day", str(prison)},
                 {"costs.psychiatric_ward_per_day", str(psychiatric)}, {"emergency.rate", "20"}});
    World w(sc, 61);
    const Persons& P = w.persons();
    std::vector<float> cost;
    int n[kInstitutionKinds] = {0, 0, 0};
    for (int k = 0; k < 4; ++k)
      run_week(w, around("end_of_week", [&] { cost = P.cost; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (P.housing[p] != Institution) continue;
                             const int kind = P.inst_kind[p];
                             const double day = kind == InstHealth ? health : kind == InstJustice ? prison : psychiatric;
                             ASSERT_NEAR(P.cost[p] - cost[p], 7 * day, 0.02) << "kind " << kind;
                             n[kind]++;
                           }
                         }),
               {"life_events", "end_of_week"});
    EXPECT_GT(n[InstHealth], 500);
    EXPECT_GT(n[InstJustice], 500);
    EXPECT_GT(n[InstPsychiatric], 500);
  }
}

// Emergency visits are not drawn: each week outside an institution adds the expected visits of
// the person's cell (homeless, serious mental illness, substance use) at costs.emergency_visit
// to the person's cost, the rate emergency.rate x exp(the coefficients present) a year. The
// other costs of the week are set to zero so that the week's cost is the visits' alone.
TEST(ModelRules, EmergencyVisitsFollowHousingMentalIllnessAndSubstanceUseAndCostTheirVisits) {
  struct E {
    double rate, home, mi, su, visit;
  };
  for (const E& v : {E{0.3, 0.66, 1.6, 0.7, 250}, E{2.0, -0.5, 0.4, -1.0, 90}, E{0.8, 1.2, -0.7, 1.5, 400}}) {
    Scenario sc = base(3000);
    set_all(sc, {{"population.initial.street", "0.4"}, {"population.groups.substance_use", "0.4"}, {"emergency.rate", str(v.rate)},
                 {"emergency.homeless_coef", str(v.home)}, {"emergency.mental_health_coef", str(v.mi)},
                 {"emergency.substance_use_coef", str(v.su)}, {"costs.emergency_visit", str(v.visit)}, {"costs.street_outreach_per_week", "0"},
                 {"costs.dormitory_per_day", "0"}, {"costs.transitional_per_day", "0"}, {"costs.case_management_per_week", "0"},
                 {"costs.health_institution_per_day", "0"}, {"costs.prison_per_day", "0"}, {"costs.psychiatric_ward_per_day", "0"}});
    World w(sc, 62);
    const Persons& P = w.persons();
    std::vector<float> cost;
    std::map<std::string, int> n;
    for (int k = 0; k < 3; ++k)
      run_week(w, around("end_of_week", [&] { cost = P.cost; },
                         [&] {
                           for (std::size_t p = 0; p < P.size(); ++p) {
                             if (!P.active(p) || P.work[p] != Inactive || P.kase[p] != Unknown) continue;  // no other service this week
                             const std::uint8_t h = P.housing[p];
                             const bool home = homeless(h), mi = mh(P, p), su = in(P, p, GSubstanceUse);
                             const double rate = h == Institution ? 0.0 : v.rate / 52.0 * std::exp((home ? v.home : 0) + (mi ? v.mi : 0) + (su ? v.su : 0));
                             ASSERT_NEAR(P.cost[p] - cost[p], rate * v.visit, 1e-3 + 1e-5 * rate * v.visit)
                                 << kHousingNames[h] << (mi ? ", mental illness" : "") << (su ? ", substance use" : "");
                             n[std::string(home ? "homeless" : h == Institution ? "inside" : "housed") + (mi ? "_mi" : "") + (su ? "_su" : "")]++;
                           }
                         }),
               {"end_of_week"});
    for (const char* c : {"homeless", "homeless_mi", "homeless_su", "homeless_mi_su", "housed", "housed_mi", "housed_su"})
      EXPECT_GT(n[c], 20) << c;
  }
}

// ---------------------------------------------------------------------------------------------
// The conditions of the rules, person by person (tools/mutants.py, "[meaning]"): who each rule
// applies to, read from docs/model.md, on hand-made people at the edges of each condition.

// Settled: an own tenancy (not a Housing First flat) for exits.settled_after with no plan open.
// Reconnection: not while a Housing First flat is being found. Support: a week with a plan and a
// case worker, in charge or in follow-up. Psychiatric admissions: the share of the person's group.
TEST(ModelRules, LifeEventConditionsApplyToThePeopleTheyName) {
  Scenario sc = base(10);
  set_all(sc, {{"exits.settled_after", "10 weeks"}, {"life.reconnection_rate", "2"}, {"life.efficacy_support_rate", "0.1"},
               {"institution.health_rate", "3"}, {"institution.health_mental_health_coef", "0"},
               {"institution.health_substance_use_coef", "0"}, {"institution.health_health_coef", "0"},
               {"institution.health_homeless_coef", "0"}, {"institution.psychiatric_share_other", "0.1"},
               {"institution.psychiatric_share_mental_health", "0.6"}});
  const rules::ExitRules exits(sc);
  const rules::LifeEventRules life(sc);
  const rules::EfficacyRules efficacy(sc);
  Persons P;
  P.resize(4);
  for (std::uint32_t p = 0; p < 4; ++p) {
    P.territory[p] = 0, P.age[p] = 30, P.entry[p] = 0, P.housing_since[p] = 0, P.kase[p] = Closed;
    P.efficacy[p] = 0.5f, P.health[p] = 0.5f, P.groups[p] = 0, P.flags[p] = 0, P.emp_phase[p] = EpNone;
  }
  P.housing[0] = Housed, P.housing[1] = HfFlat;
  EXPECT_TRUE(exits.settled(P, 0, 20)) << "an own tenancy for 20 weeks, no plan: settled";
  EXPECT_FALSE(exits.settled(P, 1, 20)) << "a Housing First flat is not an own tenancy";
  // The exit hazard's homeless term is for homeless people with no plan open (in charge or in
  // follow-up is a plan): u between the base probability and the raised one tells.
  {
    Scenario sx = base(10);
    set_all(sx, {{"exits.rate", "2"}, {"exits.health_coef", "0"}, {"exits.homeless_coef", "1.5"}, {"exits.age_out", "120"}});
    const rules::ExitRules hazard(sx);
    const double u = (hz(2) + hz(2, 1.5)) / 2;
    P.housing[2] = Street;
    for (const auto& [c, raised] : {std::pair{Unknown, true}, {Waiting, true}, {Closed, true}, {InCharge, false}, {FollowUp, false}}) {
      P.kase[2] = static_cast<std::uint8_t>(c);
      EXPECT_EQ(hazard.leaves(P, 2, 20, u), raised) << "homeless, " << kCaseNames[c];
    }
    P.kase[2] = Closed;
  }
  // Reconnection (u = 0 is below any positive probability): homeless, unless a flat is being found.
  P.housing[2] = Street, P.housing[3] = Street, P.flags[3] = FHfAssigned;
  EXPECT_EQ(life.housing_event(P, 2, 20, 0.0), rules::HousingEvent::Reconnection);
  EXPECT_EQ(life.housing_event(P, 3, 20, 0.0), rules::HousingEvent::None) << "a Housing First flat is being found";
  // Support closes life.efficacy_support_rate of the gap to 1 in charge and in follow-up only.
  for (const auto& [c, supported] : {std::pair{InCharge, true}, {FollowUp, true}, {Closed, false}, {Waiting, false}}) {
    P.kase[0] = static_cast<std::uint8_t>(c);
    EXPECT_FLOAT_EQ(efficacy.supported(P, 0, 0.5f), supported ? 0.55f : 0.5f) << kCaseNames[c];
  }
  // A health admission is psychiatric with the share of the person's group (0.6 with a serious
  // mental illness, 0.1 without): u / p_health says which.
  P.housing[0] = Street, P.housing[1] = Street, P.groups[1] = GMentalHealth;
  const double ph = hz(3);
  using rules::InstitutionEvent;
  EXPECT_EQ(life.institution_event(P, 0, 20, ph * 0.1 * 0.999), InstitutionEvent::EnterPsychiatric);
  EXPECT_EQ(life.institution_event(P, 0, 20, ph * 0.1 * 1.001), InstitutionEvent::EnterHealth);
  EXPECT_EQ(life.institution_event(P, 1, 20, ph * 0.6 * 0.999), InstitutionEvent::EnterPsychiatric);
  EXPECT_EQ(life.institution_event(P, 1, 20, ph * 0.6 * 1.001), InstitutionEvent::EnterHealth);
}

// A territory with no case workers gives the least case time (persons per worker at its upper
// clamp), never the most; the step ladder's move-on is for people not on the Housing First
// track; the job centre's incentive information reaches obliged firms with an open quota only.
TEST(ModelRules, CaseTimeLadderAndCpiLinkApplyToWhatTheyName) {
  const double ref = 40;
  EXPECT_DOUBLE_EQ(rules::case_time(ref, 100, 0), std::log(ref / rules::kMaxPersonsPerWorker));
  EXPECT_DOUBLE_EQ(rules::case_time(ref, 100, 1), std::log(ref / 100));
  EXPECT_DOUBLE_EQ(rules::case_time(ref, 1, 10), std::log(ref / rules::kMinPersonsPerWorker));
  Scenario sc = base(10);
  set_all(sc, {{"housing.model", "mixed"}, {"step.move_on_rate", "4"}, {"step.transitional_min_stay", "4 weeks"},
               {"cpi.involvement", "integrated"}});
  const rules::HousingRules housing(sc, {1.0}, {0.0});
  Persons P;
  P.resize(2);
  for (std::uint32_t p = 0; p < 2; ++p) {
    P.territory[p] = 0, P.housing[p] = Transitional, P.housing_since[p] = 0, P.kase[p] = InCharge, P.efficacy[p] = 0.5f;
    P.flags[p] = FIncome, P.work[p] = Searching;
  }
  P.flags[1] |= FHfTrack;
  EXPECT_EQ(housing.step_request(P, 0, 10, 1.0, 0.0, 1.0), rules::HousingRequest::MoveOn);
  EXPECT_EQ(housing.step_request(P, 1, 10, 1.0, 0.0, 1.0), rules::HousingRequest::None) << "on the Housing First track";
  const rules::FirmRules firms(sc);
  Firms F;
  F.flags = {FfObliged, FfObliged, 0};
  F.quota = {2, 2, 2};
  F.filled = {1, 2, 0};
  EXPECT_TRUE(firms.cpi_link(true, F, 0)) << "an obliged firm with a position open";
  EXPECT_FALSE(firms.cpi_link(true, F, 1)) << "its quota is filled";
  EXPECT_FALSE(firms.cpi_link(true, F, 2)) << "not obliged";
  EXPECT_FALSE(firms.cpi_link(false, F, 0)) << "not disabled";
}

// hazard_hit(u, r) is u < hazard_p(r) for every draw and rate (it skips expm1 outside a narrow
// band): checked on random pairs over rates from 1e-9 to 50 a week, on draws at and next to both
// edges of the band (r and r - r^2/2), and on the rates that need no draw (0, negative, NaN, inf).
TEST(ModelRules, HazardHitIsTheDrawBelowTheProbabilityEverywhere) {
  std::mt19937_64 g(20261207);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto agree = [](double u, double r) { return hazard_hit(u, r) == (u < hazard_p(r)); };
  int checked = 0, in_band = 0;
  for (int i = 0; i < 200000; ++i) {
    const double r = std::pow(10.0, -9 + 10.7 * unit(g));  // 1e-9 to about 50
    const double p = hazard_p(r), low = r - 0.5 * r * r;
    std::vector<double> us = {unit(g), unit(g) * std::min(1.0, 2 * r), p, std::nextafter(p, 0.0), std::nextafter(p, 1.0)};
    for (double edge : {r, low})
      if (edge >= 0 && edge < 1)
        for (double u : {edge, std::nextafter(edge, 0.0), std::nextafter(edge, 1.0), edge * (1 - 1e-12), edge * (1 + 1e-12)})
          if (u >= 0 && u < 1) us.push_back(u);
    for (double u : us) {
      ASSERT_TRUE(agree(u, r)) << "u = " << u << ", rate = " << r << ": hit " << hazard_hit(u, r) << ", p = " << p;
      ++checked;
      in_band += u >= low && u < r;
    }
  }
  for (double r : {0.0, -1.0, -0.0, std::nan(""), HUGE_VAL, -HUGE_VAL, 1e300, 5e-324})
    for (double u : {0.0, 5e-324, 1e-300, 0.3, std::nextafter(1.0, 0.0)}) EXPECT_TRUE(agree(u, r)) << "u = " << u << ", rate = " << r;
  EXPECT_GT(in_band, 100000) << "the band where expm1 decides was hardly tested";
  EXPECT_GT(checked, 1000000);
}
