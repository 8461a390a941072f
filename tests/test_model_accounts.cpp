// Tests of model meaning, accounts: every weekly series equal to a recount from the state
// (person, firm and territory columns, diffed phase by phase), every cost equal to its unit
// cost times the units used, the per-person table equal to the columns it names and to
// recounted histories, the headline indicators recomputed from those, and every capacity and
// event target acting on the capacity it names and on no other.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "model_test_helpers.hpp"
#include "sim/world.hpp"

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
  std::vector<int> housing_12m, housing_24m, work_12m, work_24m;
  std::vector<std::array<int, kHousingStates>> weeks_h;
  std::vector<std::array<int, kCaseStates>> weeks_c;
  std::vector<double> cost;
  void grow(std::size_t n) {
    for (auto* v : {&exit, &first_stable, &first_job, &housing_12m, &housing_24m, &work_12m, &work_24m}) v->resize(n, -1);
    for (auto* v : {&spells, &returns, &returned12, &weeks_employed, &weeks_after_first}) v->resize(n, 0);
    weeks_h.resize(n, {}), weeks_c.resize(n, {}), cost.resize(n, 0.0);
  }
};

struct Snap {
  std::size_t n = 0;
  std::vector<std::uint8_t> housing, kase, work, flags, phase;
  std::vector<std::int16_t> exit, case_since;
  std::vector<std::uint8_t> firm_flags;
};
Snap snap(const World& w) {
  const Persons& P = w.persons();
  return {P.size(), P.housing, P.kase, P.work, P.flags, P.emp_phase, P.exit, P.case_since, w.firms().flags};
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
  const bool by_intake = sc.at(G::employment_scouting_reference).text == "intake";
  const int fu_len = static_cast<int>(std::lround(sc[G::employment_follow_up_duration]));
  const double scale = sc[G::scale];
  // Unit costs, from the parameters.
  const double c_housing[kHousingStates] = {sc[G::costs_street_outreach_per_week], sc[G::costs_dormitory_per_day] * 7,
                                            sc[G::costs_transitional_per_day] * 7, sc[G::costs_housing_first_per_day] * 7, 0};
  const double c_case = sc[G::costs_case_management_per_week], c_orient = sc[G::costs_orientation_per_week],
               c_train = sc[G::costs_training_per_week],
               c_intern = sc[G::costs_internship_indemnity_per_month] * 12 / 52 + sc[G::costs_tutoring_per_week],
               c_follow = sc[G::employment_follow_up_intensity] * sc[G::costs_provider_hour], c_assess = sc[G::costs_assessment];
  double wait_sum[8] = {}, wait_n[8] = {};
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
          auto newly = [&](std::uint8_t bit) {
            return (P.flags[p] & bit) && (contacted || (was_waiting && !(S.flags[p] & bit)));
          };
          const int social = newly(FSocialDone), cpi = integrated ? 0 : newly(FCpiDone);
          x("assessments_social", t) += social;
          x("assessments_cpi", t) += cpi;
          H.cost[p] += c_assess * (social + cpi);
          if ((contacted || was_waiting) && (P.kase[p] == Assessed || P.kase[p] == InCharge))
            wait_sum[t] += was_waiting ? wk - S.case_since[p] : 0, wait_n[t]++;
          if (S.kase[p] != InCharge && P.kase[p] == InCharge) {
            x("taken_in_charge", t) += 1;
            EXPECT_EQ(P.intake[p], wk);
          }
        }
      } else if (phase == "housing_pathway") {
        for (std::size_t p = 0; p < S.n; ++p)
          if (S.exit[p] < 0 && !(S.flags[p] & FHfAssigned) && (P.flags[p] & FHfAssigned)) x("hf_assigned", P.territory[p]) += 1;
      } else if (phase == "scouting_and_firms") {
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
        }
        for (std::size_t f = 0; f < F.size_(); ++f)
          x("firms_scouted", F.territory[f]) += (F.flags[f] & FfKnown) && !(S.firm_flags[f] & FfKnown);
      } else if (phase == "accounting") {
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
          const int tenure = wk - P.hire_week[p];
          const bool programme_job = wo == Employed && ph == EpEmployed;
          x("jobs_held_6m", t) += programme_job && tenure == 26;
          x("jobs_held_12m", t) += programme_job && tenure == 52;
          x("people_orientation", t) += ph == EpOrientation;
          x("people_training", t) += ph == EpTraining;
          const bool follow = programme_job && tenure < fu_len;
          x("people_follow_up", t) += follow;
          // Costs: unit cost times units used.
          const bool in_case = c == InCharge || c == FollowUp;
          x("cost_street_outreach", t) += h == Street ? c_housing[Street] : 0;
          x("cost_shelter", t) += h == Shelter ? c_housing[Shelter] : 0;
          x("cost_transitional", t) += h == Transitional ? c_housing[Transitional] : 0;
          x("cost_housing_first", t) += h == HfFlat ? c_housing[HfFlat] : 0;
          x("cost_case_management", t) += in_case ? c_case : 0;
          x("cost_orientation", t) += ph == EpOrientation ? c_orient : 0;
          x("cost_training", t) += ph == EpTraining ? c_train : 0;
          x("cost_internship", t) += wo == Internship ? c_intern : 0;
          x("cost_follow_up", t) += follow ? c_follow : 0;
          H.cost[p] += c_housing[h] + (in_case ? c_case : 0) + (ph == EpOrientation ? c_orient : 0) +
                       (ph == EpTraining ? c_train : 0) + (wo == Internship ? c_intern : 0) + (follow ? c_follow : 0);
          // The person's history.
          H.weeks_h[p][h]++, H.weeks_c[p][c]++;
          if (wo == Employed) {
            H.weeks_employed[p]++;
            if (wk - H.first_job[p] < 104) H.weeks_after_first[p]++;
          }
          const int since = wk + 1 - P.entry[p];
          if (since == 52) H.housing_12m[p] = h, H.work_12m[p] = wo;
          if (since == 104) H.housing_24m[p] = h, H.work_24m[p] = wo;
        }
        for (int t = 0; t < T; ++t) {
          x("wait_weeks_mean", t) = wait_n[t] > 0 ? wait_sum[t] / wait_n[t] : 0.0;
          x("cost_assessment", t) = (x("assessments_social", t) + x("assessments_cpi", t)) * c_assess;
          // Accounting runs after the events phase, which has already set the capacities and
          // activity of the next week: the capacity series and the scouting cost of week wk are
          // recorded with the factors in force in week wk + 1 (see the report of this test set).
          const int nx = wk + 1;
          const bool scouting = by_intake || wk >= std::lround(sc[G::employment_scouting_start]);
          x("cost_scouting", t) = scouting ? sc[G::employment_scouting_intensity] * scale * factor(sc, "activity", nx, t) *
                                                 sc[G::costs_provider_hour]
                                           : 0.0;
          x("cost_network", t) = sc[G::network_partners] * sc[G::costs_partner_management_per_week] / T;
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
    if (names[s].rfind("flow_", 0) != 0 && std::find(may_be_zero.begin(), may_be_zero.end(), names[s]) == may_be_zero.end())
      EXPECT_GT(used, 0) << sc.name() << ": series " << names[s] << " is zero throughout";
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
  // (all but scouting and network management, which are programme costs).
  double person_cost = 0, series_cost = 0;
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
  double e12 = 0, m12 = 0, e24 = 0, m24 = 0, any18 = 0, n18 = 0, to_job = 0, n_job = 0, ten = 0, n_ten = 0;
  for (std::size_t p = 0; p < n; ++p) {
    const int entry = P.entry[p];
    if (P.seeking[p]) {
      if (H.work_12m[p] >= 0) m12++, e12 += H.work_12m[p] == Employed;
      if (H.work_24m[p] >= 0) m24++, e24 += H.work_24m[p] == Employed;
      if (entry + 78 <= W && (H.exit[p] < 0 || H.exit[p] >= entry + 78)) n18++, any18 += H.first_job[p] >= 0 && H.first_job[p] < entry + 78;
      if (H.first_job[p] >= 0) n_job++, to_job += H.first_job[p] - entry;
      if (H.first_job[p] >= 0 && H.first_job[p] + 104 <= W && H.exit[p] < 0) n_ten++, ten += H.weeks_after_first[p] * 12.0 / 52.0;
    }
    if (!(P.groups[p] & GHomeless)) continue;
    if (H.housing_12m[p] >= 0) n12++, s12 += stable(static_cast<std::uint8_t>(H.housing_12m[p]));
    if (H.housing_24m[p] >= 0) n24++, s24 += stable(static_cast<std::uint8_t>(H.housing_24m[p]));
    for (int h = 0; h < kHousingStates; ++h) all += H.weeks_h[p][h];
    stab += H.weeks_h[p][HfFlat] + H.weeks_h[p][Housed];
    if (H.first_stable[p] >= 0) {
      nh++, days += 7.0 * (H.first_stable[p] - entry);
      if (H.first_stable[p] + 52 <= W) nf++, ret += H.returned12[p];
    }
  }
  const double cost = sum_series("cost_total", 0, W), held12 = sum_series("jobs_held_12m", 0, W);
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
      {"weeks_to_first_job", ratio(to_job, n_job)},
      {"months_worked_24m_after_first_job", ratio(ten, n_ten)},
      {"job_retained_6m", ratio(sum_series("jobs_held_6m", 0, W), sum_series("hires_programme", 0, W - 26))},
      {"job_retained_12m", ratio(held12, sum_series("hires_programme", 0, W - 52))},
      {"hires_obliged_firms", sum_series("hires_obliged", 0, W)},
      {"cost_per_retained_job", ratio(cost, held12)},
      {"cost_total", cost},
      {"cost_per_person", ratio(cost, static_cast<double>(n))},
      {"cost_per_person_year", ratio(cost, sum_series("persons", 0, W) / 52)},
      {"cost_per_stable_year", ratio(cost, stab / 52)},
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
  audit(sc, {"jobs_held_12m", "hf_assigned", "hf_searching", "housing_hf_flat", "cost_housing_first"});
}

TEST(ModelAccounts, EverySeriesCostAndPersonColumnEqualsItsRecountMixedHousingCpiIntegrated) {
  Scenario sc = yaml(audit_yaml());
  sc.set("housing.model", "mixed");
  sc.set("housing.hf_share", "0.6");
  sc.set("cpi.involvement", "integrated");
  sc.set("employment.scouting.reference", "intake");
  sc.set("employment.scouting.strategy", "profit");
  audit(sc, {"jobs_held_12m", "queue_cpi", "assessments_cpi"});
}
