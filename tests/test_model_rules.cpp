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

// One territory of many people, no arrivals, no exits, every hazard off: each test turns on
// the rules it checks. Capacities are ample unless a test sets them.
Scenario base(int people = 20000) {
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
       reconnection_estranged_coef: 0, reconnection_migrant_coef: 0, reconnection_chronic_coef: 0, reconnection_efficacy_coef: 0}
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
network: {firms_per_partner: 0}
cpi: {joint_assessment_factor: 1}
territories:
  - {name: A, initial_population: )"
    << people << R"(, inflow: 0, shelter_beds: 1000000, transitional_places: 1000000, firms: 0, case_workers: 100000,
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
// An event on `target` with this factor in force all the time.
Scenario with_event(const Scenario& sc, const std::string& target, double f) {
  std::string y = sc.to_yaml();
  y += "events: [{name: e, target: " + target + ", factor: " + str(f) + ", start: 0 weeks, end: 1000 weeks}]\n";
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
    set_all(sc, {{"exits.rate", str(rate)}, {"exits.health_coef", str(coef)}, {"exits.age_out", "120"}});
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
                   {"housing.model", share < 0 ? "housing_first" : "mixed"}, {"housing.hf_share", str(share < 0 ? 0.5 : share)}});
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

// People are created with the profile of the scenario: each target group, income support and
// work seeking with its own probability (distinct values here, so that a group drawn with
// another group's probability shows), functioning 1-4 only with a disability, ages in range,
// chronic homelessness with probability exp(-threshold / mean prior time homeless), and mean
// traits as set (mental illness lowering health by 0.1).
TEST(ModelRules, PeopleAreCreatedWithTheProfileOfTheScenario) {
  for (int v = 0; v < 3; ++v) {
    const double g[7] = {0.11 + 0.1 * v, 0.23, 0.37 - 0.1 * v, 0.05 + 0.1 * v, 0.43, 0.17 + 0.05 * v, 0.29};
    const char* keys[7] = {"disability", "mental_health", "migrant", "care_leaver", "long_term_unemployed", "violence_victim", "ex_offender"};
    const Group bits[7] = {GDisability, GMentalHealth, GMigrant, GCareLeaver, GLongTermUnemployed, GViolenceVictim, GExOffender};
    const double income_p = 0.2 + 0.2 * v, seek = 0.15 + 0.2 * v, homeless_p = 0.5 + 0.15 * v;
    const double prior = 30 + 20 * v, threshold = 40, age_min = 20 + 5 * v, age_max = 60 + 5 * v;
    const double health = 0.4 + 0.1 * v, eff = 0.6 - 0.1 * v, emp = 0.3 + 0.1 * v;
    Scenario sc = base(30000);
    for (int i = 0; i < 7; ++i) sc.set(std::string("population.groups.") + keys[i], str(g[i]));
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
      for (int i = 0; i < 7; ++i) tr.add(keys[i], g[i], (P.groups[p] & bits[i]) != 0);
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
    tr.check("profile " + std::to_string(v), {"disability", "income_support", "chronic", "seeking_other"});
    // Beta(6 mean, 6 (1 - mean)): sd of a mean of n draws is sqrt(mean (1 - mean) / 7 / n).
    auto sd = [](double m, double k) { return std::sqrt(m * (1 - m) / 7 / k); };
    EXPECT_NEAR(sum_h[0] / n_h[0], health, 5 * sd(health, n_h[0]));
    EXPECT_NEAR(sum_h[1] / n_h[1], health - 0.1, 5 * sd(health - 0.1, n_h[1]));
    EXPECT_NEAR(sum_e / n, eff, 5 * sd(eff, n));
    EXPECT_NEAR(sum_m / n, emp, 5 * sd(emp, n));
  }
}
