// The rules of the family-care model (docs/model.md, "Family care work"): who a care worker and a
// family are, when a worker turns to the service and moves along its pathway (orientation ->
// competence identification -> validation -> qualification course -> matching), when a family
// searches, turns to the service, is advised and signs a contract (regular or not, with the
// incentive), and the projects' capacities and costs. Built once a week from the scenario; the
// engine (sim/engine/family_care.cpp) applies what they return and reads no parameter.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "sim/model/family_care_state.hpp"
#include "sim/model/random.hpp"
#include "sim/model/rules.hpp"
#include "sim/registry/scenario.hpp"

namespace percorsi::rules {

// Uniform draws of one care worker or family in one week, in this order, from its own stream
// (Purpose::FcWorker or FcFamily): every one is drawn every week, so that a draw's meaning never
// depends on the branch taken before it.
struct FcDraws {
  double u[5];
  template <class Engine>
  static FcDraws of(Engine& s) {
    FcDraws d{};
    for (double& x : d.u) x = s.uniform();
    return d;
  }
};

inline constexpr double kFcCompetenceConcentration = 6;  // a + b of the Beta of competences at creation

// Draws the attributes of care worker `id` of territory t (its own stream, week 0).
void new_care_worker(CareWorkers& W, std::uint32_t id, int t, const Scenario& sc, const RunKey& key);
// Draws the attributes of family `id` of territory t (its own stream, week 0).
void new_family(Families& F, std::uint32_t id, int t, const Scenario& sc, const RunKey& key);
// Care workers and families of territory t at week 0 (times the scale; 0 without the model).
std::size_t care_workers_of(const Scenario& sc, int t);
std::size_t families_of(const Scenario& sc, int t);

// A worker's week: the job it holds and its step on the pathway.
struct FcWorkerWeek {
  std::uint8_t step, flags;
  bool changed_step;  // the step changed (since is set to this week)
  bool trained;       // completed the course this week (counted)
};
// A family's week.
struct FcFamilyWeek {
  std::uint8_t step, flags;
  bool changed_step;
  bool contract;   // signed a contract this week (on its own, after a search)
  bool regular;    // ... a regular one
  bool counted;    // ... with the service's help (advised): counted by fc_regular_contracts when regular
  bool incentive;  // ... and was paid the incentive
};

struct FamilyCareRules {
  bool enabled = false;
  bool running = false;  // the service offers its actions this week
  double staff_factor = 1;
  double scale = 1;
  // Weekly probabilities.
  double p_turnover = 0, p_move_on = 0, p_leave_matching = 0, p_search = 0, p_find = 0;
  // Probabilities of a decision.
  double p_identification = 0, p_course = 0, p_matching = 0, p_course_completed = 0, p_family_service = 0, p_family_matching = 0;
  double regular_logit = 0, qualified_coef = 0, validation_logit = 0, validation_competence_coef = 0;
  double advice_coef = 0, incentive_coef = 0, incentive_amount = 0;
  int course_weeks = 1;
  // Staff hours of one unit of each action, per project, and costs.
  double hours_orientation = 0, hours_identification = 0, hours_validation = 0, hours_advice = 0, hours_matching = 0,
         hours_case_management = 0;
  double staff_hours = 0, matching_hours = 0, seats = 0, provider_hour = 0, course_week = 0;
  bool case_management = false;
  const Scenario* sc = nullptr;
  // Activity of each territory this week (the product of the factors of the events with target
  // activity, e.g. 0.2 in the 2020 lockdown; rules::CapacityRules): the projects' front offices,
  // courses and the channels that bring people to them (social and health services, key points)
  // work at this share; the staff are paid in full.
  std::vector<double> activity;
  std::vector<double> p_contact_worker_of;  // a worker's weekly contact probability at each territory's activity
  // A woman of the migrant target group looking for work takes up care work at home with this weekly
  // probability (family_care.workers.from_migrant_jobseekers; 0 by default).
  double p_care_work = 0;

  FamilyCareRules(const Scenario& s, int week) : sc(&s) {
    enabled = s[G::family_care_enabled] != 0;
    const int start = static_cast<int>(std::lround(s[G::family_care_start]));
    const int end = static_cast<int>(std::lround(s[G::family_care_end]));
    const bool ordinary = s.choice<G::family_care_after_end>() == choice::family_care_after_end::ordinary;
    running = enabled && week >= start && (week < end || ordinary);
    staff_factor = week >= end ? s[G::family_care_ordinary_staff_factor] : 1.0;
    scale = s[G::scale];
    auto weekly = [](double per_year) { return hazard_p(per_year / 52.0); };
    auto every = [](double mean_weeks) { return hazard_p(1.0 / std::max(mean_weeks, 1e-9)); };
    const double contact_rate = s[G::family_care_workers_contact_rate] * s[G::family_care_communication_workers];
    const CapacityRules capacities(s);
    for (int t = 0; t < static_cast<int>(s.territories.size()); ++t) {
      activity.push_back(capacities.factor(t, week, choice::target::activity));
      p_contact_worker_of.push_back(weekly(contact_rate * activity.back()));
    }
    p_turnover = weekly(s[G::family_care_workers_turnover_rate]);
    p_care_work = enabled ? weekly(s[G::family_care_workers_from_migrant_jobseekers]) : 0.0;
    p_search = weekly(s[G::family_care_families_search_rate]);
    p_move_on = every(s[G::family_care_step_gap]);
    p_leave_matching = every(s[G::family_care_matching_patience]);
    p_find = every(s[G::family_care_families_search_weeks]);
    case_management = s[G::family_care_case_management] != 0;
    const double dropout_factor = case_management ? s[G::family_care_case_management_dropout_factor] : 1.0;
    p_identification = stays(s[G::family_care_identification_uptake], dropout_factor);
    p_course = stays(s[G::family_care_course_uptake], dropout_factor);
    p_matching = stays(s[G::family_care_matching_uptake], dropout_factor);
    p_course_completed = stays(1.0 - s[G::family_care_course_dropout], dropout_factor);
    p_family_service = std::min(1.0, s[G::family_care_families_service_share] * s[G::family_care_communication_families]);
    p_family_matching = s[G::family_care_families_matching_uptake];
    regular_logit = logit(s[G::family_care_workers_regular_share]);
    qualified_coef = s[G::family_care_workers_qualified_regular_coef];
    validation_logit = logit(s[G::family_care_validation_pass]);
    validation_competence_coef = s[G::family_care_validation_competence_coef];
    advice_coef = s[G::family_care_families_advice_regular_coef];
    incentive_coef = s[G::family_care_incentive_regular_coef];
    incentive_amount = s[G::family_care_incentive_amount];
    course_weeks = std::max(1, static_cast<int>(std::lround(s[G::family_care_course_duration])));
    hours_orientation = s[G::family_care_hours_orientation];
    hours_identification = s[G::family_care_hours_identification];
    hours_validation = s[G::family_care_hours_validation];
    hours_advice = s[G::family_care_hours_advice];
    hours_matching = s[G::family_care_hours_matching];
    hours_case_management = case_management ? s[G::family_care_hours_case_management] : 0.0;
    staff_hours = s[G::family_care_staff_hours_per_project];
    matching_hours = s[G::family_care_matching_hours_per_project];
    seats = s[G::family_care_course_seats_per_project];
    provider_hour = s[G::costs_provider_hour];
    course_week = s[G::family_care_costs_course_per_week];
  }

  static double logit(double p) {
    const double q = std::clamp(p, 1e-9, 1 - 1e-9);
    return std::log(q / (1 - q));
  }
  static double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }
  // The probability of going on when leaving has probability 1 - p, and case management
  // multiplies leaving by `factor`.
  static double stays(double p, double factor) { return 1.0 - (1.0 - p) * factor; }

  // ---- Capacities of territory t this week (0 while the service does not run): what the staff
  // paid (projects' hours) can serve at this week's activity.
  double projects(int t) const { return running ? sc->territories[t][T::fc_projects] * scale * staff_factor : 0.0; }
  double staff_hours_paid(int t) const { return projects(t) * staff_hours; }
  double matching_hours_paid(int t) const { return projects(t) * matching_hours; }
  double staff_hours_of(int t) const { return staff_hours_paid(t) * activity[static_cast<std::size_t>(t)]; }
  double matching_hours_of(int t) const { return matching_hours_paid(t) * activity[static_cast<std::size_t>(t)]; }
  std::int64_t seats_of(int t) const {
    return static_cast<std::int64_t>(std::floor(projects(t) * seats * activity[static_cast<std::size_t>(t)] + 1e-9));
  }
  // A family that searches turns to the service with this probability in territory t.
  double p_family_service_of(int t) const { return p_family_service * activity[static_cast<std::size_t>(t)]; }
  // The staff hours of one unit of a served step (orientation, identification, validation).
  double hours_of(std::uint8_t want_step) const {
    switch (want_step) {
      case FcWantOrientation: return hours_orientation;
      case FcWantIdentification: return hours_identification;
      case FcWantValidation: return hours_validation;
      default: return 0;
    }
  }
  // The step a served request leads to (validation: pass or fail, drawn with u).
  std::uint8_t served(std::uint8_t want_step, float competence, double u) const {
    switch (want_step) {
      case FcWantOrientation: return FcOriented;
      case FcWantIdentification: return FcIdentified;
      case FcWantValidation: return u < validation_p(competence) ? FcValidated : FcLeft;
      case FcWantCourse: return FcInCourse;
      default: return want_step;
    }
  }
  double validation_p(float competence) const {
    return logistic(validation_logit + validation_competence_coef * (static_cast<double>(competence) - 0.5));
  }
  // A new job of a care worker is regular with this probability (a qualification helps).
  double regular_job_p(std::uint8_t flags) const {
    return logistic(regular_logit + qualified_coef * ((flags & FwQualified) ? 1.0 : 0.0));
  }
  // A family's contract is regular with this probability: advice (or a match) by the service, and
  // the incentive when the family is advised, meets its conditions and the service offers it.
  double regular_contract_p(std::uint8_t family_flags) const {
    const bool advised = family_flags & FaAdvised;
    const bool incentive = advised && (family_flags & FaEligible) && !(family_flags & FaIncentive) && offers_incentive();
    return logistic(regular_logit + (advised ? advice_coef : 0.0) + (incentive ? incentive_coef * incentive_amount / 1000.0 : 0.0));
  }
  bool offers_incentive() const { return running && incentive_amount > 0; }
  bool pays_incentive(std::uint8_t family_flags, bool regular) const {
    return regular && (family_flags & FaAdvised) && (family_flags & FaEligible) && !(family_flags & FaIncentive) && offers_incentive();
  }
  // On the pathway (a step between asking for orientation and the end of matching): followed by
  // case management.
  static bool on_pathway(std::uint8_t step) { return step >= FcWantOrientation && step <= FcMatching; }
  static bool waiting(std::uint8_t step) {
    return step == FcWantOrientation || step == FcWantIdentification || step == FcWantValidation || step == FcWantCourse;
  }

  // ---- Persons of the rest of the model who take up care work at home (an assumption, off by
  // default; docs/model.md, "Family care work"). Who may: a woman of the migrant target group,
  // present, looking for work (Searching: not in a course, an internship or a job, not out of the
  // labour force) and not in an institution.
  static bool may_take_care_work(const Persons& P, std::uint32_t p) {
    return P.active(p) && (P.flags[p] & FFemale) && (P.groups[p] & GMigrant) && P.work[p] == Searching && P.housing[p] != Institution;
  }
  // She does this week with u (the first draw of her stream Purpose::FcCareWork).
  bool takes_care_work(double u) const { return u < p_care_work; }
  // She is then a care worker of her territory: a foreign-born woman whose first care job is
  // regular as a new job of a worker without a qualification (u: her stream's second draw).
  std::uint8_t care_worker_flags(double u) const {
    return static_cast<std::uint8_t>(FwFemale | FwForeign | (u < regular_job_p(0) ? FwRegular : 0));
  }

  // ---- A care worker's week (before the projects serve the requests).
  FcWorkerWeek worker_week(int t, std::uint8_t step, std::uint8_t flags, int since, int week, const FcDraws& d) const {
    FcWorkerWeek r{step, flags, false, false};
    // The job: when it ends, the next one is regular or not.
    if (d.u[0] < p_turnover) r.flags = static_cast<std::uint8_t>(d.u[1] < regular_job_p(flags) ? (r.flags | FwRegular) : (r.flags & ~FwRegular));
    auto go = [&](std::uint8_t s) { r.step = s, r.changed_step = true; };
    if (!running) {  // the service does not run: only a course under way goes on
      if (on_pathway(step) && step != FcInCourse) go(FcLeft);
    }
    switch (r.changed_step ? 255 : step) {
      case FcNone:
        if (running && d.u[2] < p_contact_worker_of[static_cast<std::size_t>(t)]) go(FcWantOrientation);
        break;
      case FcOriented:
        if (d.u[2] < p_move_on) go(d.u[3] < p_identification ? FcWantIdentification : FcLeft);
        break;
      case FcIdentified:
        if (d.u[2] < p_move_on) go(FcWantValidation);
        break;
      case FcValidated:
        if (d.u[2] < p_move_on) go(d.u[3] < p_course ? FcWantCourse : d.u[4] < p_matching ? FcMatching : FcLeft);
        break;
      case FcInCourse:
        if (week - since >= course_weeks) {
          const bool done = d.u[3] < p_course_completed;
          go(done ? FcTrained : FcLeft);
          if (done) r.flags |= FwQualified, r.trained = true;
        }
        break;
      case FcTrained:
        if (d.u[2] < p_move_on) go(d.u[3] < p_matching ? FcMatching : FcLeft);
        break;
      case FcMatching:
        if (d.u[2] < p_leave_matching) go(FcLeft);
        break;
      default: break;
    }
    return r;
  }

  // ---- A family's week (before the projects serve advice and matching).
  FcFamilyWeek family_week(int t, std::uint8_t step, std::uint8_t flags, const FcDraws& d) const {
    FcFamilyWeek r{step, flags, false, false, false, false, false};
    auto go = [&](std::uint8_t s) { r.step = s, r.changed_step = true; };
    switch (step) {
      case FfIdle:
        if (d.u[0] < p_search) {
          r.flags &= static_cast<std::uint8_t>(~FaAdvised);
          go(running && d.u[1] < p_family_service_of(t) ? FfWantAdvice : FfSearching);
        }
        break;
      case FfSearching:
        if (d.u[2] < p_find) {
          r = signs(flags, d.u[3]);
          r.counted = (flags & FaAdvised) != 0;
        }
        break;
      case FfWantAdvice:
        if (!running) go(FfSearching);
        break;
      case FfWantMatch:
        if (!running || d.u[2] < p_leave_matching) go(FfSearching);
        break;
      default: break;
    }
    return r;
  }
  // An advised family asks for the service's matching (u: its fifth draw of the week).
  std::uint8_t after_advice(double u) const { return u < p_family_matching ? FfWantMatch : FfSearching; }
  // A family matched by the service signs a contract (u: its fourth draw of the week): the match
  // counts as advice.
  FcFamilyWeek matched(std::uint8_t flags, double u) const {
    FcFamilyWeek r = signs(static_cast<std::uint8_t>(flags | FaAdvised), u);
    r.counted = true;
    return r;
  }
  // A family signs a contract (u: the draw of its regularity) and is idle again: regular or not,
  // and the incentive paid when it qualifies.
  FcFamilyWeek signs(std::uint8_t flags, double u) const {
    FcFamilyWeek r{FfIdle, flags, true, true, false, false, false};
    r.regular = u < regular_contract_p(flags);
    r.incentive = pays_incentive(flags, r.regular);
    r.flags = static_cast<std::uint8_t>((r.regular ? (flags | FaRegular) : (flags & ~FaRegular)) | (r.incentive ? FaIncentive : 0));
    return r;
  }

  // ---- The service's cost in territory t this week: staff paid for their hours (used or not,
  // whatever the activity), the course seats taken and the incentives paid.
  double cost_week(int t, std::int64_t in_course, std::int64_t incentives) const {
    return (staff_hours_paid(t) + matching_hours_paid(t)) * provider_hour + static_cast<double>(in_course) * course_week +
           static_cast<double>(incentives) * incentive_amount;
  }
};

}  // namespace percorsi::rules
