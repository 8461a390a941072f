// The model rules: plain functions of a person's or a firm's state, the week's parameters and
// named draws, each written once and named for what it decides. They read like the weekly
// processes of docs/model.md (the model as built); the phases of the weekly
// script (sim/engine/) call them on either machinery (the fast one, sim/engine/fast.hpp, and
// the reference one, sim/engine/reference.hpp), and the engine holds no rule of its own: no
// parameter is read there, and every change of self-efficacy, openness and employability is
// one of the rules below (tests/test_architecture.cpp checks it). A rule set is built once a week from the scenario (parameters and
// capacities in force), then applied to many people.
//
// Rates in the registry are per year; a weekly hazard is p = 1 - exp(-rate / 52 * exp(sum of
// coefficient * covariate)) (sim/model/hazard.hpp). Covariates centred on 0.5 (traits in
// [0, 1]) enter as (trait - 0.5), so a coefficient moves the rate around its base.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/model/hazard.hpp"
#include "sim/model/state.hpp"
#include "sim/model/random.hpp"
#include "sim/registry/scenario.hpp"

namespace percorsi::rules {

// Traits stay in [0, 1]. (Two overloads: a change computed in float, as the housing rules do,
// and one computed in double from a parameter, as the employment rules do.)
inline float clamp01(float x) { return x < 0 ? 0.f : (x > 1 ? 1.f : x); }
inline float clamp01(double x) { return static_cast<float>(x < 0 ? 0 : (x > 1 ? 1 : x)); }
inline int weeks_of(double w) { return static_cast<int>(std::lround(w)); }
inline double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// Conditions on a person's state are combined with & and | (not && and ||): they are cheap, and
// the states of successive people are unpredictable, so branches would mostly be mispredicted.
inline bool mental_illness(const Persons& P, std::uint32_t p) { return P.groups[p] & GMentalHealth; }
inline bool disabled(const Persons& P, std::uint32_t p) { return P.groups[p] & GDisability; }
inline bool in_group(const Persons& P, std::uint32_t p, Group g) { return P.groups[p] & g; }
inline double indicator(bool b) { return b ? 1.0 : 0.0; }
// An income: income support (RdC-like) or a job.
// Supported by the Housing First team (an ACT or ICM caseload, housing_first.caseload): a
// tenant in a Housing First flat, also while the flat is held during an institution stay. The
// team, not an ordinary case worker, supports the tenant: no case slot is taken and no case-
// management cost is counted (its support is in the Housing First cost per day).
inline bool hf_team_supports(const Persons& P, std::uint32_t p) {
  return (P.housing[p] == HfFlat) | ((P.housing[p] == Institution) & (P.inst_from[p] == HfFlat));
}
inline bool has_income(const Persons& P, std::uint32_t p) { return ((P.flags[p] & FIncome) != 0) | (P.work[p] == Employed); }

// In need of services: homeless, or looking for work without a job or an internship.
inline bool in_need(const Persons& P, std::uint32_t p) {
  const std::uint8_t w = P.work[p];
  return homeless(P.housing[p]) | ((P.seeking[p] != 0) & (w != Employed) & (w != Internship));
}

// ---------------------------------------------------------------------------------------------
// Population: who a new person is (attributes drawn from the person's own stream, in a fixed
// order, so that every scenario with the same seed and inflow gives an id the same person).

// Eligible for Housing First (housing_first.eligibility).
inline bool hf_eligible(const Persons& P, std::uint32_t p, const Scenario& sc) {
  const std::uint8_t f = P.flags[p];
  switch (sc.choice<G::housing_first_eligibility>()) {
    case choice::housing_first_eligibility::chronic_high_need: {
      const bool high_need = mental_illness(P, p) ||
                             (disabled(P, p) && P.functioning[p] >= sc[G::housing_first_high_need_functioning]) ||
                             P.health0[p] < static_cast<float>(sc[G::housing_first_high_need_health]);
      return (f & FChronic) && high_need;
    }
    case choice::housing_first_eligibility::chronic: return f & FChronic;
    case choice::housing_first_eligibility::homeless: return P.groups[p] & GHomeless;
  }
  return false;
}

// Draws the attributes of person id, arriving in territory t in `week` (initial: part of the
// population at week 0), and sets the states every person starts in.
void new_person(Persons& P, std::uint32_t id, int t, int week, bool initial, const Scenario& sc, const RunKey& key);

// The initial housing and case state of a person of the week-0 population (draws u in
// [0, homeless share) and u_known), before the capacities are checked.
struct InitialState {
  std::uint8_t housing;
  bool known;
};
inline InitialState initial_state(const Scenario& sc, double u, double u_known) {
  using enum Housing;
  std::uint8_t h = Street;
  if (u >= sc[G::population_initial_street])
    h = u < sc[G::population_initial_street] + sc[G::population_initial_shelter] ? Shelter : Transitional;
  return {h, u_known < sc[G::population_initial_known]};
}

// ---------------------------------------------------------------------------------------------
// 1. Exits: ageing out, or leaving the region's population (migration, death), more likely
// with poorer health.
// Settled: a person in an own tenancy for exits.settled_after, with no plan open and no step of
// the programme's pathway under way, leaves the population the services follow (a definition of
// that population: a later return to homelessness comes back as inflow).
struct ExitRules {
  LogLinearHazard<2> exit;
  int age_out, settled_after;
  bool followed;  // exits.followed: a trial's cohort
  explicit ExitRules(const Scenario& sc)
      : exit("exit", sc[G::exits_rate] / 52.0,
             {{{"health - 0.5", sc[G::exits_health_coef], -0.5, 0.5}, {"homeless with no plan", sc[G::exits_homeless_coef], 0, 1}}}),
        age_out(static_cast<int>(sc[G::exits_age_out])),
        settled_after(weeks_of(sc[G::exits_settled_after])),
        followed(sc[G::exits_followed] != 0) {}
  bool settled(const Persons& P, std::uint32_t p, int week) const {
    if (followed) return false;
    const std::uint8_t ph = P.emp_phase[p];
    const bool in_pathway = ph == EpOrientation || ph == EpTraining || ph == EpMatching || ph == EpInternship;
    return P.housing[p] == Housed && week - P.housing_since[p] >= settled_after && (P.kase[p] == Unknown || P.kase[p] == Closed) &&
           !in_pathway;
  }
  bool leaves(const Persons& P, std::uint32_t p, int week, double u) const {
    return P.age[p] + (week - P.entry[p]) / 52 >= age_out || settled(P, p, week) ||
           exit.hit(u, [&] {
             const bool planned = P.kase[p] == InCharge || P.kase[p] == FollowUp;
             return std::array{P.health[p] - 0.5, (!followed && homeless(P.housing[p]) && !planned) ? 1.0 : 0.0};
           });
  }
};

// ---------------------------------------------------------------------------------------------
// 2. Life events: health, housing events (eviction, Housing First tenancy loss and graduation,
// family reconnection), case progression, and the self-efficacy lost while waiting.
enum class HousingEvent { None, Eviction, Graduation, TenancyLoss, Reconnection };
// Institutions: entering one (health: a general hospital or residential treatment; an acute
// psychiatric ward; justice: prison), leaving it, or losing the flat or tenancy held during a
// long stay.
enum class InstitutionEvent { None, EnterHealth, EnterPsychiatric, EnterJustice, Leave, HoldLost };
enum class CaseEvent { None, FollowUp, Dropout, Closure, Recontact };

// A rent subsidy (housing.rent_subsidy.*): a weekly contribution to the rent of the people who
// live in an own tenancy with no income (neither income support nor a job), paid by the
// municipality's social services while they do; it lowers their eviction hazard by
// housing.rent_subsidy.eviction_factor (an assumption: docs/model.md, "Rent subsidy"). The people
// it is paid to and its cost are counted per person by the output table (sim/registry/outputs.def,
// COUNTED rows naming this rule).
struct RentSubsidyRules {
  double amount;           // euro a week to each person it is paid to (0: no subsidy)
  double eviction_factor;  // on their eviction hazard (1 without a subsidy)
  explicit RentSubsidyRules(const Scenario& sc)
      : amount(sc[G::housing_rent_subsidy_amount]), eviction_factor(amount > 0 ? sc[G::housing_rent_subsidy_eviction_factor] : 1.0) {}
  bool counts(const Persons& P, std::uint32_t p, int /*week*/) const {
    return (amount > 0) & (P.housing[p] == Housed) & !has_income(P, p);
  }
  double unit_cost() const { return amount; }
};

struct LifeEventRules {
  std::array<double, 2> p_evict;                 // [has income]
  std::array<double, 2> p_crisis;                // [mental illness]
  std::array<std::array<double, 2>, 2> p_hf_loss;  // [mental illness][has income]
  double crisis_drop, rehousing;
  float recovery, recovery_housed_factor;
  int hf_len, fu_after, fu_len, recontact, tenancy_keep, hf_keep;
  int reconnection_age_from;  // life.reconnection_age_from: reconnection falls with each year over it
  LogLinearHazard<2> case_dropout;
  double codesigned;  // 1 with the CPI integrated (co-designed plans), else 0
  LogLinearHazard<5> reconnection;
  LogLinearHazard<4> health_institution;
  LogLinearHazard<2> prison;
  std::array<double, kInstitutionKinds> p_release;  // weekly probability of leaving, by kind
  std::array<double, kInstitutionKinds> p_release_team;  // the same for a tenant whose flat the team holds
  std::array<double, 2> psychiatric_share;          // of health admissions, [mental illness]

  explicit LifeEventRules(const Scenario& sc)
      : case_dropout("case dropout", sc[G::case_dropout_rate] / 52.0,
                     {{{"self_efficacy - 0.5", sc[G::case_dropout_efficacy_coef], -0.5, 0.5},
                       {"co-designed plan", sc[G::cpi_codesign_dropout_coef], 0, 1}}}),
        codesigned(sc.choice<G::cpi_involvement>() == choice::cpi_involvement::integrated ? 1.0 : 0.0),
        reconnection("family reconnection", sc[G::life_reconnection_rate] / 52.0,
                     {{{"years over life.reconnection_age_from", sc[G::life_reconnection_age_coef], 0, 320},
                       {"care leaver or violence victim", sc[G::life_reconnection_estranged_coef], 0, 1},
                       {"migrant", sc[G::life_reconnection_migrant_coef], 0, 1},
                       {"chronically homeless", sc[G::life_reconnection_chronic_coef], 0, 1},
                       {"self_efficacy - 0.5", sc[G::life_reconnection_efficacy_coef], -0.5, 0.5}}}),
        health_institution("health institution entry", sc[G::institution_health_rate] / 52.0,
                           {{{"mental illness", sc[G::institution_health_mental_health_coef], 0, 1},
                             {"substance use", sc[G::institution_health_substance_use_coef], 0, 1},
                             {"health - 0.5", sc[G::institution_health_health_coef], -0.5, 0.5},
                             {"homeless", sc[G::institution_health_homeless_coef], 0, 1}}}),
        prison("prison entry", sc[G::institution_justice_rate] / 52.0,
               {{{"ex-offender", sc[G::institution_justice_ex_offender_coef], 0, 1},
                 {"substance use", sc[G::institution_justice_substance_use_coef], 0, 1}}}),
        p_release{hazard_p(1.0 / sc[G::institution_health_stay]), hazard_p(1.0 / sc[G::institution_justice_stay]),
                  hazard_p(1.0 / sc[G::institution_psychiatric_stay])},
        p_release_team{hazard_p(1.0 / (sc[G::institution_health_stay] * sc[G::institution_hf_team_stay_factor])), p_release[InstJustice],
                       hazard_p(1.0 / (sc[G::institution_psychiatric_stay] * sc[G::institution_hf_team_stay_factor]))},
        psychiatric_share{sc[G::institution_psychiatric_share_other], sc[G::institution_psychiatric_share_mental_health]} {
    const double evict_w = sc[G::life_eviction_rate] / 52.0, income_f = std::exp(sc[G::life_eviction_income_coef]);
    // Without an income, a rent subsidy (when paid) lowers the hazard.
    p_evict = {hazard_p(evict_w * RentSubsidyRules(sc).eviction_factor), hazard_p(evict_w * income_f)};
    const double crisis_w = sc[G::life_health_crisis_rate] / 52.0;
    p_crisis = {hazard_p(crisis_w), hazard_p(crisis_w * sc[G::life_health_crisis_mental_health_factor])};
    // Housing First tenancy loss falls with support hours and income, rises with mental illness.
    const double loss_w = sc[G::housing_first_tenancy_loss_rate] / 52.0 *
                          std::exp(sc[G::housing_first_support_coef] * sc[G::housing_first_support_intensity]);
    const double mh_f = std::exp(sc[G::housing_first_mental_health_coef]);
    p_hf_loss = {{{hazard_p(loss_w), hazard_p(loss_w * income_f)}, {hazard_p(loss_w * mh_f), hazard_p(loss_w * income_f * mh_f)}}};
    crisis_drop = sc[G::life_health_crisis_drop];
    rehousing = sc[G::housing_first_rehousing];
    recovery = static_cast<float>(sc[G::life_health_recovery]);
    recovery_housed_factor = static_cast<float>(sc[G::life_health_recovery_housed_factor]);
    hf_len = weeks_of(sc[G::housing_first_support_duration]);
    fu_after = weeks_of(sc[G::case_follow_up_after]);
    fu_len = weeks_of(sc[G::case_follow_up_length]);
    recontact = weeks_of(sc[G::access_recontact_after]);
    tenancy_keep = weeks_of(sc[G::institution_tenancy_keep]);
    hf_keep = weeks_of(sc[G::housing_first_institution_keep]);
    reconnection_age_from = static_cast<int>(sc[G::life_reconnection_age_from]);
  }

  // Health after this week: a crisis (draw u_crisis), or recovery towards the level at entry,
  // faster while stably housed.
  float health_next(const Persons& P, std::uint32_t p, double u_crisis) const {
    const float health = P.health[p], health0 = P.health0[p];
    const float recovered = std::min(health0, health + recovery * (stable(P.housing[p]) ? recovery_housed_factor : 1.f));
    return u_crisis < p_crisis[mental_illness(P, p)] ? clamp01(health - static_cast<float>(crisis_drop))
           : health < health0                        ? recovered
                                                     : health;
  }
  // The housing event of the week (one draw serves them all: they exclude each other): eviction
  // from an own tenancy; graduation after the support period, or tenancy loss, in a Housing
  // First flat; family reconnection while homeless (not while a flat is being found).
  HousingEvent housing_event(const Persons& P, std::uint32_t p, int week, double u) const {
    const std::uint8_t h = P.housing[p];
    const int income = has_income(P, p);
    const bool graduates = (h == HfFlat) & (week - P.housing_since[p] >= hf_len);
    const bool evicted = (h == Housed) & (u < p_evict[income]);
    const bool loses = (h == HfFlat) & (u < p_hf_loss[mental_illness(P, p)][income]);
    const bool may_reconnect = homeless(h) & ((P.flags[p] & FHfAssigned) == 0) & (u < reconnection.p_max());
    if (!(graduates | evicted | loses | may_reconnect)) return HousingEvent::None;  // most weeks
    if (graduates) return HousingEvent::Graduation;
    if (loses) return HousingEvent::TenancyLoss;
    if (evicted) return HousingEvent::Eviction;
    return reconnects(P, p, week, u) ? HousingEvent::Reconnection : HousingEvent::None;
  }
  // Family reconnection (a homeless person goes back to live with family): less likely with
  // age, for people with no family to go back to (care leavers, victims of violence), for
  // migrants (family abroad), after long homelessness, and with low self-efficacy.
  bool reconnects(const Persons& P, std::uint32_t p, int week, double u) const {
    return reconnection.hit(u, [&] {
      const int age = P.age[p] + (week - P.entry[p]) / 52;
      return std::array{static_cast<double>(std::max(0, age - reconnection_age_from)),
                        indicator(in_group(P, p, GCareLeaver) || in_group(P, p, GViolenceVictim)),
                        indicator(in_group(P, p, GMigrant)), indicator(P.flags[p] & FChronic), P.efficacy[p] - 0.5};
    });
  }
  // Institutions (draw u): a person outside enters a health institution (more likely with a
  // mental illness, substance use and poor health, and while homeless) or prison (a prior
  // offence, substance use). A health admission is to an acute psychiatric ward for a share of
  // them (institution.psychiatric_share_*: most of those of a person with a serious mental
  // illness), otherwise to a general hospital or residential treatment;
  // a person inside leaves at the end of a stay (exponential, mean institution.*_stay; a health
  // or psychiatric stay of a Housing First tenant whose flat is held is shorter, by
  // institution.hf_team_stay_factor: the team's in-reach and discharge support) back to
  // the flat or tenancy held, and loses that hold when the stay outlasts
  // housing_first.institution_keep (a Housing First flat) or institution.tenancy_keep (an own
  // tenancy). A shelter bed or a transitional place is not held.
  InstitutionEvent institution_event(const Persons& P, std::uint32_t p, int week, double u) const {
    if (P.housing[p] == Institution) {
      const int stay = week - P.housing_since[p];
      const std::uint8_t held = P.inst_from[p];
      if ((held == HfFlat && stay >= hf_keep) || (held == Housed && stay >= tenancy_keep)) return InstitutionEvent::HoldLost;
      return u < (held == HfFlat ? p_release_team : p_release)[P.inst_kind[p]] ? InstitutionEvent::Leave : InstitutionEvent::None;
    }
    if (u >= health_institution.p_max() + prison.p_max()) return InstitutionEvent::None;  // most weeks
    const double p_health = health_institution.p(
        {indicator(mental_illness(P, p)), indicator(in_group(P, p, GSubstanceUse)), P.health[p] - 0.5, indicator(homeless(P.housing[p]))});
    if (u < p_health)  // u / p_health is uniform on [0, 1): it says which kind of health institution
      return u < p_health * psychiatric_share[mental_illness(P, p)] ? InstitutionEvent::EnterPsychiatric : InstitutionEvent::EnterHealth;
    const double p_prison = prison.p({indicator(in_group(P, p, GExOffender)), indicator(in_group(P, p, GSubstanceUse))});
    return u - p_health < p_prison ? InstitutionEvent::EnterJustice : InstitutionEvent::None;
  }
  // The housing held during a stay that begins from housing state h: a Housing First flat or
  // an own tenancy; otherwise none (the street on release).
  static std::uint8_t held_during_stay(std::uint8_t h) { return stable(h) ? h : static_cast<std::uint8_t>(Street); }
  double hf_loss_p(const Persons& P, std::uint32_t p) const { return p_hf_loss[mental_illness(P, p)][has_income(P, p)]; }
  // After a tenancy loss with draw u (u < hf_loss_p), whether the team rehouses the person (the
  // draw rescaled to [0, 1)); otherwise the person leaves the Housing First pathway.
  bool team_rehouses(const Persons& P, std::uint32_t p, double u) const { return u / hf_loss_p(P, p) < rehousing; }

  // The plan's goals are reached, and the case moves to follow-up: stably housed for
  // case.follow_up_after since the plan began (or since moving in, if later), and no employment
  // pathway under way (orientation, training, matching or an internship).
  bool plan_achieved(const Persons& P, std::uint32_t p, int week) const {
    const int housed_since = std::max<int>(P.housing_since[p], P.intake[p]);
    const std::uint8_t ph = P.emp_phase[p];
    const bool pathway = (ph == EpOrientation) | (ph == EpTraining) | (ph == EpMatching) | (ph == EpInternship);
    return stable(P.housing[p]) & (week - housed_since >= fu_after) & !pathway;
  }
  // The case event of the week, given the person's self-efficacy this week (draw u_drop).
  CaseEvent case_event(const Persons& P, std::uint32_t p, int week, float efficacy, double u_drop) const {
    const std::uint8_t h = P.housing[p], c = P.kase[p];
    const int in_case = week - P.case_since[p];
    // Most weeks nothing happens: screened without branches first.
    const bool maybe = ((c == InCharge) & (plan_achieved(P, p, week) | (u_drop < case_dropout.p_max()))) |
                       ((c == FollowUp) & (in_case >= fu_len)) | ((c == Closed) & (in_case >= recontact));
    if (!maybe) return CaseEvent::None;
    switch (static_cast<Case>(c)) {
      case InCharge:
        if (plan_achieved(P, p, week)) return CaseEvent::FollowUp;
        // A Housing First tenant (also while the flat is held during an institution stay), or a
        // person whose flat is being found, stays in the plan.
        if (h != HfFlat && !(h == Institution && P.inst_from[p] == HfFlat) && !(P.flags[p] & FHfAssigned) && case_dropout.hit(u_drop, [&] { return std::array{efficacy - 0.5, codesigned}; }))
          return CaseEvent::Dropout;
        return CaseEvent::None;
      case FollowUp: return in_case >= fu_len ? CaseEvent::Closure : CaseEvent::None;
      case Closed: return in_need(P, p) && in_case >= recontact ? CaseEvent::Recontact : CaseEvent::None;
      case Unknown:
      case Waiting:
      case Assessed: return CaseEvent::None;
    }
    return CaseEvent::None;
  }
  // Waiting in a queue, or in need and unknown to services, wears self-efficacy down.
  bool waits(const Persons& P, std::uint32_t p) const {
    const std::uint8_t c = P.kase[p];
    return (c == Waiting) | ((c == Unknown) & in_need(P, p));
  }
};

// ---------------------------------------------------------------------------------------------
// Self-efficacy (docs/model.md, "Self-efficacy"): every change of it, by the event that causes
// it. A success (a flat, a job) raises it by life.efficacy_success_gain, a failure lowers it by
// life.efficacy_failure_loss (a firm turning a candidate down: a share of that), waiting wears it
// down by life.efficacy_wait_loss a week, and support rebuilds it. The housing changes are
// computed in float, the employment ones in double (as the rules were first written: results
// depend on it to the last bit).
enum class EfficacyEvent { Rehoused, HousingLost, Hired, WaitingForFirm, TurnedDown, MarketJobLost };
struct EfficacyRules {
  float gain, loss, wait_loss, support_rate;
  double success_gain, failure_loss, rejection_loss, reiteration_gain;
  explicit EfficacyRules(const Scenario& sc)
      : gain(static_cast<float>(sc[G::life_efficacy_success_gain])),
        loss(static_cast<float>(sc[G::life_efficacy_failure_loss])),
        wait_loss(static_cast<float>(sc[G::life_efficacy_wait_loss])),
        support_rate(static_cast<float>(sc[G::life_efficacy_support_rate])),
        success_gain(sc[G::life_efficacy_success_gain]),
        failure_loss(sc[G::life_efficacy_failure_loss]),
        rejection_loss(sc[G::employment_matching_rejection_efficacy_share] * sc[G::life_efficacy_failure_loss]),
        reiteration_gain(sc[G::employment_reiteration_efficacy_gain]) {}
  // Self-efficacy after the event, from `efficacy` before it.
  float after(EfficacyEvent e, float efficacy) const {
    switch (e) {
      case EfficacyEvent::Rehoused: return clamp01(efficacy + gain);
      case EfficacyEvent::HousingLost: return clamp01(efficacy - loss);
      case EfficacyEvent::WaitingForFirm: return clamp01(efficacy - wait_loss);
      case EfficacyEvent::Hired: return clamp01(efficacy + success_gain);
      case EfficacyEvent::TurnedDown: return clamp01(efficacy - rejection_loss);
      case EfficacyEvent::MarketJobLost: return clamp01(efficacy - failure_loss);
    }
    return efficacy;
  }
  // After a failure on the employment pathway (a programme job lost, an internship broken off or
  // not converted): the failure's loss, and when the person tries again (EmploymentRules::
  // tries_again) the repeated orientation's gain (docs/model.md, "reiteration").
  float after_pathway_failure(float efficacy, bool tries_again) const {
    const auto lost = static_cast<float>(clamp01(efficacy - failure_loss));
    return tries_again ? static_cast<float>(clamp01(lost + reiteration_gain)) : lost;
  }
  // After the week's housing event (life events): a flat or a home gained, or a tenancy lost.
  float after(HousingEvent e, float efficacy) const {
    switch (e) {
      case HousingEvent::None: break;
      case HousingEvent::Eviction:
      case HousingEvent::TenancyLoss: efficacy -= loss; break;
      case HousingEvent::Graduation:
      case HousingEvent::Reconnection: efficacy += gain; break;
    }
    return clamp01(efficacy);  // stays in [0, 1] (the drop-out rule's covariate range)
  }
  // At the end of the life events: waiting (rules::LifeEventRules::waits) wears it down, then a
  // week with a plan and a case worker (in charge or in follow-up) closes
  // life.efficacy_support_rate of the gap to 1.
  float at_week_end(const Persons& P, std::uint32_t p, bool waiting, float efficacy) const {
    if (waiting) efficacy -= wait_loss;
    return clamp01(supported(P, p, clamp01(efficacy)));
  }
  float supported(const Persons& P, std::uint32_t p, float efficacy) const {
    const std::uint8_t c = P.kase[p];
    return ((c == InCharge) | (c == FollowUp)) ? efficacy + support_rate * (1.0f - efficacy) : efficacy;
  }
};

// ---------------------------------------------------------------------------------------------
// 3. Contact: a person in need not in contact reaches the access point (more likely with
// higher self-efficacy; activity stops it during a lockdown).
struct ContactRules {
  LogLinearHazard<2> contact;
  std::vector<double> log_activity;  // per territory (-inf where activity stopped)
  ContactRules(const Scenario& sc, const std::vector<double>& activity, double max_activity)
      : contact("contact", sc[G::access_contact_rate] / 52.0,
                {{{"self_efficacy - 0.5", sc[G::access_contact_efficacy_coef], -0.5, 0.5},
                  {"log activity", 1.0, -HUGE_VAL, std::log(std::max(max_activity, 1e-300))}}}) {
    for (double a : activity) log_activity.push_back(std::log(a));
  }
  bool makes_contact(const Persons& P, std::uint32_t p, double u) const {
    return contact.hit(u, [&] { return std::array{P.efficacy[p] - 0.5, log_activity[P.territory[p]]}; });
  }
};

// ---------------------------------------------------------------------------------------------
// 4. Housing pathway: the step model (street -> shelter -> transitional -> housed) and Housing
// First (a flat and a support slot, then the flat search).
// What the housing pathway asks this week. The values before kRequests are requests for a place,
// collected per territory and kind and served by the territory (World::housing_pathway): the
// steps returned by HousingRules::step_request, a Housing First offer (wants_hf) and a let from the
// social-housing list (on_social_list). LeaveShelter is done at once (back to the street).
enum class HousingRequest : std::uint8_t { Shelter, Transitional, MoveOn, Demote, Hf, Social, kRequests, None = kRequests, LeaveShelter };
// The list of a request kind among a pathway's per-kind lists, and their number.
template <class E>
constexpr std::uint8_t request_kind(E e) { return static_cast<std::uint8_t>(e); }
template <class E>
constexpr int request_kinds() { return static_cast<int>(E::kRequests); }

// The share of case-management and provider time left after managing the network: each
// partner beyond the first takes network.overhead_per_partner of it.
inline double network_time_left(const Scenario& sc) {
  return std::max(0.0, 1.0 - sc[G::network_overhead_per_partner] * (sc[G::network_partners] - 1));
}

// Case-worker time of a territory, as the covariate of readiness and move-on:
// log(step.case_time_reference / persons per worker), persons per worker between 5 and 200.
inline constexpr double kMinPersonsPerWorker = 5, kMaxPersonsPerWorker = 200;
inline double case_time(double reference, double persons, double workers) {
  const double per_worker = workers > 0 ? std::clamp(persons / workers, kMinPersonsPerWorker, kMaxPersonsPerWorker) : kMaxPersonsPerWorker;
  return std::log(reference / per_worker);
}

// Case-worker time of territory: rules::case_time with the scenario's reference and caseload
// (persons: people in charge or in follow-up; slots: the case slots serving people).
inline double territory_case_time(const Scenario& sc, double persons, double slots) {
  return case_time(sc[G::step_case_time_reference], persons, slots / sc[G::case_caseload]);
}

// The capacities of a territory in a week: its own (territories[] of the scenario), times the
// scale, times the factors of the events in force that week for that territory, each event
// target scaling the capacities named here (docs/model.md, "Events"); network management then
// takes its share of the case slots.
struct CapacityRules {
  const Scenario& sc;
  explicit CapacityRules(const Scenario& s) : sc(s) {}
  // The product of the factors of the events in force in week w that apply to territory t.
  double factor(int t, int w, choice::target target) const {
    double f = 1;
    for (const auto& e : sc.events) {
      const std::string& en = e.at(E::territory).text;
      if (e.choice<E::target>() == target && w >= e[E::start] && w < e[E::end] && (en.empty() || en == sc.territory_name(t)))
        f *= e[E::factor];
    }
    return f;
  }
  Capacities of(int t, int w) const {
    const double scale = sc[G::scale];
    const auto& tv = sc.territories[t];
    auto f = [&](choice::target target) { return factor(t, w, target); };
    using enum choice::target;
    Capacities c;
    c.activity = f(activity);
    c.assess_social = tv[T::assessment_capacity] * scale * f(assessment_capacity);
    c.assess_cpi = tv[T::cpi_assessment_capacity] * scale * f(assessment_capacity);
    c.case_slots = tv[T::case_workers] * sc[G::case_caseload] * scale * f(case_workers);
    c.shelter_beds = tv[T::shelter_beds] * scale * f(shelter_beds);
    c.transitional = tv[T::transitional_places] * scale * f(transitional_places);
    c.hf_flats = tv[T::hf_flats] * scale * f(hf_flats);
    c.hf_slots = tv[T::hf_support_workers] * sc[G::housing_first_caseload] * scale * f(hf_flats);
    c.lets = tv[T::affordable_lets] * scale * f(affordable_lets);
    c.social_lets = tv[T::social_housing_lets] * scale * f(affordable_lets);
    c.inflow = tv[T::inflow] * scale * f(inflow);
    c.hiring = f(hiring);
    c.training_seats = tv[T::training_seats] * scale * f(activity);
    // Network management takes case-management time from every partner beyond the first.
    c.network_slots = c.case_slots * (1.0 - network_time_left(sc));
    c.case_slots -= c.network_slots;
    return c;
  }
};

// Sizes of the world at week 0: people and firms of territory t (times the scale), and the
// share of the initial population that is homeless (street, shelter or transitional place).
inline std::size_t initial_population_of(const Scenario& sc, int t) {
  return static_cast<std::size_t>(std::llround(sc.territories[t][T::initial_population] * sc[G::scale]));
}
inline std::size_t firms_of(const Scenario& sc, int t) {
  return static_cast<std::size_t>(std::llround(sc.territories[t][T::firms] * sc[G::scale]));
}
inline double initial_homeless_share(const Scenario& sc) {
  return sc[G::population_initial_street] + sc[G::population_initial_shelter] + sc[G::population_initial_transitional];
}
// Whether each person's weekly states are recorded when they change (the viewer's timelines).
inline bool timeline_recorded(const Scenario& sc) { return sc[G::output_timeline] != 0; }

// 3b. Assessment: separate social and job-centre (CPI) assessments, or with the CPI integrated
// one joint assessment at a single point (taking cpi.joint_assessment_factor times as long) and
// plans co-designed, signed cpi.codesign_duration after the assessment at the earliest.
struct AssessmentRules {
  bool integrated;
  double joint_factor;
  int codesign;
  explicit AssessmentRules(const Scenario& sc)
      : integrated(sc.choice<G::cpi_involvement>() == choice::cpi_involvement::integrated),
        joint_factor(sc[G::cpi_joint_assessment_factor]),
        codesign(integrated ? weeks_of(sc[G::cpi_codesign_duration]) : 0) {}
  // Joint assessments a week at a single point staffed by both services.
  double joint_capacity(double social, double cpi) const { return (social + cpi) / joint_factor; }
  // The plan may be signed `weeks_assessed` weeks after the assessment.
  bool plan_may_start(int weeks_assessed) const { return weeks_assessed >= codesign; }
};

struct HousingRules {
  double p_seek, shelter_acceptance, shelter_acceptance_mh, hf_acceptance, social_migrant_eligible, rent_assistance, income_uptake,
      work_uptake;
  int shelter_min, transitional_min, priority_disability, priority_female;
  bool hf_model;
  LogLinearHazard<2> shelter_dropout, transitional_dropout;
  LogLinearHazard<5> private_let;
  std::vector<LogLinearHazard<3>> readiness;      // per territory (base scaled by activity)
  std::vector<LogLinearHazard<3>> move_on;        // per territory (base scaled by activity)
  std::vector<double> p_move_in, case_time;       // per territory

  static std::array<Covariate, 2> dropout_covariates(const Scenario& sc) {
    return {{{"self_efficacy - 0.5", sc[G::step_dropout_efficacy_coef], -0.5, 0.5},
             {"mental illness", sc[G::step_dropout_mental_health_coef], 0, 1}}};
  }
  // activity and case_time_ (rules::case_time) per territory.
  HousingRules(const Scenario& sc, const std::vector<double>& activity, const std::vector<double>& case_time_)
      : p_seek(hazard_p(sc[G::step_shelter_seek_rate] / 52.0)),
        shelter_acceptance(sc[G::step_shelter_acceptance]),
        shelter_acceptance_mh(sc[G::step_shelter_acceptance_mental_health_factor]),
        hf_acceptance(sc[G::housing_first_acceptance]),
        social_migrant_eligible(sc[G::rehousing_social_migrant_eligible]),
        rent_assistance(sc[G::context_rent_assistance]),
        income_uptake(sc[G::housing_first_job_support] != 0 ? sc[G::housing_first_income_uptake] : 0.0),
        work_uptake(sc[G::housing_first_job_support] != 0 ? sc[G::housing_first_work_uptake] : 0.0),
        shelter_min(weeks_of(sc[G::step_shelter_min_stay])),
        transitional_min(weeks_of(sc[G::step_transitional_min_stay])),
        priority_disability(static_cast<int>(sc[G::rehousing_social_priority_disability])),
        priority_female(static_cast<int>(sc[G::rehousing_social_priority_female])),
        hf_model(sc.choice<G::housing_model>() != choice::housing_model::step),
        shelter_dropout("shelter dropout", sc[G::step_shelter_dropout_rate] / 52.0, dropout_covariates(sc)),
        transitional_dropout("transitional dropout", sc[G::step_transitional_dropout_rate] / 52.0, dropout_covariates(sc)),
        private_let("private let", sc[G::rehousing_private_rate] / 52.0,
                    {{{"has a job", sc[G::rehousing_private_job_coef], 0, 1},
                      {"self_efficacy - 0.5", sc[G::rehousing_private_efficacy_coef], -0.5, 0.5},
                      {"migrant", sc[G::rehousing_private_migrant_coef], 0, 1},
                      {"mental illness", sc[G::rehousing_private_mental_health_coef], 0, 1},
                      {"rent assistance", sc[G::rehousing_private_assistance_coef], 0, 1}}}),
        case_time(case_time_) {
    const double ready_w = sc[G::step_readiness_rate] / 52.0, move_w = sc[G::step_move_on_rate] / 52.0;
    const double move_in_w = sc[G::housing_first_move_in_rate] / 52.0;
    const double ref = sc[G::step_case_time_reference];
    const Covariate time{"case time", sc[G::step_case_time_coef], std::log(ref / kMaxPersonsPerWorker), std::log(ref / kMinPersonsPerWorker)};
    for (double a : activity) {
      readiness.emplace_back("readiness", ready_w * a,
                             std::array<Covariate, 3>{{{"self_efficacy - 0.5", sc[G::step_readiness_efficacy_coef], -0.5, 0.5},
                                                       {"health - 0.5", sc[G::step_readiness_health_coef], -0.5, 0.5},
                                                       time}});
      move_on.emplace_back("move-on", move_w * a,
                           std::array<Covariate, 3>{{{"no income", sc[G::step_move_on_no_income_coef], 0, 1},
                                                     {"self_efficacy - 0.5", sc[G::step_move_on_efficacy_coef], -0.5, 0.5},
                                                     time}});
      p_move_in.push_back(hazard_p(move_in_w * a));
    }
  }
  // On the Housing First track and in charge: asks for a flat and a support slot.
  bool wants_hf(const Persons& P, std::uint32_t p) const {
    return hf_model && (P.flags[p] & FHfTrack) && P.kase[p] == InCharge;
  }
  // Housing First with job support, on moving in (draw u): a tenant without income support
  // obtains it; a tenant not looking for work starts the employment pathway.
  bool gets_income_support(const Persons& P, std::uint32_t p, double u) const { return !(P.flags[p] & FIncome) && u < income_uptake; }
  bool starts_looking_for_work(const Persons& P, std::uint32_t p, double u) const {
    return P.work[p] == Inactive && !P.seeking[p] && u < work_uptake;
  }
  // With a flat and a support slot reserved: the flat is found and the tenant moves in.
  bool moves_in(const Persons& P, std::uint32_t p, double u) const { return u < p_move_in[P.territory[p]]; }
  std::array<double, 2> dropout_covariates_of(const Persons& P, std::uint32_t p) const {
    return {P.efficacy[p] - 0.5, mental_illness(P, p) ? 1.0 : 0.0};
  }
  bool leaves_shelter(const Persons& P, std::uint32_t p, double u) const {
    return shelter_dropout.hit(u, [&] { return dropout_covariates_of(P, p); });
  }
  bool drops_out_of_transitional(const Persons& P, std::uint32_t p, double u) const {
    return transitional_dropout.hit(u, [&] { return dropout_covariates_of(P, p); });
  }
  // The readiness test (shelter -> transitional), for people in charge after the minimum stay:
  // more likely with higher self-efficacy and health, and with more case-worker time.
  bool ready(const Persons& P, std::uint32_t p, double u) const {
    const int t = P.territory[p];
    return readiness[t].hit(u, [&] { return std::array{P.efficacy[p] - 0.5, P.health[p] - 0.5, case_time[t]}; });
  }
  // The income test and the search for an own tenancy (transitional -> housed): less likely
  // with no income, more with higher self-efficacy and more case-worker time.
  bool moves_on(const Persons& P, std::uint32_t p, double u) const {
    const int t = P.territory[p];
    return move_on[t].hit(u, [&] { return std::array{indicator(!has_income(P, p)), P.efficacy[p] - 0.5, case_time[t]}; });
  }
  // Whether the person's search is helped by rent assistance (the rental market's context,
  // context.rent_assistance): u_assisted() is a fixed draw of the person, taken only when needed.
  template <class U>
  bool rent_assisted(U&& u_assisted) const {
    return rent_assistance > 0 && u_assisted() < rent_assistance;
  }
  // A homeless person with an income finds a private let on their own (draw u): more likely
  // with a wage, higher self-efficacy and rent assistance, less for migrants and people with a
  // mental illness.
  template <class U>
  bool finds_private_let(const Persons& P, std::uint32_t p, double u, U&& u_assisted) const {
    return has_income(P, p) && private_let.hit(u, [&] {
             return std::array{indicator(P.work[p] == Employed), P.efficacy[p] - 0.5, indicator(in_group(P, p, GMigrant)),
                               indicator(mental_illness(P, p)), indicator(rent_assisted(u_assisted))};
           });
  }
  // On the social-housing (ERP) list: homeless, in charge, not on the Housing First track, and
  // meeting the residence requirement (migrants: u_resident(), a fixed draw of the person, taken
  // only when needed).
  template <class U>
  bool on_social_list(const Persons& P, std::uint32_t p, U&& u_resident) const {
    return homeless(P.housing[p]) && P.kase[p] == InCharge && !(hf_model && (P.flags[p] & FHfTrack)) &&
           (!in_group(P, p, GMigrant) || u_resident() < social_migrant_eligible);
  }
  // The list's order: the week the plan began, earlier for disabled people and victims of
  // violence and for women (priority credits in weeks); lower comes first.
  std::int32_t social_list_rank(const Persons& P, std::uint32_t p) const {
    const bool priority = disabled(P, p) || in_group(P, p, GViolenceVictim);
    return P.intake[p] - (priority ? priority_disability : 0) - ((P.flags[p] & FFemale) ? priority_female : 0);
  }
  // What a person on the step ladder asks for this week (draws u_drop, u_prog, u_move).
  HousingRequest step_request(const Persons& P, std::uint32_t p, int week, double u_drop, double u_prog, double u_move) const {
    const bool in_charge = P.kase[p] == InCharge, hf = wants_hf(P, p);
    const int stay = week - P.housing_since[p];
    switch (static_cast<Housing>(P.housing[p])) {
      case Street: return u_move < p_seek ? HousingRequest::Shelter : HousingRequest::None;
      case Shelter:
        if (leaves_shelter(P, p, u_drop)) return HousingRequest::LeaveShelter;
        return !hf && in_charge && stay >= shelter_min && ready(P, p, u_prog) ? HousingRequest::Transitional : HousingRequest::None;
      case Transitional:
        if (drops_out_of_transitional(P, p, u_drop)) return HousingRequest::Demote;
        return !hf && in_charge && stay >= transitional_min && moves_on(P, p, u_prog) ? HousingRequest::MoveOn : HousingRequest::None;
      case HfFlat:
      case Housed:
      case Institution: return HousingRequest::None;
    }
    return HousingRequest::None;
  }
  // Housing First places free for new tenants: a flat and a support slot are both needed.
  static std::int64_t hf_places(double flats, double support_slots) {
    return std::min(static_cast<std::int64_t>(std::floor(flats)), static_cast<std::int64_t>(std::floor(support_slots)));
  }
  // Whether a person offered a shelter bed takes it (fewer people with a mental illness do).
  double shelter_acceptance_of(const Persons& P, std::uint32_t p) const {
    return shelter_acceptance * (mental_illness(P, p) ? shelter_acceptance_mh : 1.0);
  }
};

// ---------------------------------------------------------------------------------------------
// 5. Employment pathway: orientation -> training -> matching -> internship -> hiring ->
// employment with follow-up; the open labour market beside it.
// What the employment pathway asks of a territory's firms and seats this week, one list per kind
// (World::employment_pathway serves them): a job lost, an internship broken off, the firm's
// decision at the end of an internship, a training seat, a match with a programme firm, an
// open-market vacancy.
enum class PathwayRequest : std::uint8_t { Separate, InternBreak, Hire, Training, Match, Market, kRequests };

struct EmploymentRules {
  int early, fu_len, orient, train_len, scout_start, intern_len;
  double threshold, training_gain, match_w, qualifying_gain, np_qualifying_share, icf_keep, hf_match_factor;
  float icf_cost;  // the ICF assessment at the start of the pathway, when used (0 otherwise)
  bool by_intake, reiterate, direct, flexible_hours;
  int max_rounds;
  LogLinearHazard<6> job_loss;
  LogLinearHazard<1> discouragement;
  LogLinearHazard<3> internship_break;
  LogLinearHazard<8> market;
  int age_threshold;
  std::vector<double> log_hiring, hiring, activity;  // per territory

  // The covariates of open-market job finding (../../docs/model.md, "Open-market job
  // finding"): employability, ICF functioning level (0 without a disability, 1-4), health,
  // homelessness (street, shelter or transitional place; a Housing First tenant is housed),
  // self-efficacy, years of age over labour.age_threshold, and the territory's hiring factor.
  // The age range ends at an age nobody reaches (an 8-bit age at entry plus a 50-year horizon).
  static LogLinearHazard<8> market_hazard(const Scenario& sc, const std::vector<double>& hiring) {
    const double max_hiring = hiring.empty() ? 1.0 : *std::max_element(hiring.begin(), hiring.end());
    return {"open-market job finding",
            sc[G::labour_job_finding_rate] / 52.0,
            {{{"employability - 0.5", sc[G::labour_employability_coef], -0.5, 0.5},
              {"functioning level", sc[G::labour_functioning_coef], 0, 4},
              {"health - 0.5", sc[G::labour_health_coef], -0.5, 0.5},
              {"homeless", sc[G::labour_homeless_coef], 0, 1},
              {"self_efficacy - 0.5", sc[G::labour_efficacy_coef], -0.5, 0.5},
              {"mental illness", sc[G::labour_mental_health_coef], 0, 1},
              {"years over age threshold", sc[G::labour_age_coef], 0, 320},
              {"log hiring", 1.0, -HUGE_VAL, std::log(std::max(max_hiring, 1e-300))}}}};
  }

  EmploymentRules(const Scenario& sc, const std::vector<double>& activity_, const std::vector<double>& hiring_)
      : early(weeks_of(sc[G::employment_job_loss_early_period])),
        fu_len(weeks_of(sc[G::employment_follow_up_duration])),
        orient(weeks_of(sc[G::employment_orientation])),
        train_len(weeks_of(sc[G::employment_training_duration])),
        scout_start(weeks_of(sc[G::employment_scouting_start])),
        intern_len(weeks_of(sc[G::employment_internship_duration])),
        threshold(sc[G::employment_training_threshold]),
        training_gain(sc[G::employment_training_gain]),
        match_w(sc[G::employment_matching_rate] / 52.0),
        qualifying_gain(sc[G::employment_qualifying_gain]),
        np_qualifying_share(sc[G::employment_non_profit_qualifying_share]),
        icf_keep(sc[G::employment_icf_assessment] != 0 ? 1.0 - sc[G::employment_icf_fit_gain] : 1.0),
        hf_match_factor(sc[G::housing_first_job_support] != 0 ? sc[G::housing_first_job_support_matching_factor] : 1.0),
        icf_cost(sc[G::employment_icf_assessment] != 0 ? static_cast<float>(sc[G::costs_icf_assessment]) : 0.f),
        by_intake(sc.choice<G::employment_scouting_reference>() == choice::employment_scouting_reference::intake),
        reiterate(sc[G::employment_reiterate] != 0),
        direct(sc.choice<G::employment_placement>() == choice::employment_placement::direct),
        flexible_hours(sc[G::employment_internship_flexible_hours] != 0),
        max_rounds(static_cast<int>(sc[G::employment_max_rounds])),
        job_loss("job loss", sc[G::employment_job_loss_rate] / 52.0,
                 {{{"early months", std::log(sc[G::employment_job_loss_early_factor]), 0, 1},
                   {"follow-up hours", sc[G::employment_follow_up_effect] * sc[G::employment_follow_up_intensity], 0, 1},
                   {"employability - 0.5", sc[G::employment_job_loss_employability_coef], -0.5, 0.5},
                   {"functioning level (after ICF fit)", sc[G::employment_job_loss_functioning_coef], 0, 4},
                   {"mental illness", sc[G::employment_job_loss_mental_health_coef], 0, 1},
                   {"non-profit firm", sc[G::employment_job_loss_non_profit_coef], 0, 1}}}),
        discouragement("discouragement", sc[G::employment_discouragement_rate] / 52.0,
                       {{{"self_efficacy - 0.5", sc[G::employment_discouragement_efficacy_coef], -0.5, 0.5}}}),
        internship_break("internship break", sc[G::employment_internship_dropout_rate] / 52.0,
                         {{{"self_efficacy - 0.5", sc[G::employment_internship_dropout_efficacy_coef], -0.5, 0.5},
                           {"functioning level with rigid hours", sc[G::employment_internship_rigid_functioning_coef], 0, 4},
                           {"-log activity", sc[G::employment_internship_break_activity_coef], 0, 12}}}),
        market(market_hazard(sc, hiring_)),
        age_threshold(static_cast<int>(sc[G::labour_age_threshold])),
        hiring(hiring_),
        activity(activity_) {
    for (double h : hiring) log_hiring.push_back(std::log(std::max(h, 1e-300)));
  }
  // The functioning level as it weighs on fit: reduced by the ICF assessment's task fit.
  double fitted_functioning(const Persons& P, std::uint32_t p) const { return icf_keep * P.functioning[p]; }
  // A job with a firm can be lost (loses_job). Care work at home with a family, taken up through the
  // family-care link (FamilyCareRules::may_take_care_work), is held for the rest of the stay, as the
  // care workers of week 0 stay in care work, changing families at their turnover.
  static bool job_can_be_lost(const Persons& P, std::uint32_t p) { return P.firm[p] >= 0; }
  // Loses the job this week (working in firm of sector non_profit): more likely in the first
  // months, less with follow-up hours while follow-up lasts (programme jobs), less with higher
  // employability, more with a lower functioning level (less in a programme job placed after an
  // ICF assessment: the tasks were fitted; not in a job found on the open market), with a
  // mental illness, and in a non-profit firm (positions funded by projects).
  bool loses_job(const Persons& P, std::uint32_t p, int week, double employability, bool non_profit, double u) const {
    return job_loss.hit(u, [&] {
      const int tenure = week - P.hire_week[p];
      const bool programme = P.emp_phase[p] == EpEmployed;
      return std::array{indicator(tenure < early), indicator(programme && tenure < fu_len), employability - 0.5,
                        programme ? fitted_functioning(P, p) : static_cast<double>(P.functioning[p]), indicator(mental_illness(P, p)),
                        indicator(non_profit)};
    });
  }
  // Scouting for this person has begun (scouting.reference: intake).
  bool scouting_begun(const Persons& P, std::uint32_t p, int week) const { return !by_intake || week - P.intake[p] >= scout_start; }
  bool discouraged(const Persons& P, std::uint32_t p, double u) const {
    return discouragement.hit(u, [&] { return std::array{P.efficacy[p] - 0.5}; });
  }
  // Proposed to a firm this week (not while in an institution; more often for Housing First
  // tenants with job support).
  bool proposed(const Persons& P, std::uint32_t p, double u) const {
    const double f = P.housing[p] == HfFlat ? hf_match_factor : 1.0;
    return P.housing[p] != Institution && hazard_hit(u, match_w * f * activity[P.territory[p]]);
  }
  // An internship breaks off: more likely with low self-efficacy, with rigid hours for people
  // with a lower functioning level, and when activity stops (a lockdown; activity above its
  // usual level, an event factor above 1, does not lower it below the base).
  bool internship_breaks(const Persons& P, std::uint32_t p, double u) const {
    return internship_break.hit(u, [&] {
      return std::array{P.efficacy[p] - 0.5, flexible_hours ? 0.0 : static_cast<double>(P.functioning[p]),
                        std::clamp(-std::log(std::max(activity[P.territory[p]], 1e-5)), 0.0, 12.0)};
    });
  }
  // The employability gained by completing an internship (hired or not) in a firm of this
  // sector: a qualifying placement in a profit firm, a smaller gain in a non-profit one.
  double qualifying(bool non_profit) const { return qualifying_gain * (non_profit ? np_qualifying_share : 1.0); }
  float employability_after_internship(float employability, bool non_profit) const { return clamp01(employability + qualifying(non_profit)); }
  // Employability after the training course (employability: at the start of the week).
  float employability_after_training(double employability) const { return clamp01(employability + training_gain); }
  // Orientation done: a person below employment.training.threshold asks for a training seat.
  bool needs_training(double employability) const { return employability < threshold; }
  // The covariate values of open-market job finding for person p in `week`, given the
  // employability and self-efficacy the person had at the start of the week.
  std::array<double, 8> market_covariates(const Persons& P, std::uint32_t p, int week, double employability, double efficacy) const {
    const int age = P.age[p] + (week - P.entry[p]) / 52;
    return {employability - 0.5,
            static_cast<double>(P.functioning[p]),
            P.health[p] - 0.5,
            homeless(P.housing[p]) ? 1.0 : 0.0,
            efficacy - 0.5,
            indicator(mental_illness(P, p)),
            static_cast<double>(std::max(0, age - age_threshold)),
            log_hiring[P.territory[p]]};
  }
  // Finds a job on the open labour market (anyone looking for work, not in an internship): less
  // likely with lower employability, a lower ICF functioning level, poorer health, while
  // homeless, with lower self-efficacy, with a mental illness, past labour.age_threshold, and
  // when hiring slows; not
  // while in an institution.
  bool finds_market_job(const Persons& P, std::uint32_t p, int week, double employability, double efficacy, double u) const {
    return hiring[P.territory[p]] > 0 && P.housing[p] != Institution &&
           market.hit(u, [&] { return market_covariates(P, p, week, employability, efficacy); });
  }
  // After a failure: back to matching (reiterate, rounds left) or out of the pathway.
  bool tries_again(int rounds) const { return reiterate && rounds <= max_rounds; }
};

// ---------------------------------------------------------------------------------------------
// 6. Firms: Law 68/1999 quotas, scouting, the firm's acceptance of a proposed intern and its
// hiring decision at the end of the internship.

// Law 68/1999: 15-35 employees one position, 36-50 two, over 50 7% of staff.
inline std::uint16_t law68_quota(int size) {
  if (size < 15) return 0;
  if (size <= 35) return 1;
  if (size <= 50) return 2;
  return static_cast<std::uint16_t>(std::floor(0.07 * size));
}

// Whether scouting with this strategy reaches a firm of this sector.
inline bool scouting_targets(choice::employment_scouting_strategy s, bool non_profit) {
  switch (s) {
    case choice::employment_scouting_strategy::profit: return !non_profit;
    case choice::employment_scouting_strategy::non_profit: return non_profit;
    case choice::employment_scouting_strategy::mixed: return true;
  }
  return true;
}

// A new firm's attributes (drawn from its own stream at set-up): size (log-normal), sector,
// Law 68 quota and its initial fill, openness to hiring people of the target groups (Beta
// around the sector's mean); known from the start when the CPI is integrated and the firm is
// obliged (shared lists), its openness raised by the incentive information.
struct NewFirm {
  int size;
  std::uint8_t flags;
  std::uint16_t quota, filled;
  float openness;
};
// Eligible and assigned to the Housing First pathway (at creation, or when the programme starts
// after a warm-up); u_hf: a uniform draw (the share of the mixed model).
bool hf_track(const Persons& P, std::uint32_t id, const Scenario& sc, double u_hf);
// The job centre's link to a firm obliged to hire (cpi.involvement integrated): known from the
// start, openness raised by the incentive information.
void cpi_link(const Scenario& sc, std::uint8_t& flags, double& openness);
// A firm of the warm-up when the programme starts at week 0: the link of the scenario's job
// centre involvement if the warm-up's baseline had another.
void programme_start_firm(const Scenario& before, const Scenario& now, std::uint8_t& flags, float& openness);
// Weeks of warm-up before week 0 (docs/model.md, "Warm-up").
inline int warmup_weeks(const Scenario& sc) { return static_cast<int>(std::lround(sc[G::warmup])); }

NewFirm new_firm(const Scenario& sc, Stream& s);
// Firms the network's partners bring to each territory (known from the start).
inline std::size_t partner_firms(const Scenario& sc) {
  return static_cast<std::size_t>(std::llround(sc[G::network_partners] * sc[G::network_firms_per_partner] * sc[G::scale]));
}
// What a firm's openness learns from (FirmRules::openness_after).
enum class FirmOutcome { Scouted, InternHired, InternNotHired, EarlySeparation };

// Scouting of firms and their vacancies (docs/model.md, "Scouting"): the provider's scouting
// hours (less the network's share) reach firms of the chosen sector(s), from the programme's
// start or from each person's intake; vacancies open in proportion to firm size (fewer in
// non-profit firms) and close after firms.vacancy_duration.
struct ScoutingRules {
  choice::employment_scouting_strategy strategy;
  bool by_intake;
  int start, vacancy_weeks;
  double firms_per_week, vacancy_rate, np_vacancy_factor;
  explicit ScoutingRules(const Scenario& sc)
      : strategy(sc.choice<G::employment_scouting_strategy>()),
        by_intake(sc.choice<G::employment_scouting_reference>() == choice::employment_scouting_reference::intake),
        start(weeks_of(sc[G::employment_scouting_start])),
        vacancy_weeks(weeks_of(sc[G::firms_vacancy_duration])),
        firms_per_week(sc[G::employment_scouting_intensity] * network_time_left(sc) * sc[G::scale] / sc[G::employment_scouting_hours_per_firm]),
        vacancy_rate(sc[G::firms_vacancy_rate]),
        np_vacancy_factor(sc[G::firms_non_profit_vacancy_factor]) {}
  // Scouting reaches firms this week (from the start of the programme, or per person's intake).
  bool scouting(int week) const { return by_intake || week >= start; }
  bool targets(bool non_profit) const { return scouting_targets(strategy, non_profit); }
  // A firm's weight in vacancy arrivals.
  double vacancy_weight(int size, bool non_profit) const { return size * (non_profit ? np_vacancy_factor : 1.0); }
  // Mean vacancies opening this week among firms of total weight `weight` (hiring: the event factor).
  double vacancies_mean(double weight, double hiring) const { return weight * vacancy_rate / 52.0 * hiring; }
  bool expired(int weeks_open) const { return weeks_open >= vacancy_weeks; }
};

struct FirmRules {
  bool integrated;
  double mi, me, mf, mo, mnp, mcpi;  // matching (acceptance) logit
  double hi, ho, he, hq;             // hiring decision logit
  double matching_quality, good, bad, scouting_gain, icf_keep;
  int early;  // employment.job_loss.early_period: a separation within it lowers the firm's openness
  explicit FirmRules(const Scenario& sc)
      : integrated(sc.choice<G::cpi_involvement>() == choice::cpi_involvement::integrated),
        mi(sc[G::employment_matching_intercept]),
        me(sc[G::employment_matching_employability_coef]),
        mf(sc[G::employment_matching_functioning_coef]),
        mo(sc[G::employment_matching_openness_coef]),
        mnp(sc[G::employment_matching_non_profit_coef]),
        mcpi(sc[G::employment_matching_cpi_link_coef]),
        hi(sc[G::employment_hiring_intercept]),
        ho(sc[G::employment_hiring_openness_coef]),
        he(sc[G::employment_hiring_employability_coef]),
        hq(sc[G::employment_hiring_quota_coef]),
        matching_quality(sc[G::employment_matching_quality]),
        good(sc[G::employment_openness_after_success]),
        bad(sc[G::employment_openness_after_failure]),
        scouting_gain(sc[G::employment_scouting_openness_gain]),
        icf_keep(sc[G::employment_icf_assessment] != 0 ? 1.0 - sc[G::employment_icf_fit_gain] : 1.0),
        early(weeks_of(sc[G::employment_job_loss_early_period])) {}
  // A firm's openness after an outcome: reached by scouting (or presented by a partner), an
  // intern hired, an intern not hired or broken off, a worker lost in the first months.
  float openness_after(FirmOutcome o, float openness) const {
    switch (o) {
      case FirmOutcome::Scouted: return clamp01(openness + scouting_gain);
      case FirmOutcome::InternHired: return clamp01(openness + good);
      case FirmOutcome::InternNotHired:
      case FirmOutcome::EarlySeparation: return clamp01(openness - bad);
    }
    return openness;
  }
  // A separation after `tenure` weeks counts against the firm.
  bool separation_counts(int tenure) const { return tenure < early; }
  static bool quota_open(const Firms& F, std::uint32_t f) { return (F.flags[f] & FfObliged) && F.filled[f] < F.quota[f]; }
  // A disabled person hired by an obliged firm with an open quota fills a Law 68 position.
  static bool quota_hire(const Persons& P, std::uint32_t p, const Firms& F, std::uint32_t f) {
    return disabled(P, p) && quota_open(F, f);
  }
  // The CPI link: with the job centre integrated, an obliged firm with an open quota knows the
  // incentives for hiring a disabled person.
  bool cpi_link(bool is_disabled, const Firms& F, std::uint32_t f) const { return integrated && is_disabled && quota_open(F, f); }
  // Log-odds that firm f accepts person p as an intern (or, with direct placement, hires the
  // candidate); an ICF assessment fits the tasks, so that the functioning level weighs less.
  double acceptance_logit(const Persons& P, std::uint32_t p, const Firms& F, std::uint32_t f) const {
    return mi + me * (P.employability[p] - 0.5) + mf * icf_keep * P.functioning[p] + mo * (F.openness[f] - 0.5) +
           ((F.flags[f] & FfNonProfit) ? mnp : 0.0) + (cpi_link(disabled(P, p), F, f) ? mcpi : 0.0);
  }
  // The firm's part of the acceptance logit (ranks firms for calibrated matching; the person's
  // part is the same for every firm, but for the CPI link of disabled people).
  double firm_score(const Firms& F, std::uint32_t f, bool is_disabled) const {
    return mo * F.openness[f] + ((F.flags[f] & FfNonProfit) ? mnp : 0.0) + (cpi_link(is_disabled, F, f) ? mcpi : 0.0);
  }
  // Probability that the firm hires its intern at the end of the internship.
  double hire_p(const Persons& P, std::uint32_t p, const Firms& F, std::uint32_t f) const {
    const double z = hi + ho * (F.openness[f] - 0.5) + he * (P.employability[p] - 0.5) + (quota_hire(P, p, F, f) ? hq : 0.0);
    return logistic(z);
  }
};

// ---------------------------------------------------------------------------------------------
// 8. Costs: every service unit used, per person and week (euro).

// Emergency care: visits to an emergency department not followed by an admission. They change
// no one's path, so they are not drawn: each person-week outside an institution counts its
// expected visits (the weekly rate), and the health service pays for them. More while homeless
// (street, shelter or transitional place: an offset of Housing First, emergency.homeless_coef),
// with a serious mental illness or substance use; fewer for a Housing First tenant in the flat,
// whom the team supports (emergency.hf_team_coef, beyond being housed). The rate depends on
// these traits only: a person is in one of kEmergencyCells cells (emergency_cell), or in none
// during a stay.
// Cells: 4 x where (0 housed otherwise, 1 homeless, 2 a Housing First tenant) + 2 x serious
// mental illness + substance use.
inline constexpr int kEmergencyCells = 12;
inline int emergency_cell(std::uint8_t housing, const Persons& P, std::uint32_t p) {
  if (housing == Institution) return kEmergencyCells;  // the institution's own care
  const int where = homeless(housing) ? 1 : housing == HfFlat ? 2 : 0;
  return 4 * where + 2 * int{mental_illness(P, p)} + int{in_group(P, p, GSubstanceUse)};
}
struct EmergencyRules {
  std::array<double, kEmergencyCells + 1> visits_week{};  // expected visits a week, by cell (the last: in an institution)
  explicit EmergencyRules(const Scenario& sc) {
    for (int c = 0; c < kEmergencyCells; ++c) {
      const int where = c >> 2;
      visits_week[static_cast<std::size_t>(c)] =
          sc[G::emergency_rate] / 52.0 *
          std::exp(sc[G::emergency_homeless_coef] * int{where == 1} + sc[G::emergency_hf_team_coef] * int{where == 2} +
                   sc[G::emergency_mental_health_coef] * (c >> 1 & 1) + sc[G::emergency_substance_use_coef] * (c & 1));
    }
  }
};

struct CostRules {
  std::array<float, kHousingStates> housing;  // per week in each housing state (an institution: by kind, below)
  std::array<float, kInstitutionKinds> institution;  // per week in a health institution, in prison, in a psychiatric ward
  EmergencyRules visits;                             // expected emergency visits a week, by cell
  std::array<float, kEmergencyCells + 1> emergency;  // the same visits at their cost
  double emergency_visit;                            // an emergency visit
  float case_week, orientation, training, internship, follow_up, assessment, joint_assessment;
  int fu_len, orientation_len;
  bool joint;                                  // assessments are joint (the CPI integrated)
  double icf_assessment, icf_training;         // an ICF assessment; operator training of a territory (week 0, when used)
  double scouting_hours_per_firm, provider_hour;
  double network_fees, network_case_week, network_diverted;  // the network's weekly cost: see network_week
  std::array<float, kCaseStates> per_case_state{};        // case management, by case state
  std::array<float, kEmpPhases> per_pathway_step{};       // orientation or training, by pathway step
  std::array<float, kWorkStates> per_work_state{};        // internship indemnity and tutoring
  double discount_rate;  // per year (economics.discount_rate): see discount()
  explicit CostRules(const Scenario& sc) : visits(sc) {
    const float day = 7.f;
    housing = {static_cast<float>(sc[G::costs_street_outreach_per_week]), static_cast<float>(sc[G::costs_dormitory_per_day]) * day,
               static_cast<float>(sc[G::costs_transitional_per_day]) * day, static_cast<float>(sc[G::costs_housing_first_per_day]) * day,
               0.f, 0.f};
    institution = {static_cast<float>(sc[G::costs_health_institution_per_day]) * day, static_cast<float>(sc[G::costs_prison_per_day]) * day,
                   static_cast<float>(sc[G::costs_psychiatric_ward_per_day]) * day};
    emergency_visit = sc[G::costs_emergency_visit];
    for (std::size_t c = 0; c < emergency.size(); ++c) emergency[c] = static_cast<float>(visits.visits_week[c] * emergency_visit);
    case_week = static_cast<float>(sc[G::costs_case_management_per_week]);
    orientation = static_cast<float>(sc[G::costs_orientation_per_week]);
    training = static_cast<float>(sc[G::costs_training_per_week]);
    internship = static_cast<float>(sc[G::costs_internship_indemnity_per_month] * 12.0 / 52.0 + sc[G::costs_tutoring_per_week]);
    follow_up = static_cast<float>(sc[G::employment_follow_up_intensity] * sc[G::costs_provider_hour]);
    assessment = static_cast<float>(sc[G::costs_assessment]);
    // A joint (social and job-centre) assessment takes cpi.joint_assessment_factor times the
    // professional time of a separate one, and costs as much more.
    joint_assessment = static_cast<float>(sc[G::costs_assessment] * sc[G::cpi_joint_assessment_factor]);
    fu_len = weeks_of(sc[G::employment_follow_up_duration]);
    orientation_len = weeks_of(sc[G::employment_orientation]);
    joint = sc.choice<G::cpi_involvement>() == choice::cpi_involvement::integrated;
    icf_assessment = sc[G::costs_icf_assessment];
    icf_training = sc[G::employment_icf_assessment] != 0 ? sc[G::costs_icf_training_per_territory] * sc[G::scale] : 0.0;
    scouting_hours_per_firm = sc[G::employment_scouting_hours_per_firm];
    provider_hour = sc[G::costs_provider_hour];
    network_fees = sc[G::network_partners] * sc[G::costs_partner_management_per_week];
    network_case_week = sc[G::costs_case_management_per_week];
    network_diverted = (1.0 - network_time_left(sc)) * sc[G::employment_scouting_intensity] * sc[G::scale] * sc[G::costs_provider_hour];
    per_case_state[InCharge] = per_case_state[FollowUp] = case_week;
    per_pathway_step[EpOrientation] = orientation;
    per_pathway_step[EpTraining] = training;
    per_work_state[Internship] = internship;
    discount_rate = sc[G::economics_discount_rate];
  }
  // The weight of a cost or an outcome of week `week` of the run in the discounted indicators
  // (docs/economics.md, "Discounting"): 1 in the first year (weeks 0-51), 1/(1 + r) in the
  // second, 1/(1 + r)^2 in the third: yearly steps from the start of the run.
  double discount(int week) const { return std::pow(1.0 + discount_rate, -static_cast<double>(week / 52)); }
  // A programme job in its follow-up period (work state w, pathway step ph, weeks since hiring).
  bool in_follow_up(std::uint8_t w, std::uint8_t ph, int tenure) const {
    return (w == Employed) & (ph == EpEmployed) & (tenure < fu_len);
  }
  // Orientation is over and the person waits for a training seat (no provider time is used).
  bool waiting_for_seat(std::uint8_t ph, int weeks_in_step) const { return (ph == EpOrientation) & (weeks_in_step >= orientation_len); }
  // A territory's week: assessments (social ones are joint when the CPI is integrated), ICF
  // assessments (and the operators' training in week 0), scouting hours spent reaching firms,
  // and the partner network: each partner's management fee, and the paid time the management
  // takes from case workers (case slots, at the case-management cost of a slot-week) and from
  // the provider's scouting hours. The diverted time is a cost even though it serves no one:
  // that is what makes wide partnerships dear (docs/model.md, "Network partners"; ESF
  // evaluations: "overly wide partner networks raised management costs").
  double assessments_week(std::int64_t social, std::int64_t cpi) const {
    return static_cast<double>(social) * (joint ? joint_assessment : assessment) + static_cast<double>(cpi) * assessment;
  }
  double icf_week(std::int64_t assessed, int week) const {
    return static_cast<double>(assessed) * icf_assessment + (week == 0 ? icf_training : 0.0);
  }
  double scouting_week(std::int64_t scouted) const { return static_cast<double>(scouted) * scouting_hours_per_firm * provider_hour; }
  double network_week(double network_slots) const { return network_fees + network_slots * network_case_week + network_diverted; }
  // The cost of the services used this week by a person in these states (kind: the kind of
  // institution, read when h is Institution; cell: the person's emergency_cell).
  // hf_team: supported by the Housing First team (rules::hf_team_supports), whose support is
  // in the Housing First cost per day: no case-management cost besides.
  float person_week(std::uint8_t h, std::uint8_t kind, std::uint8_t c, std::uint8_t w, std::uint8_t ph, bool follow, bool waiting,
                    bool hf_team, int cell) const {
    float cost = (h == Institution ? institution[kind] : housing[h]) + (hf_team ? 0.f : per_case_state[c]);
    cost += emergency[static_cast<std::size_t>(cell)];
    cost += waiting ? 0.f : per_pathway_step[ph];
    cost += per_work_state[w];
    return follow ? cost + follow_up : cost;
  }
};

}  // namespace percorsi::rules
