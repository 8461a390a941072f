// Tests of model meaning, accounts: every weekly series equal to a recount from the state
// (person, firm and territory columns, diffed phase by phase), every cost equal to its unit
// cost times the units used, the per-person table equal to the columns it names and to
// recounted histories, the headline indicators recomputed from those, and every capacity and
// event target acting on the capacity it names and on no other.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "model_test_helpers.hpp"
#include "sim/engine/world.hpp"
#include "sim/model/rules.hpp"

using namespace percorsi;
using namespace percorsi::mt;

namespace {

// Distinct, non-round unit costs, so that a cost taken from the wrong parameter shows.
const char* kCosts = R"(
costs: {housing_first_per_day: 27.5, dormitory_per_day: 19.25, transitional_per_day: 33.75, assessment: 121,
        case_management_per_week: 47, orientation_per_week: 61, training_per_week: 151,
        internship_indemnity_per_month: 503, tutoring_per_week: 41, provider_hour: 31,
        partner_management_per_week: 103, street_outreach_per_week: 17}
)";

// A world in which every state, flow, queue, cost and capacity is used.
std::string audit_yaml() {
  return std::string(R"(
name: audit
seed: 424242
horizon: 110 weeks
population:
  initial: {street: 0.3, shelter: 0.3, transitional: 0.1, known: 0.6}
  groups: {disability: 0.4, mental_health: 0.3, long_term_unemployed: 0.6}
  seeking_work: 0.5
  income_support: 0.4
  prior_homeless_mean: 2 years
case: {follow_up_after: 8 weeks, follow_up_length: 6 weeks, dropout_rate: 1}
access: {contact_rate: 10, recontact_after: 4 weeks}
exits: {rate: 0.4}
life: {eviction_rate: 1, reconnection_rate: 0.5}
step: {shelter_min_stay: 2 weeks, transitional_min_stay: 4 weeks, readiness_rate: 6, move_on_rate: 4, shelter_dropout_rate: 2, transitional_dropout_rate: 2}
housing_first: {eligibility: homeless, support_duration: 30 weeks, move_in_rate: 20, tenancy_loss_rate: 1}
employment:
  orientation: 2 weeks
  training: {threshold: 0.35, duration: 3 weeks}
  scouting: {start: 3 weeks, intensity: 40}
  matching: {rate: 20}
  internship: {duration: 6 weeks, dropout_rate: 1}
  hiring: {intercept: 1}
  job_loss: {rate: 1, early_period: 8 weeks}
  follow_up: {duration: 10 weeks, intensity: 3}
  max_rounds: 2
labour: {job_finding_rate: 0.5}
firms: {vacancy_rate: 0.5, quota_initial_fill: 0.3}
network: {partners: 4}
territories:
  - {name: A, initial_population: 1800, inflow: 8, shelter_beds: 350, transitional_places: 90, hf_flats: 60, hf_support_workers: 5,
     case_workers: 18, assessment_capacity: 7, cpi_assessment_capacity: 5, affordable_lets: 1.5, firms: 500, training_seats: 20}
  - {name: B, initial_population: 1200, inflow: 5, shelter_beds: 200, transitional_places: 50, hf_flats: 40, hf_support_workers: 3,
     case_workers: 12, assessment_capacity: 5, cpi_assessment_capacity: 3, affordable_lets: 1, firms: 300, training_seats: 12}
events:
  - {name: cut, target: shelter_beds, factor: 0.7, start: 20 weeks, end: 30 weeks, territory: B}
  - {name: lock, target: activity, factor: 0.3, start: 30 weeks, end: 36 weeks}
  - {name: call, target: case_workers, factor: 1.5, start: 40 weeks, end: 60 weeks, territory: A}
)") + kCosts;
}

// Product of the factors of the events with this target in force in week w in territory t.
double factor(const Scenario& sc, const std::string& target, int w, int t) {
  double f = 1;
  for (const auto& e : sc.events) {
    const std::string& en = e.at(E::territory).text;
    if (e.at(E::target).text == target && w >= e[E::start] && w < e[E::end] && (en.empty() || en == sc.territory_name(t)))
      f *= e[E::factor];
  }
  return f;
}

// Per-person history recounted by the test from state diffs.
struct History {
  std::vector<int> exit, first_stable, first_job, spells, returns, returned12, weeks_employed, weeks_after_first;
  std::vector<int> housing_12m, housing_24m, work_12m, work_24m, first_contact, first_plan;
  std::vector<std::array<int, kHousingStates>> weeks_h;
  std::vector<std::array<int, kCaseStates>> weeks_c;
  std::vector<double> cost;
  void grow(std::size_t n) {
    for (auto* v : {&exit, &first_stable, &first_job, &housing_12m, &housing_24m, &work_12m, &work_24m, &first_contact, &first_plan})
      v->resize(n, -1);
    for (auto* v : {&spells, &returns, &returned12, &weeks_employed, &weeks_after_first}) v->resize(n, 0);
    weeks_h.resize(n, {}), weeks_c.resize(n, {}), cost.resize(n, 0.0);
  }
};

struct Snap {
  std::size_t n = 0;
  std::vector<std::uint8_t> housing, kase, work, flags, phase;
  std::vector<std::int16_t> exit, case_since;
  std::vector<std::uint8_t> firm_flags, inst_from;
};
Snap snap(const World& w) {
  const Persons& P = w.persons();
  return {P.size(), P.housing, P.kase, P.work, P.flags, P.emp_phase, P.exit, P.case_since, w.firms().flags, P.inst_from};
}
// In charge or in follow-up and a Housing First tenant (also with the flat held during an
// institution stay): supported by the Housing First team.
bool team_case(std::uint8_t h, std::uint8_t held, std::uint8_t c) {
  return (h == HfFlat || (h == Institution && held == HfFlat)) && (c == InCharge || c == FollowUp);
}

// Runs the scenario phase by phase, recounts every weekly series, the per-person history and
// cost, and compares them with results().
void audit(const Scenario& sc, const std::vector<std::string>& may_be_zero) {
  World w(sc, 0);
  const int T = static_cast<int>(sc.territories.size()), W = sc.weeks();
  const auto& names = World::series_names();
  std::map<std::string, std::vector<double>> X;
  for (const auto& n : names) X[n].assign(static_cast<std::size_t>(W) * T, 0.0);
  const Persons& P = w.persons();
  const Firms& F = w.firms();
  History H;
  H.grow(P.size());
  for (std::size_t p = 0; p < P.size(); ++p)
    if (stable(P.housing[p])) H.first_stable[p] = 0;
  const bool integrated = sc.at(G::cpi_involvement).text == "integrated";
  // A joint assessment (integrated CPI) costs cpi.joint_assessment_factor separate ones.
  const double joint_factor = integrated ? sc[G::cpi_joint_assessment_factor] : 1.0;
  const int fu_len = static_cast<int>(std::lround(sc[G::employment_follow_up_duration]));
  const double scale = sc[G::scale];
  // Unit costs, from the parameters.
  const double c_housing[kHousingStates] = {sc[G::costs_street_outreach_per_week], sc[G::costs_dormitory_per_day] * 7,
                                            sc[G::costs_transitional_per_day] * 7, sc[G::costs_housing_first_per_day] * 7, 0, 0};
  const double c_institution[kInstitutionKinds] = {sc[G::costs_health_institution_per_day] * 7, sc[G::costs_prison_per_day] * 7,
                                                   sc[G::costs_psychiatric_ward_per_day] * 7};
  const char* const institution_cost[kInstitutionKinds] = {"cost_institution_health", "cost_institution_justice", "cost_psychiatric_ward"};
  // Expected emergency visits a week outside institutions: emergency.rate x exp(homeless, a
  // Housing First tenant in the flat, serious mental illness, substance use), a year.
  auto visits_week = [&](std::uint8_t h, bool mi, bool su) {
    return sc[G::emergency_rate] / 52 *
           std::exp((homeless(h) ? sc[G::emergency_homeless_coef] : 0) + (h == HfFlat ? sc[G::emergency_hf_team_coef] : 0) +
                    (mi ? sc[G::emergency_mental_health_coef] : 0) + (su ? sc[G::emergency_substance_use_coef] : 0));
  };
  const double c_case = sc[G::costs_case_management_per_week], c_orient = sc[G::costs_orientation_per_week],
               c_train = sc[G::costs_training_per_week],
               c_intern = sc[G::costs_internship_indemnity_per_month] * 12 / 52 + sc[G::costs_tutoring_per_week],
               c_follow = sc[G::employment_follow_up_intensity] * sc[G::costs_provider_hour], c_assess = sc[G::costs_assessment];
  const double c_icf = sc[G::employment_icf_assessment] != 0 ? sc[G::costs_icf_assessment] : 0.0;
  const double c_icf_training = sc[G::employment_icf_assessment] != 0 ? sc[G::costs_icf_training_per_territory] * scale : 0.0;
  const double rent = sc[G::housing_rent_subsidy_amount];
  double wait_sum[8] = {}, wait_n[8] = {};
  // Discounting (economics.discount_rate): yearly steps from the start of the run.
  const double rate = sc[G::economics_discount_rate];
  auto disc = [&](int week) { return std::pow(1 + rate, -(week / 52)); };
  // The cohort (entry week 0) over weeks 0-103 and the discounted outcomes of the ratios.
  double stable_days_d = 0, employed_d = 0, cohort_stable_d = 0, cohort_held_d = 0, worked = 0, worked_n = 0;
  double cohort_cost_d = 0, cohort_cost_before = 0;
  double cohort_used[2] = {0, 0};  // the cohort's orientation, training, internship and follow-up, each year
  Snap S;
  for (int wk = 0; wk < W; ++wk) {
    auto x = [&](const std::string& name, int t) -> double& { return X.at(name)[static_cast<std::size_t>(wk) * T + t]; };
    std::fill(std::begin(wait_sum), std::end(wait_sum), 0.0), std::fill(std::begin(wait_n), std::end(wait_n), 0.0);
    run_week(w, [&](const std::string& phase, bool after) {
      if (!after) {
        S = snap(w);
        return;
      }
      H.grow(P.size());
      // Housing flows: no phase changes a person's housing more than once.
      for (std::size_t p = 0; p < S.n; ++p) {
        if (S.exit[p] >= 0 || P.housing[p] == S.housing[p]) continue;
        const int t = P.territory[p];
        x(std::string("flow_") + kHousingNames[S.housing[p]] + "_to_" + kHousingNames[P.housing[p]], t) += 1;
        if (P.housing[p] == Street && stable(S.housing[p])) {
          H.returns[p]++;
          if (H.first_stable[p] >= 0 && wk - H.first_stable[p] <= 52) H.returned12[p] = 1;
        }
        if (stable(P.housing[p]) && H.first_stable[p] < 0) H.first_stable[p] = wk;
      }
      // Handed back by the Housing First team to a case worker: a team case before the phase
      // whose flat is no longer held after it (moved out, graduated, the hold lost), still
      // present (a case that closes later in the same phase was handed back all the same).
      for (std::size_t p = 0; p < S.n; ++p)
        if (P.exit[p] < 0 && team_case(S.housing[p], S.inst_from[p], S.kase[p]) && !team_case(P.housing[p], P.inst_from[p], InCharge))
          x("hf_handed_back", P.territory[p]) += 1;
      if (phase == "inflow_and_exits") {
        for (std::size_t p = 0; p < S.n; ++p)
          if (S.exit[p] < 0 && P.exit[p] >= 0) x("exits", P.territory[p]) += 1, H.exit[p] = wk;
        for (std::size_t p = S.n; p < P.size(); ++p) {
          x("inflow", P.territory[p]) += 1;
          EXPECT_EQ(P.entry[p], wk);
          // Arrivals are on the street if homeless, else in an own tenancy.
          EXPECT_EQ(P.housing[p], (P.groups[p] & GHomeless) ? Street : Housed) << "arrival " << p;
          if (stable(P.housing[p])) H.first_stable[p] = wk;
        }
      } else if (phase == "contact_and_assessment") {
        for (std::size_t p = 0; p < S.n; ++p) {
          if (S.exit[p] >= 0) continue;
          const int t = P.territory[p];
          const bool contacted = S.kase[p] == Unknown && P.kase[p] != Unknown;
          const bool was_waiting = S.kase[p] == Waiting;
          x("contacts", t) += contacted;
          if (contacted && H.first_contact[p] < 0) H.first_contact[p] = wk;
          auto newly = [&](std::uint8_t bit) {
            return (P.flags[p] & bit) && (contacted || (was_waiting && !(S.flags[p] & bit)));
          };
          const int social = newly(FSocialDone), cpi = integrated ? 0 : newly(FCpiDone);
          x("assessments_social", t) += social;
          x("assessments_cpi", t) += cpi;
          H.cost[p] += c_assess * (social * joint_factor + cpi);
          if ((contacted || was_waiting) && (P.kase[p] == Assessed || P.kase[p] == InCharge))
            wait_sum[t] += was_waiting ? wk - S.case_since[p] : 0, wait_n[t]++;
          if (S.kase[p] != InCharge && P.kase[p] == InCharge) {
            x("taken_in_charge", t) += 1;
            if (H.first_plan[p] < 0) H.first_plan[p] = wk;
            EXPECT_EQ(P.intake[p], wk);
          }
        }
      } else if (phase == "housing_pathway") {
        for (std::size_t p = 0; p < S.n; ++p)
          if (S.exit[p] < 0 && !(S.flags[p] & FHfAssigned) && (P.flags[p] & FHfAssigned)) x("hf_assigned", P.territory[p]) += 1;
      } else if (phase == "scouting_and_firms") {
        for (std::size_t f = 0; f < F.size_(); ++f)
          x("firms_scouted", F.territory[f]) += (F.flags[f] & FfKnown) && !(S.firm_flags[f] & FfKnown);
      } else if (phase == "employment_pathway") {
        for (std::size_t p = 0; p < S.n; ++p) {
          if (S.exit[p] >= 0) continue;
          const int t = P.territory[p];
          if (P.work[p] == Internship && S.work[p] != Internship) {
            x("internships_started", t) += 1;
            EXPECT_EQ(P.emp_since[p], wk);
          }
          const bool hired = P.work[p] == Employed && S.work[p] != Employed;
          if (hired) {
            EXPECT_EQ(P.hire_week[p], wk);
            x("hires", t) += 1;
            x("hires_programme", t) += P.emp_phase[p] == EpEmployed;
            x("hires_obliged", t) += P.quota_job[p] != 0;
            x("internships_converted", t) += S.work[p] == Internship;
            H.spells[p]++;
            if (H.first_job[p] < 0) H.first_job[p] = wk;
          }
          x("separations", t) += S.work[p] == Employed && P.work[p] != Employed;
          // The pathway starts (with the ICF assessment, when used).
          if (S.phase[p] == EpNone && S.kase[p] == InCharge && S.work[p] == Searching) x("cost_icf", t) += c_icf, H.cost[p] += c_icf;
        }
      } else if (phase == "end_of_week") {
        for (std::size_t p = 0; p < P.size(); ++p) {
          if (!P.active(p)) continue;
          const int t = P.territory[p];
          const std::uint8_t h = P.housing[p], c = P.kase[p], wo = P.work[p], ph = P.emp_phase[p];
          x("persons", t) += 1;
          x(std::string("housing_") + kHousingNames[h], t) += 1;
          x(std::string("case_") + kCaseNames[c], t) += 1;
          x(std::string("work_") + kWorkNames[wo], t) += 1;
          x("queue_social", t) += c == Waiting && !(P.flags[p] & FSocialDone);
          x("queue_cpi", t) += !integrated && c == Waiting && !(P.flags[p] & FCpiDone);
          x("queue_case", t) += c == Assessed;
          x("hf_searching", t) += (P.flags[p] & FHfAssigned) != 0;
          const double e = P.efficacy[p];
          x(e < 0.25 ? "self_efficacy_below_25" : e < 0.5 ? "self_efficacy_25_50" : e < 0.75 ? "self_efficacy_50_75" : "self_efficacy_75_up", t) += 1;
          const int tenure = wk - P.hire_week[p];
          const bool programme_job = wo == Employed && ph == EpEmployed;
          x("jobs_held_6m", t) += programme_job && tenure == 26;
          x("jobs_held_12m", t) += programme_job && tenure == 52;
          x("people_orientation", t) += ph == EpOrientation;
          // Orientation over, waiting for a training seat: not billed as orientation.
          const bool waiting = ph == EpOrientation && wk - P.emp_since[p] >= std::lround(sc[G::employment_orientation]);
          x("people_waiting_training_seat", t) += waiting;
          x("people_training", t) += ph == EpTraining;
          const bool follow = programme_job && tenure < fu_len;
          x("people_follow_up", t) += follow;
          // Costs: unit cost times units used.
          // A Housing First tenant (also while the flat is held in an institution) is supported
          // by the team, whose cost is in the Housing First cost per day: no case-management cost.
          const bool hf_team = team_case(h, P.inst_from[p], InCharge);
          const bool in_case = (c == InCharge || c == FollowUp) && !hf_team;
          x("case_hf_team", t) += (c == InCharge || c == FollowUp) && hf_team;
          x("cost_street_outreach", t) += h == Street ? c_housing[Street] : 0;
          x("cost_shelter", t) += h == Shelter ? c_housing[Shelter] : 0;
          x("cost_transitional", t) += h == Transitional ? c_housing[Transitional] : 0;
          x("cost_housing_first", t) += h == HfFlat ? c_housing[HfFlat] : 0;
          const double c_inst = h == Institution ? c_institution[P.inst_kind[p]] : 0;
          if (h == Institution) x(institution_cost[P.inst_kind[p]], t) += c_inst;
          x("people_in_prison", t) += h == Institution && P.inst_kind[p] == InstJustice;
          x("people_in_psychiatric_ward", t) += h == Institution && P.inst_kind[p] == InstPsychiatric;
          const double visits = h == Institution ? 0.0
                                                 : visits_week(h, (P.groups[p] & GMentalHealth) != 0, (P.groups[p] & GSubstanceUse) != 0);
          x("emergency_visits", t) += visits;
          x("cost_emergency", t) += visits * sc[G::costs_emergency_visit];
          x("cost_case_management", t) += in_case ? c_case : 0;
          x("cost_orientation", t) += ph == EpOrientation && !waiting ? c_orient : 0;
          x("cost_training", t) += ph == EpTraining ? c_train : 0;
          x("cost_internship", t) += wo == Internship ? c_intern : 0;
          x("cost_follow_up", t) += follow ? c_follow : 0;
          // A rent subsidy to the tenants with no income (neither income support nor a job).
          const bool rent_subsidy = rent > 0 && h == Housed && !(P.flags[p] & FIncome) && wo != Employed;
          x("people_rent_subsidy", t) += rent_subsidy;
          x("cost_rent_subsidy", t) += rent_subsidy ? rent : 0;
          H.cost[p] += rent_subsidy ? rent : 0;
          H.cost[p] += c_housing[h] + c_inst + visits * sc[G::costs_emergency_visit] + (in_case ? c_case : 0) + (ph == EpOrientation && !waiting ? c_orient : 0) +
                       (ph == EpTraining ? c_train : 0) + (wo == Internship ? c_intern : 0) + (follow ? c_follow : 0);
          // The person's history.
          H.weeks_h[p][h]++, H.weeks_c[p][c]++;
          if (wo == Employed) {
            H.weeks_employed[p]++;
            if (wk - H.first_job[p] < 104) H.weeks_after_first[p]++;
          }
          const bool homeless = (P.groups[p] & GHomeless) != 0, cohort = P.entry[p] == 0 && wk < 104;
          if (homeless && stable(h)) stable_days_d += 7 * disc(wk), cohort_stable_d += cohort ? disc(wk) / 52 : 0;
          if (cohort && programme_job && tenure == 52) cohort_held_d += disc(wk);
          if (cohort && P.seeking[p] && H.first_job[p] >= 0 && H.first_job[p] < 52 && wk - H.first_job[p] == 51)
            worked += H.weeks_after_first[p], worked_n++;
          if (cohort)
            cohort_used[wk / 52] += (ph == EpOrientation && !waiting ? c_orient : 0) + (ph == EpTraining ? c_train : 0) +
                                    (wo == Internship ? c_intern : 0) + (follow ? c_follow : 0);
          const int since = wk + 1 - P.entry[p];
          if (since == 52) H.housing_12m[p] = h, H.work_12m[p] = wo, employed_d += P.seeking[p] && wo == Employed ? disc(wk) : 0;
          if (since == 104) H.housing_24m[p] = h, H.work_24m[p] = wo;
        }
        // The homeless cohort's cost at the end of each year of its window.
        if (wk == 51 || wk == 103) {
          double c = 0;
          for (std::size_t p = 0; p < P.size(); ++p) c += P.entry[p] == 0 && (P.groups[p] & GHomeless) ? H.cost[p] : 0;
          cohort_cost_d += disc(wk) * (c - cohort_cost_before), cohort_cost_before = c;
        }
        for (int t = 0; t < T; ++t) {
          x("wait_weeks_mean", t) = wait_n[t] > 0 ? wait_sum[t] / wait_n[t] : 0.0;
          x("cost_assessment", t) = (x("assessments_social", t) * joint_factor + x("assessments_cpi", t)) * c_assess;
          x("cost_icf", t) += wk == 0 ? c_icf_training : 0.0;
          // The week is recorded with the capacities in force during it (the events phase, last,
          // sets those of the next week); scouting is billed for the hours spent reaching firms.
          const int nx = wk;
          x("cost_scouting", t) = x("firms_scouted", t) * sc[G::employment_scouting_hours_per_firm] * sc[G::costs_provider_hour];
          // Network management: the partners' fees and the paid case and scouting time it diverts.
          const double diverted = std::max(0.0, sc[G::network_overhead_per_partner] * (sc[G::network_partners] - 1));
          const auto& tv0 = sc.territories[t];
          x("cost_network", t) = sc[G::network_partners] * sc[G::costs_partner_management_per_week] +
                                 tv0[T::case_workers] * sc[G::case_caseload] * scale * factor(sc, "case_workers", nx, t) * diverted *
                                     sc[G::costs_case_management_per_week] +
                                 diverted * sc[G::employment_scouting_intensity] * scale * sc[G::costs_provider_hour];
          double total = 0;
          for (const auto& n : names)
            if (n.rfind("cost_", 0) == 0 && n != "cost_total") total += x(n, t);
          x("cost_total", t) = total;
          const auto& tv = sc.territories[t];
          x("capacity_shelter_beds", t) = std::floor(tv[T::shelter_beds] * scale * factor(sc, "shelter_beds", nx, t));
          x("capacity_transitional", t) =
              std::floor(tv[T::transitional_places] * scale * factor(sc, "transitional_places", nx, t));
          x("capacity_hf_flats", t) = std::floor(tv[T::hf_flats] * scale * factor(sc, "hf_flats", nx, t));
          x("capacity_case_slots", t) =
              std::floor(tv[T::case_workers] * sc[G::case_caseload] * scale * factor(sc, "case_workers", nx, t) *
                         std::max(0.0, 1 - sc[G::network_overhead_per_partner] * (sc[G::network_partners] - 1)));
          const auto& ts = w.territories()[t];
          double known[2] = {0, 0}, engaged[2] = {0, 0}, positions = 0, filled = 0, vacancies = 0;
          for (std::size_t f = ts.firm_begin; f < ts.firm_end; ++f) {
            const int np = (F.flags[f] & FfNonProfit) ? 1 : 0;
            known[np] += (F.flags[f] & FfKnown) != 0;
            engaged[np] += (F.flags[f] & FfEngaged) != 0;
            positions += F.quota[f], filled += F.filled[f], vacancies += F.vacancies[f];
          }
          x("firms_known_profit", t) = known[0], x("firms_known_non_profit", t) = known[1];
          x("firms_engaged_profit", t) = engaged[0], x("firms_engaged_non_profit", t) = engaged[1];
          x("quota_positions", t) = positions, x("quota_filled", t) = filled, x("vacancies_open", t) = vacancies;
        }
      }
    });
  }
  const auto r = w.results();
  ASSERT_EQ(r.weeks, W);
  // Every series equals its recount, every week, in every territory.
  ASSERT_EQ(r.weekly.size(), names.size());
  for (std::size_t s = 0; s < names.size(); ++s) {
    ASSERT_EQ(r.weekly[s].name, names[s]);
    const auto& v = r.weekly[s].values;
    const auto& e = X.at(names[s]);
    double used = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      ASSERT_NEAR(v[i], e[i], 1e-6 * std::max(1.0, std::fabs(e[i])))
          << sc.name() << ": series " << names[s] << " week " << i / T << " territory " << i % T;
      used += std::fabs(e[i]);
    }
    // Every series is used in this run (a recount of zeros would not tell two series apart),
    // except those that only a longer run would fill.
    // (The family-care series are 0 without the model; tests/test_family_care.cpp recounts them.)
    const bool family_care_off = names[s].rfind("fc_", 0) == 0 && sc[G::family_care_enabled] == 0;
    if (names[s].rfind("flow_", 0) != 0 && !family_care_off &&
        std::find(may_be_zero.begin(), may_be_zero.end(), names[s]) == may_be_zero.end()) {
      EXPECT_GT(used, 0) << sc.name() << ": series " << names[s] << " is zero throughout";
    }
  }

  // The per-person table: columns equal the person columns they name and the recounted history.
  const std::size_t n = P.size();
  std::map<std::string, const out::PersonColumn*> col;
  for (const auto& c : r.persons) {
    ASSERT_EQ(c.size(), n) << c.name;
    col[c.name] = &c;
  }
  auto ints = [&](const std::string& name, auto expect) {
    ASSERT_TRUE(col.count(name)) << name;
    const auto& c = *col.at(name);
    ASSERT_TRUE(c.is_int) << name;
    for (std::size_t p = 0; p < n; ++p) ASSERT_EQ(c.ints[p], static_cast<std::int32_t>(expect(p))) << "column " << name << " person " << p;
  };
  auto reals = [&](const std::string& name, auto expect, double rel) {
    ASSERT_TRUE(col.count(name)) << name;
    const auto& c = *col.at(name);
    ASSERT_FALSE(c.is_int) << name;
    for (std::size_t p = 0; p < n; ++p) {
      const double e = expect(p);
      ASSERT_NEAR(c.reals[p], e, rel * std::max(1.0, std::fabs(e))) << "column " << name << " person " << p;
    }
  };
  ints("id", [](std::size_t p) { return p; });
  ints("territory", [&](std::size_t p) { return P.territory[p]; });
  ints("entry_week", [&](std::size_t p) { return P.entry[p]; });
  ints("exit_week", [&](std::size_t p) { return H.exit[p]; });
  ints("age", [&](std::size_t p) { return P.age[p]; });
  ints("female", [&](std::size_t p) { return (P.flags[p] & FFemale) != 0; });
  ints("groups", [&](std::size_t p) { return P.groups[p]; });
  ints("functioning", [&](std::size_t p) { return P.functioning[p]; });
  ints("income_support", [&](std::size_t p) { return (P.flags[p] & FIncome) != 0; });
  ints("chronic", [&](std::size_t p) { return (P.flags[p] & FChronic) != 0; });
  ints("hf_track", [&](std::size_t p) { return (P.flags[p] & FHfTrack) != 0; });
  ints("housing_final", [&](std::size_t p) { return P.housing[p]; });
  ints("case_final", [&](std::size_t p) { return P.kase[p]; });
  ints("work_final", [&](std::size_t p) { return P.work[p]; });
  for (int h = 0; h < kHousingStates; ++h)
    ints(std::string("weeks_") + kHousingNames[h], [&](std::size_t p) { return H.weeks_h[p][h]; });
  for (int c = 0; c < kCaseStates; ++c)
    ints(std::string("weeks_case_") + kCaseNames[c], [&](std::size_t p) { return H.weeks_c[p][c]; });
  ints("returns_to_street", [&](std::size_t p) { return H.returns[p]; });
  ints("first_stable_week", [&](std::size_t p) { return H.first_stable[p]; });
  ints("housing_12m", [&](std::size_t p) { return H.housing_12m[p]; });
  ints("housing_24m", [&](std::size_t p) { return H.housing_24m[p]; });
  ints("seeking_work", [&](std::size_t p) { return P.seeking[p]; });
  ints("pathway_final", [&](std::size_t p) { return P.emp_phase[p]; });
  ints("pathway_rounds", [&](std::size_t p) { return P.rounds[p]; });
  ints("first_job_week", [&](std::size_t p) { return H.first_job[p]; });
  ints("job_spells", [&](std::size_t p) { return H.spells[p]; });
  ints("weeks_employed", [&](std::size_t p) { return H.weeks_employed[p]; });
  ints("weeks_employed_104w_after_first_job", [&](std::size_t p) { return H.weeks_after_first[p]; });
  ints("work_12m", [&](std::size_t p) { return H.work_12m[p]; });
  ints("work_24m", [&](std::size_t p) { return H.work_24m[p]; });
  reals("cost", [&](std::size_t p) { return H.cost[p]; }, 1e-4);
  reals("employability", [&](std::size_t p) { return P.employability[p]; }, 1e-9);
  reals("self_efficacy", [&](std::size_t p) { return P.efficacy[p]; }, 1e-9);
  reals("health", [&](std::size_t p) { return P.health[p]; }, 1e-9);
  // The per-person costs add up to the costs of the weekly series that are borne per person
  // (all but scouting, network management and the training of ICF operators, which are programme costs).
  double person_cost = 0, series_cost = -c_icf_training * T;
  for (std::size_t p = 0; p < n; ++p) person_cost += col.at("cost")->reals[p];
  for (const char* s : {"cost_total", "cost_scouting", "cost_network"})
    for (double v : r.weekly[series_index(s)].values) series_cost += std::string(s) == "cost_total" ? v : -v;
  EXPECT_NEAR(person_cost, series_cost, 1e-5 * series_cost);
  // The history was rich enough to tell columns apart.
  int jobs = 0, returns = 0, housed12 = 0;
  for (std::size_t p = 0; p < n; ++p) jobs += H.spells[p] > 1, returns += H.returns[p] > 0, housed12 += H.housing_12m[p] >= 0;
  EXPECT_GT(jobs, 10);
  EXPECT_GT(returns, 10);
  EXPECT_GT(housed12, 100);

  // Headline indicators, recomputed from the recounted histories and series.
  auto sum_series = [&](const char* s, int w0, int w1) {
    double v = 0;
    for (int k = std::max(0, w0); k < std::min(W, w1); ++k)
      for (int t = 0; t < T; ++t) v += X.at(s)[static_cast<std::size_t>(k) * T + t];
    return v;
  };
  double n12 = 0, s12 = 0, n24 = 0, s24 = 0, all = 0, stab = 0, nf = 0, ret = 0, nh = 0, days = 0;
  double any18hf = 0, n18hf = 0;
  double e12 = 0, m12 = 0, e24 = 0, m24 = 0, any18 = 0, n18 = 0, to_job = 0, n_job = 0, to_plan = 0, n_plan = 0;
  for (std::size_t p = 0; p < n; ++p) {
    const int entry = P.entry[p];
    if (P.seeking[p]) {
      if (H.work_12m[p] >= 0) m12++, e12 += H.work_12m[p] == Employed;
      if (H.work_24m[p] >= 0) m24++, e24 += H.work_24m[p] == Employed;
      if (entry + 78 <= W && (H.exit[p] < 0 || H.exit[p] >= entry + 78)) n18++, any18 += H.first_job[p] >= 0 && H.first_job[p] < entry + 78;
      // A change is dated at the middle of its week; entry at the start of the week of entry
      // (docs/outputs.md, "Dates and windows"); between two changes, the difference of weeks.
      if (H.first_job[p] >= 0) n_job++, to_job += H.first_job[p] - entry + 0.5;
    }
    if (H.first_contact[p] >= 0 && H.first_plan[p] >= H.first_contact[p]) n_plan++, to_plan += H.first_plan[p] - H.first_contact[p];
    if (H.weeks_h[p][HfFlat] > 0 && entry + 78 <= W && (H.exit[p] < 0 || H.exit[p] >= entry + 78))
      n18hf++, any18hf += H.first_job[p] >= 0 && H.first_job[p] < entry + 78;
    if (!(P.groups[p] & GHomeless)) continue;
    if (H.housing_12m[p] >= 0) n12++, s12 += stable(static_cast<std::uint8_t>(H.housing_12m[p]));
    if (H.housing_24m[p] >= 0) n24++, s24 += stable(static_cast<std::uint8_t>(H.housing_24m[p]));
    for (int h = 0; h < kHousingStates; ++h) all += H.weeks_h[p][h];
    stab += H.weeks_h[p][HfFlat] + H.weeks_h[p][Housed];
    if (H.first_stable[p] >= 0) {
      nh++, days += 7.0 * (H.first_stable[p] - entry + 0.5);
      // A return within 52 weeks (weeks first .. first + 52, all run) counts; without one, the
      // person counts only if still present at the end of week first + 52 (a leaver is censored).
      const int f = H.first_stable[p];
      if (f + 52 < W && (H.returned12[p] || H.exit[p] < 0 || H.exit[p] > f + 52)) nf++, ret += H.returned12[p];
    }
  }
  // Discounted sums: each week weighted by disc(week).
  auto sum_series_d = [&](const char* s) {
    double v = 0;
    for (int k = 0; k < W; ++k) v += disc(k) * sum_series(s, k, k + 1);
    return v;
  };
  const double cost = sum_series_d("cost_total"), held12 = sum_series("jobs_held_12m", 0, W);
  // Each payer's costs, discounted.
  const double housing = sum_series_d("cost_housing_first"),
               health = sum_series_d("cost_institution_health") + sum_series_d("cost_psychiatric_ward") + sum_series_d("cost_emergency"),
               justice = sum_series_d("cost_institution_justice");
  // The employment programme's cost attributable to the cohort: each year's programme cost
  // shared by the cohort's part of the weekly services' cost, discounted.
  double cohort_programme_d = 0;
  for (int y = 0; y < 2; ++y) {
    double programme = 0, services = 0;
    for (const char* c : {"cost_icf", "cost_orientation", "cost_training", "cost_internship", "cost_follow_up", "cost_scouting", "cost_network"})
      programme += sum_series(c, 52 * y, 52 * y + 52);
    for (const char* c : {"cost_orientation", "cost_training", "cost_internship", "cost_follow_up"}) services += sum_series(c, 52 * y, 52 * y + 52);
    cohort_programme_d += disc(52 * y) * programme * cohort_used[y] / services;
  }
  ASSERT_GT(W, 104);  // the cohort is followed over weeks 0-103, and a third year is discounted twice
  EXPECT_GT(worked_n, 10);
  EXPECT_GT(cohort_held_d, 5);
  auto ratio = [](double a, double b) { return b > 0 ? a / b : std::nan(""); };
  const std::map<std::string, double> expect = {
      {"persons_total", static_cast<double>(n)},
      {"stably_housed_12m", ratio(s12, n12)},
      {"stably_housed_24m", ratio(s24, n24)},
      {"time_stably_housed", ratio(stab, all)},
      {"returns_to_street_12m", ratio(ret, nf)},
      {"days_to_stable_housing", ratio(days, nh)},
      {"employed_12m", ratio(e12, m12)},
      {"employed_24m", ratio(e24, m24)},
      {"any_job_18m", ratio(any18, n18)},
      {"any_job_18m_hf_tenants", ratio(any18hf, n18hf)},
      {"weeks_to_first_job", ratio(to_job, n_job)},
      {"months_worked_12m_after_first_job", ratio(worked * 12 / 52, worked_n)},
      {"job_retained_6m", ratio(sum_series("jobs_held_6m", 0, W), sum_series("hires_programme", 0, W - 26))},
      {"job_retained_12m", ratio(held12, sum_series("hires_programme", 0, W - 52))},
      {"hires_obliged_firms", sum_series("hires_obliged", 0, W)},
      {"days_to_plan", ratio(7 * to_plan, n_plan)},
      {"days_to_plan_n", n_plan},
      {"cost_per_retained_job", ratio(cohort_programme_d, cohort_held_d)},
      {"cost_total", cost},
      {"cost_per_person", ratio(cost, static_cast<double>(n))},
      {"cost_per_person_year", ratio(cost, sum_series_d("persons") / 52)},
      {"cost_per_stable_year", ratio(cohort_cost_d, cohort_stable_d)},
      {"cost_per_person_social_services", ratio(cost - housing - health - justice, static_cast<double>(n))},
      {"cost_per_person_housing", ratio(housing, static_cast<double>(n))},
      {"cost_per_person_health", ratio(health, static_cast<double>(n))},
      {"cost_per_person_justice", ratio(justice, static_cast<double>(n))},
      // The sizes of the denominators (<indicator>_n), shown with the indicators.
      {"stably_housed_12m_n", n12},
      {"stably_housed_24m_n", n24},
      {"time_stably_housed_n", all / 52.0},
      {"returns_to_street_12m_n", nf},
      {"days_to_stable_housing_n", nh},
      {"employed_12m_n", m12},
      {"employed_24m_n", m24},
      {"any_job_18m_n", n18},
      {"any_job_18m_hf_tenants_n", n18hf},
      {"weeks_to_first_job_n", n_job},
      {"months_worked_12m_after_first_job_n", worked_n},
      {"job_retained_6m_n", sum_series("hires_programme", 0, W - 26)},
      {"job_retained_12m_n", sum_series("hires_programme", 0, W - 52)},
      {"cost_per_person_n", static_cast<double>(n)},
      {"cost_per_person_social_services_n", static_cast<double>(n)},
      {"cost_per_person_housing_n", static_cast<double>(n)},
      {"cost_per_person_health_n", static_cast<double>(n)},
      {"cost_per_person_justice_n", static_cast<double>(n)},
      {"cost_per_person_year_n", sum_series_d("persons") / 52},
      {"cost_per_stable_year_n", cohort_stable_d},
      {"cost_per_retained_job_n", cohort_held_d},
      // The outcomes of the cost-effectiveness ratios, discounted.
      {"time_stably_housed_discounted", stable_days_d},
      {"employed_12m_discounted", employed_d},
      {"job_retained_12m_discounted", sum_series_d("jobs_held_12m")},
  };
  for (const auto& [name, v] : expect) {
    ASSERT_TRUE(r.headline.count(name)) << name;
    const double got = r.headline.at(name);
    if (std::isnan(v)) {
      EXPECT_TRUE(std::isnan(got)) << name << " = " << got;
    } else {
      EXPECT_NEAR(got, v, 1e-6 * std::max(1.0, std::fabs(v))) << "headline " << name;
    }
  }
  EXPECT_EQ(r.headline.size(), expect.size()) << "a headline indicator without a recount";
}

}  // namespace

TEST(ModelAccounts, EverySeriesCostAndPersonColumnEqualsItsRecountStepModelCpiMarginal) {
  Scenario sc = yaml(audit_yaml());
  sc.set("housing.model", "step");
  sc.set("cpi.involvement", "marginal");
  audit(sc, {"jobs_held_12m", "hf_assigned", "hf_searching", "housing_hf_flat", "cost_housing_first", "cost_icf", "case_hf_team", "hf_handed_back",
             "people_rent_subsidy", "cost_rent_subsidy"});
}

TEST(ModelAccounts, EverySeriesCostAndPersonColumnEqualsItsRecountMixedHousingCpiIntegrated) {
  Scenario sc = yaml(audit_yaml());
  sc.set("housing.model", "mixed");
  sc.set("housing.hf_share", "0.6");
  sc.set("cpi.involvement", "integrated");
  sc.set("employment.scouting.reference", "intake");
  sc.set("employment.scouting.strategy", "profit");
  sc.set("employment.icf_assessment", "true");
  sc.set("housing.rent_subsidy.amount", "35");
  audit(sc, {"jobs_held_12m", "queue_cpi", "assessments_cpi"});
}

// ---------------------------------------------------------------------------------------------
// Capacities and events

namespace {
const char* kTargets[] = {"activity", "assessment_capacity", "case_workers", "shelter_beds", "transitional_places",
                          "hf_flats", "affordable_lets", "inflow", "hiring"};

// Two territories with a distinct value for every capacity key; an event on `target` (if any)
// with factor 0.5 in territory B from week 2 to week 4.
Scenario capacity_scenario(const std::string& target) {
  std::string y = R"(
name: capacities
seed: 99
horizon: 6 weeks
scale: 1.5
housing: {model: housing_first}
housing_first: {caseload: 7}
case: {caseload: 11}
network: {partners: 3, overhead_per_partner: 0.05}
territories:
  - {name: A, initial_population: 300, inflow: 3.1, assessment_capacity: 5.3, cpi_assessment_capacity: 2.9, case_workers: 4.7,
     shelter_beds: 61, transitional_places: 23, hf_flats: 17, hf_support_workers: 1.9, affordable_lets: 1.3, firms: 50, training_seats: 9}
  - {name: B, initial_population: 200, inflow: 2.3, assessment_capacity: 4.1, cpi_assessment_capacity: 3.7, case_workers: 3.3,
     shelter_beds: 47, transitional_places: 19, hf_flats: 13, hf_support_workers: 2.3, affordable_lets: 0.7, firms: 40, training_seats: 6}
)";
  if (!target.empty()) y += "events:\n  - {name: e, target: " + target + ", factor: 0.5, start: 2 weeks, end: 4 weeks, territory: B}\n";
  return yaml(y);
}

void expect_capacities(const World& w, const Scenario& sc, int week, const std::string& what) {
  const double s = sc[G::scale];
  for (int t = 0; t < static_cast<int>(sc.territories.size()); ++t) {
    const auto& tv = sc.territories[t];
    const auto& ts = w.territories()[t];
    auto f = [&](const char* target) { return factor(sc, target, week, t); };
    const std::string at = what + ", week " + std::to_string(week) + ", territory " + sc.territory_name(t);
    EXPECT_DOUBLE_EQ(ts.activity, f("activity")) << at;
    EXPECT_DOUBLE_EQ(ts.hiring, f("hiring")) << at;
    EXPECT_DOUBLE_EQ(ts.assess_social, tv[T::assessment_capacity] * s * f("assessment_capacity")) << at;
    EXPECT_DOUBLE_EQ(ts.assess_cpi, tv[T::cpi_assessment_capacity] * s * f("assessment_capacity")) << at;
    EXPECT_DOUBLE_EQ(ts.case_slots, tv[T::case_workers] * sc[G::case_caseload] * s * f("case_workers") *
                                        (1 - sc[G::network_overhead_per_partner] * (sc[G::network_partners] - 1)))
        << at;
    EXPECT_DOUBLE_EQ(ts.shelter_beds, tv[T::shelter_beds] * s * f("shelter_beds")) << at;
    EXPECT_DOUBLE_EQ(ts.transitional, tv[T::transitional_places] * s * f("transitional_places")) << at;
    EXPECT_DOUBLE_EQ(ts.hf_flats, tv[T::hf_flats] * s * f("hf_flats")) << at;
    EXPECT_DOUBLE_EQ(ts.hf_slots, tv[T::hf_support_workers] * sc[G::housing_first_caseload] * s * f("hf_flats")) << at;
    EXPECT_DOUBLE_EQ(ts.lets, tv[T::affordable_lets] * s * f("affordable_lets")) << at;
    EXPECT_DOUBLE_EQ(ts.inflow, tv[T::inflow] * s * f("inflow")) << at;
    EXPECT_DOUBLE_EQ(ts.training_seats, tv[T::training_seats] * s * f("activity")) << at;
  }
}

// Capacity units of week w for a weekly capacity x (cumulative rounding).
std::int64_t units(double x, int w) { return static_cast<std::int64_t>(std::floor(x * (w + 1)) - std::floor(x * w)); }
}  // namespace

// Each territory key sets its own capacity (times scale), and an event on a target scales that
// capacity, in its territory and window only, and no other capacity.
TEST(ModelAccounts, EveryCapacityKeyAndEventTargetScalesOnlyTheCapacityItNames) {
  std::vector<std::string> targets = {""};
  targets.insert(targets.end(), std::begin(kTargets), std::end(kTargets));
  for (const auto& target : targets) {
    const Scenario sc = capacity_scenario(target);
    World w(sc, 0);
    expect_capacities(w, sc, 0, "event on " + target);
    for (int k = 0; k < 6; ++k) run_week(w, around("events", {}, [&] { expect_capacities(w, sc, w.week() + 1, "event on " + target); }));
    if (target.empty()) continue;
    // The event was in force in some week of the run.
    bool changed = false;
    for (int k = 0; k < 6; ++k) changed |= factor(sc, target, k, 1) != 1;
    EXPECT_TRUE(changed) << target;
  }
}

// Assessments served each week equal the capacity units when the queue is long: the social and
// job-centre capacities (marginal CPI) or their sum at the single point (integrated), scaled by
// an event on assessment_capacity during its window.
TEST(ModelAccounts, AssessmentsServedEqualTheAssessmentCapacityInForce) {
  for (const char* cpi : {"marginal", "integrated"}) {
    Scenario sc = yaml(R"(
name: assess
seed: 5
horizon: 12 weeks
population: {initial: {street: 1, shelter: 0, transitional: 0, known: 0}}
access: {contact_rate: 100}
territories:
  - {name: A, initial_population: 3000, assessment_capacity: 7.3, cpi_assessment_capacity: 4.6, case_workers: 1}
events:
  - {name: cut, target: assessment_capacity, factor: 0.5, start: 5 weeks, end: 8 weeks}
)");
    sc.set("cpi.involvement", cpi);
    World w(sc, 0);
    for (int k = 0; k < 12; ++k) run_week(w);
    const auto r = w.results();
    const auto& social = r.weekly[series_index("assessments_social")].values;
    const auto& cpiv = r.weekly[series_index("assessments_cpi")].values;
    const auto& queue = r.weekly[series_index("queue_social")].values;
    for (int k = 1; k < 12; ++k) {
      ASSERT_GT(queue[k], 50) << "the queue must stay long for the test";
      const double f = (k >= 5 && k < 8) ? 0.5 : 1.0;
      if (std::string(cpi) == "marginal") {
        EXPECT_EQ(social[k], units(7.3 * f, k)) << cpi << " week " << k;
        EXPECT_EQ(cpiv[k], units(4.6 * f, k)) << cpi << " week " << k;
      } else {
        // One single point: joint assessments, each taking cpi.joint_assessment_factor times as long.
        EXPECT_EQ(social[k], units((7.3 + 4.6) * f / sc[G::cpi_joint_assessment_factor], k)) << cpi << " week " << k;
        EXPECT_EQ(cpiv[k], 0) << cpi << " week " << k;
      }
    }
  }
}

// With many people waiting for each resource, the resource is filled exactly to the capacity in
// force (case slots, shelter beds, transitional places, Housing First flats and support slots,
// affordable lets per week, training seats: courses outlast the run, so the seats taken stay
// taken), and an event on it moves that ceiling during its window.
TEST(ModelAccounts, EachCapacityIsFilledToItsCeilingUnderDemand) {
  const std::string base = R"(
name: fill
seed: 8
horizon: 8 weeks
access: {contact_rate: 0}
step: {shelter_seek_rate: 520, shelter_acceptance: 1, shelter_dropout_rate: 0, transitional_dropout_rate: 0, shelter_min_stay: 0 weeks,
       transitional_min_stay: 0 weeks, readiness_rate: 52, readiness_efficacy_coef: 0, readiness_health_coef: 0, move_on_rate: 52}
housing_first: {eligibility: homeless, acceptance: 1, move_in_rate: 1}
life: {eviction_rate: 0, reconnection_rate: 0}
case: {dropout_rate: 0}
exits: {rate: 0}
rehousing: {private_rate: 0}
institution: {health_rate: 0, justice_rate: 0}
territory_defaults: {social_housing_lets: 0}
)";
  struct Case {
    std::string what, extra, target;
  };
  const Case cases[] = {
      {"case_slots", "population: {initial: {street: 1, shelter: 0, transitional: 0, known: 1}}\n"
                     "territories: [{name: A, initial_population: 3000, case_workers: 3.7, shelter_beds: 0}]\n",
       "case_workers"},
      {"shelter", "population: {initial: {street: 1, shelter: 0, transitional: 0, known: 0}}\n"
                  "territories: [{name: A, initial_population: 3000, shelter_beds: 41.5, case_workers: 0}]\n",
       "shelter_beds"},
      {"transitional", "population: {initial: {street: 0, shelter: 1, transitional: 0, known: 1}}\n"
                       "territories: [{name: A, initial_population: 3000, shelter_beds: 5000, transitional_places: 37.5, affordable_lets: 0, case_workers: 1000}]\n",
       "transitional_places"},
      {"lets", "population: {initial: {street: 0, shelter: 0, transitional: 1, known: 1}}\n"
               "territories: [{name: A, initial_population: 3000, shelter_beds: 0, transitional_places: 5000, affordable_lets: 6.3, case_workers: 1000}]\n",
       "affordable_lets"},
      {"social_lets", "population: {initial: {street: 1, shelter: 0, transitional: 0, known: 1}}\n"
                      "territories: [{name: A, initial_population: 3000, shelter_beds: 0, social_housing_lets: 4.3, case_workers: 1000}]\n",
       "affordable_lets"},
      {"hf_flats", "housing: {model: housing_first}\npopulation: {initial: {street: 1, shelter: 0, transitional: 0, known: 1}}\n"
                   "territories: [{name: A, initial_population: 3000, shelter_beds: 0, hf_flats: 33, hf_support_workers: 100, case_workers: 1000}]\n",
       "hf_flats"},
      {"hf_slots", "housing: {model: housing_first}\npopulation: {initial: {street: 1, shelter: 0, transitional: 0, known: 1}}\n"
                   "territories: [{name: A, initial_population: 3000, shelter_beds: 0, hf_flats: 1000, hf_support_workers: 2.9, case_workers: 1000}]\n",
       "hf_flats"},
      {"training_seats", "population: {initial: {street: 0, shelter: 0, transitional: 0, known: 1}, seeking_work: 1}\n"
                         "employment: {orientation: 0 weeks, training: {threshold: 1, duration: 30 weeks}}\n"
                         "territories: [{name: A, initial_population: 3000, case_workers: 1000, training_seats: 7.5}]\n",
       "activity"},
  };
  for (const auto& c : cases) {
    for (double f : {1.0, 0.5, 2.0}) {
      std::string y = base + c.extra;
      std::ostringstream ev;
      ev << "events: [{name: e, target: " << c.target << ", factor: " << f << ", start: 3 weeks, end: 5 weeks}]\n";
      const Scenario sc = yaml(y + ev.str());
      World w(sc, 0);
      const Persons& P = w.persons();
      auto count = [&](auto pred) {
        std::int64_t n = 0;
        for (std::size_t p = 0; p < P.size(); ++p) n += P.active(p) && pred(p);
        return n;
      };
      std::int64_t before = 0, housed_before = 0;
      const std::string phase = c.what == "case_slots"       ? "contact_and_assessment"
                                : c.what == "training_seats" ? "employment_pathway"
                                                             : "housing_pathway";
      for (int k = 0; k < 8; ++k) {
        const auto& ts = w.territories()[0];
        auto occupancy = [&]() -> std::int64_t {
          if (c.what == "case_slots") return count([&](std::size_t p) { return P.kase[p] == InCharge || P.kase[p] == FollowUp; });
          if (c.what == "shelter") return count([&](std::size_t p) { return P.housing[p] == Shelter; });
          if (c.what == "transitional") return count([&](std::size_t p) { return P.housing[p] == Transitional; });
          if (c.what == "lets" || c.what == "social_lets") return count([&](std::size_t p) { return P.housing[p] == Housed; });
          if (c.what == "training_seats") return count([&](std::size_t p) { return P.emp_phase[p] == EpTraining; });
          return count([&](std::size_t p) { return P.housing[p] == HfFlat || (P.flags[p] & FHfAssigned); });
        };
        run_week(w, around(phase, [&] { before = occupancy(), housed_before = before; },
                           [&] {
                             const std::int64_t after = occupancy();
                             const std::string at = c.what + " factor " + std::to_string(f) + " week " + std::to_string(k);
                             if (c.what == "lets" || c.what == "social_lets") {  // a flow: lets per week
                               EXPECT_EQ(after - housed_before, units(c.what == "lets" ? ts.lets : ts.social_lets, k)) << at;
                               return;
                             }
                             const double cap = c.what == "case_slots" ? ts.case_slots
                                                : c.what == "shelter"  ? ts.shelter_beds
                                                : c.what == "transitional" ? ts.transitional
                                                : c.what == "training_seats" ? ts.training_seats
                                                : std::min(std::floor(ts.hf_flats), std::floor(ts.hf_slots));
                             EXPECT_EQ(after, std::max(before, static_cast<std::int64_t>(std::floor(cap)))) << at;
                           }));
      }
    }
  }
}

// Arrivals are Poisson with the territory's inflow (times scale, times an event on inflow), and
// new vacancies arrive in proportion to firm size at firms.vacancy_rate times an event on hiring.
TEST(ModelAccounts, InflowAndHiringEventsScaleArrivalsAndVacancies) {
  for (double f : {0.5, 1.0, 2.0}) {
    std::ostringstream y;
    y << "name: arrivals\nseed: 31\nhorizon: 40 weeks\nscale: 2\n"
      << "population: {seeking_work: 0, groups: {long_term_unemployed: 0}}\nfirms: {vacancy_rate: 0.3, vacancy_duration: 50 weeks}\n"
      << "territories: [{name: A, initial_population: 0, inflow: 23, firms: 3000}, {name: B, initial_population: 0, inflow: 11, firms: 2000}]\n"
      << "events: [{name: i, target: inflow, factor: " << f << ", start: 0 weeks, end: 100 weeks, territory: A},"
      << " {name: h, target: hiring, factor: " << f << ", start: 0 weeks, end: 100 weeks, territory: B}]\n";
    const Scenario sc = yaml(y.str());
    World w(sc, 0);
    double size[2] = {0, 0};
    for (std::size_t firm = 0; firm < w.firms().size_(); ++firm) size[w.firms().territory[firm]] += w.firms().size[firm];
    std::vector<double> arrivals(2, 0);
    const int weeks = 6;
    for (int k = 0; k < weeks; ++k) {
      const std::size_t n0 = w.persons().size();
      run_week(w);
      for (std::size_t p = n0; p < w.persons().size(); ++p) arrivals[w.persons().territory[p]]++;
    }
    const double lambda[2] = {23 * 2 * f * weeks, 11 * 2.0 * weeks};
    for (int t = 0; t < 2; ++t)
      EXPECT_NEAR(arrivals[t], lambda[t], 5 * std::sqrt(lambda[t])) << "inflow factor " << f << " territory " << t;
    for (int t = 0; t < 2; ++t) {
      const double v = static_cast<double>(w.territories()[t].vacancies_open);
      const double mean = size[t] * 0.3 / 52 * (t == 1 ? f : 1.0) * weeks;
      // A few arrivals on firms whose every post is already vacant are lost: allow 2% below.
      EXPECT_NEAR(v, mean, 5 * std::sqrt(mean) + 0.02 * mean) << "hiring factor " << f << " territory " << t;
    }
  }
}

// ---- Economics: discounting and the cohort of the cost-per-outcome indicators (docs/economics.md)
namespace {

// The audit world over `weeks` weeks with the discount rate `rate`.
Scenario economics_scenario(int weeks, double rate) {
  std::string text = audit_yaml();
  const std::string horizon = "horizon: 110 weeks";
  text.replace(text.find(horizon), horizon.size(), "horizon: " + std::to_string(weeks) + " weeks");
  return yaml(text + "economics: {discount_rate: " + std::to_string(rate) + "}\n");
}
out::ReplicateResult run_all(const Scenario& sc) {
  World w(sc, 0);
  for (int k = 0; k < sc.weeks(); ++k) run_week(w);
  return w.results();
}
const out::PersonColumn& column(const out::ReplicateResult& r, const std::string& name) {
  for (const auto& c : r.persons)
    if (c.name == name) return c;
  throw std::runtime_error("no column " + name);
}
// The sum of a weekly series over the territories and the weeks [w0, w1).
double weeks_total(const out::ReplicateResult& r, const char* series, int w0, int w1) {
  const auto& v = r.weekly[series_index(series)].values;
  const std::size_t T = r.territories.size();
  double x = 0;
  for (std::size_t i = static_cast<std::size_t>(w0) * T; i < std::min(v.size(), static_cast<std::size_t>(w1) * T); ++i) x += v[i];
  return x;
}

}  // namespace

// Each year of the run weighs 1/(1 + r) less than the one before; the first is not discounted.
TEST(Economics, DiscountWeighsEachYearOfTheRunByOneOverOnePlusRate) {
  const rules::CostRules none(economics_scenario(110, 0)), three(economics_scenario(110, 0.03));
  for (int w : {0, 51, 52, 103, 104, 109}) EXPECT_EQ(none.discount(w), 1.0) << w;
  EXPECT_EQ(three.discount(0), 1.0);
  EXPECT_EQ(three.discount(51), 1.0);
  EXPECT_DOUBLE_EQ(three.discount(52), 1 / 1.03);
  EXPECT_DOUBLE_EQ(three.discount(103), 1 / 1.03);
  EXPECT_DOUBLE_EQ(three.discount(104), 1 / (1.03 * 1.03));
  EXPECT_EQ(rules::CostRules(yaml(audit_yaml())).discount_rate, 0.03);  // the default
}

// At rate 0 the cost headlines are the sums of the weekly costs; at rate r the second year's
// costs weigh 1/(1 + r) and the third's 1/(1 + r)^2. The run itself does not change.
TEST(Economics, CostHeadlinesAreUndiscountedAtRateZeroAndDiscountedByYearAtRateR) {
  const auto flat = run_all(economics_scenario(110, 0)), disc = run_all(economics_scenario(110, 0.2));
  EXPECT_EQ(flat.weekly[series_index("cost_total")].values, disc.weekly[series_index("cost_total")].values);
  const double y1 = weeks_total(flat, "cost_total", 0, 52), y2 = weeks_total(flat, "cost_total", 52, 104),
               y3 = weeks_total(flat, "cost_total", 104, 110);
  ASSERT_GT(y2, 0);
  ASSERT_GT(y3, 0);
  EXPECT_NEAR(flat.headline.at("cost_total"), y1 + y2 + y3, 1e-9 * (y1 + y2 + y3));
  EXPECT_NEAR(disc.headline.at("cost_total"), y1 + y2 / 1.2 + y3 / 1.44, 1e-9 * (y1 + y2 + y3));
  const double n = flat.headline.at("persons_total");
  EXPECT_NEAR(disc.headline.at("cost_per_person"), (y1 + y2 / 1.2 + y3 / 1.44) / n, 1e-9 * y1);
  // The health service's costs alone, and the person-years of cost_per_person_year, alike.
  auto health = [&](int w0, int w1) {
    return weeks_total(flat, "cost_institution_health", w0, w1) + weeks_total(flat, "cost_psychiatric_ward", w0, w1) +
           weeks_total(flat, "cost_emergency", w0, w1);
  };
  const double h1 = health(0, 52), h2 = health(52, 104), h3 = health(104, 110);
  EXPECT_NEAR(disc.headline.at("cost_per_person_health") * n, h1 + h2 / 1.2 + h3 / 1.44, 1e-9 * (h1 + h2 + h3));
  const double p1 = weeks_total(flat, "persons", 0, 52), p2 = weeks_total(flat, "persons", 52, 104), p3 = weeks_total(flat, "persons", 104, 110);
  EXPECT_NEAR(disc.headline.at("cost_per_person_year_n"), (p1 + p2 / 1.2 + p3 / 1.44) / 52, 1e-9 * p1);
  // An outcome of the ratios: programme jobs reaching 12 months, by the year they reach it.
  EXPECT_NEAR(disc.headline.at("job_retained_12m_discounted"),
              weeks_total(flat, "jobs_held_12m", 52, 104) / 1.2 + weeks_total(flat, "jobs_held_12m", 104, 110) / 1.44, 1e-9);
  EXPECT_NEAR(flat.headline.at("time_stably_housed_discounted"), flat.headline.at("time_stably_housed") *
                                                                     flat.headline.at("time_stably_housed_n") * 364, 1e-6);
}

// The cohort (entry week 0) is followed over weeks 0-103 and no longer: its indicators are the
// same whether the run stops at week 104 or goes on, and undefined when it stops before.
TEST(Economics, TheCohortIsFollowedOverWeeks0To103Only) {
  const auto two = run_all(economics_scenario(104, 0.03)), longer = run_all(economics_scenario(110, 0.03));
  EXPECT_NE(two.headline.at("cost_total"), longer.headline.at("cost_total"));
  for (const char* id : {"cost_per_stable_year", "cost_per_retained_job", "months_worked_12m_after_first_job"})
    for (const std::string& name : {std::string(id), std::string(id) + "_n"}) {
      EXPECT_FALSE(std::isnan(two.headline.at(name))) << name;
      EXPECT_GT(two.headline.at(name), 0) << name;
      EXPECT_EQ(two.headline.at(name), longer.headline.at(name)) << name;
    }
  const auto short_run = run_all(economics_scenario(103, 0.03));
  for (const char* id : {"cost_per_stable_year", "cost_per_retained_job", "months_worked_12m_after_first_job"}) {
    EXPECT_TRUE(std::isnan(short_run.headline.at(id))) << id;
    EXPECT_EQ(short_run.headline.at(std::string(id) + "_n"), 0) << id;
  }
}

// Over exactly the cohort's window and undiscounted, the cohort indicators are sums over the
// people with entry week 0 in the per-person table; the people entering later, who are housed
// and find jobs too, are not counted.
TEST(Economics, PeopleEnteringAfterWeekZeroAreNotInTheCohort) {
  const auto r = run_all(economics_scenario(104, 0));
  const auto &entry = column(r, "entry_week").ints, &groups = column(r, "groups").ints, &exit = column(r, "exit_week").ints;
  const auto &hf = column(r, "weeks_hf_flat").ints, &housed = column(r, "weeks_housed").ints, &seeking = column(r, "seeking_work").ints;
  const auto &first_job = column(r, "first_job_week").ints;
  const auto& cost = column(r, "cost").reals;
  double stable[2] = {0, 0}, spent[2] = {0, 0}, worked_n[2] = {0, 0};  // [0]: entry week 0, [1]: everyone
  for (std::size_t p = 0; p < entry.size(); ++p) {
    for (int all = 0; all < 2; ++all) {
      if (!all && entry[p] != 0) continue;
      if (groups[p] & GHomeless) stable[all] += (hf[p] + housed[p]) / 52.0, spent[all] += cost[p];
      const int f = first_job[p];
      worked_n[all] += seeking[p] && f >= 0 && f < 52 && (exit[p] < 0 || exit[p] > f + 51);
    }
  }
  EXPECT_NEAR(r.headline.at("cost_per_stable_year_n"), stable[0], 1e-9 * stable[0]);
  EXPECT_NEAR(r.headline.at("cost_per_stable_year"), spent[0] / stable[0], 1e-6 * spent[0] / stable[0]);
  EXPECT_EQ(r.headline.at("months_worked_12m_after_first_job_n"), worked_n[0]);
  // Later entrants were housed and found first jobs in the first year: counting them would differ.
  EXPECT_GT(stable[1], stable[0] + 1);
  EXPECT_GT(worked_n[1], worked_n[0]);
}
