#!/usr/bin/env python3
"""Mutation campaign for the tests of model meaning (docs: ../shared/ENGINEERING.md, "Tests,
benchmarks, CI": at least 90% of injected one-line model defects must make a test fail).

Applies, one at a time, one-line defects of the model (a covariate's sign flipped, a covariate
dropped from a hazard, a covariate's declared range wrong so that the derived upper bound is
wrong, a cost counted on 6 days a week, a cost-table entry wrong, two output series swapped, a
capacity scaled by another event target's factor, a person column written from the wrong field,
a training gain not applied, timings off by a week, a headline from the wrong counts, a phase
contract wrong, the fast machinery made to differ from the reference, ...) to sim/ and
sim/registry/outputs.def, rebuilds the test binaries, runs the tests with ctest and reports each
mutant as KILLED (a test failed), SURVIVED (all tests passed) or INVALID (did not compile, or
the text to mutate was not found exactly once: the list needs updating after a change of sim/).
Every mutated file is restored with `git checkout` after each mutant, and on exit or interruption.

The default test set is every test binary that links the model (TEST_TARGETS), in two tiers:
the model-meaning tests (test_model_rules, test_rules_employment, test_model_accounts,
test_family_care: seconds) first, and only for a mutant they do not kill, the others (test_world,
test_employment, test_reference, test_contracts, test_levers, test_outputs, test_scenario). The
statistics of replicates (sim/stats/) are judged by test_stats then test_trial, the virtual
trials (sim/study/trial.cpp, sim/registry/trial_spec.cpp) by test_trial then test_stats, the
measure library (sim/model/measures.hpp) by test_measures and test_trial, then the model's (tiers_of).
Only the targets of a tier are rebuilt, with ninja, and ctest runs their tests (-j,
--stop-on-failure).

Tests of meaning, not only change detectors (--no-change-detectors): the pinned result hashes
(Reference.PinnedResultHashesOfTheShippedScenarios) fail at any change of results, and the docs
compared with the committed ones (Docs.*IsCurrent, Docs.*AreCurrent, Docs.ReadmeGivesTheValidationCount)
at any change of what they show: they tell that something changed, not that it is wrong. This
mode leaves them out (ctest -E CHANGE_DETECTORS), so that a mutant counts as KILLED only when a
test of what the model means fails; a mutant that only they would kill counts as SURVIVED, and is
reported as "only change detectors fail: ..." (they are run for each survivor), so that one run
gives both figures: the kill rate without the change detectors and with them.

Usage (from the repository root, after a first configure and build of `build/`):
    tools/mutants.py                       # every test binary that links the model (two tiers)
    tools/mutants.py --all                 # every target and the whole ctest suite
    tools/mutants.py --only 3,7-9          # some mutants, by number
    tools/mutants.py --grep '^\[housing\]'  # the mutants whose file or description matches a regex
    tools/mutants.py --list                # the mutants and whether their text is found
    tools/mutants.py --min-kill 0.9        # exit status 1 unless >= 90% of the valid ones are killed
    tools/mutants.py --grep '^\[meaning\]' --no-change-detectors --jobs 1   # the tests of meaning alone
Options: --build-dir DIR (default build), --jobs N (default 2), --timeout S (per test, 300),
--report FILE (a tab-separated line per mutant, written as each is known), --resume FILE (skip the
mutants an earlier report gives, and count them: a campaign of two hours split over several runs,
e.g. `--report /tmp/m.tsv --resume /tmp/m.tsv` again after an interruption),
--no-change-detectors (above).
Exit status: 0 when at least --min-kill (a fraction, default 0.9) of the valid mutants run are
killed; 1 when fewer are (or none is valid); 2 when the unmutated tree does not build or pass,
sim/ or output/ have uncommitted changes, or an argument is wrong.
Run time: the default run of all the mutants took about 77 minutes on 2 cores (2026-12-02) (most of it
rebuilding the model library; the model-meaning tests run in a few seconds, the second tier in
about a minute and only for a mutant the first does not kill); the 59 mutants of the housing
mechanisms (--grep '^\[housing\]') took about an hour, all killed by the first tier. The 41 defects of
meaning (--grep '^\[meaning\]' --no-change-detectors --jobs 1, 2026-12-07) took about 50 minutes
on 2 cores shared with another build (a statistics or trial defect 10-30 s, a rule's 1.5-2 min, a
headline window's 5 min: outputs.def rebuilds everything): killed 41 of 41 without the change
detectors, 41 of 41 with them. The whole list (232) in --no-change-detectors mode was run in
three parts on 2026-12-07 (docs/architecture.md, "Do the tests catch model defects?"): 232 of 232
killed, each defect in its latest form.

Each mutant is (file, old text, new text, occurrence, what): the occurrence-th (1-based) exact
occurrence of `old` in the file is replaced by `new`; `old` must occur exactly once unless an
occurrence is given (then at least that many times).
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time

R = "sim/model/rules.hpp"
RC = "sim/model/rules.cpp"
HZ = "sim/model/hazard.hpp"
W = "sim/engine/world.cpp"
E = "sim/engine/employment.cpp"
A = "sim/engine/accounting.cpp"
F = "sim/engine/fast.hpp"
M = "sim/model/measures.hpp"
REF = "sim/engine/reference.hpp"
OD = "sim/registry/outputs.def"
ST = "sim/stats/stats.cpp"
TR = "sim/study/trial.cpp"
TS = "sim/registry/trial_spec.cpp"
SC = "sim/registry/scenario.cpp"
FC = "sim/model/family_care.hpp"
CS = "sim/engine/census_slots.def"
CT = "sim/engine/counters.def"

MUTANTS = [
    # --- hazards: signs, covariates, declared ranges (sim/model/rules.hpp) ---
    (R, '{{{"health - 0.5", sc[G::exits_health_coef],', '{{{"health - 0.5", -sc[G::exits_health_coef],', 1,
     "exit hazard: health coefficient's sign flipped"),
    (R, 'sc[G::exits_health_coef], -0.5, 0.5}', 'sc[G::exits_health_coef], 0.0, 0.5}', 1,
     "exit hazard: health's declared range narrowed to [0, 0.5] (bound too low)"),
    (R, "p_evict = {hazard_p(evict_w * RentSubsidyRules(sc).eviction_factor), hazard_p(evict_w * income_f)};",
     "p_evict = {hazard_p(evict_w * RentSubsidyRules(sc).eviction_factor), hazard_p(evict_w)};", 1,
     "eviction: income effect dropped"),
    (R, "p_evict = {hazard_p(evict_w * RentSubsidyRules(sc).eviction_factor),", "p_evict = {hazard_p(evict_w),", 1,
     "[meaning] rent subsidy: the eviction factor not applied to the tenants it is paid to"),
    (R, "return (amount > 0) & (P.housing[p] == Housed) & !has_income(P, p);", "return (amount > 0) & (P.housing[p] == Housed);", 1,
     "[meaning] rent subsidy: paid to tenants with an income too"),
    (A, "if (counted_cost != 0) P_.cost[p] += counted_cost;", "(void)counted_cost;", 1,
     "[meaning] a cost counted per person by a rule left out of the persons' costs"),
    (R, "hazard_p(crisis_w * sc[G::life_health_crisis_mental_health_factor])", "hazard_p(crisis_w)", 1,
     "health crisis: mental illness no longer doubles it"),
    (R, "{{{hazard_p(loss_w), hazard_p(loss_w * income_f)},", "{{{hazard_p(loss_w), hazard_p(loss_w)},", 1,
     "Housing First tenancy loss: income dropped (people without mental illness)"),
    (R, '"self_efficacy - 0.5", sc[G::case_dropout_efficacy_coef]', '"self_efficacy - 0.5", -sc[G::case_dropout_efficacy_coef]', 1,
     "case drop-out: self-efficacy sign flipped"),
    (R, "std::log(std::max(max_activity, 1e-300))", "std::min(0.0, std::log(std::max(max_activity, 1e-300)))", 1,
     "contact hazard: activity's declared range capped at 1 (bound too low above normal activity)"),
    (R, "(mental_illness(P, p) ? shelter_acceptance_mh : 1.0)", "(mental_illness(P, p) ? 1.0 : 1.0)", 1,
     "shelter acceptance: mental illness no longer lowers it"),
    (R, "return {P.efficacy[p] - 0.5, mental_illness(P, p) ? 1.0 : 0.0};", "return {P.efficacy[p] - 0.5, 0.0};", 1,
     "shelter/transitional drop-out: mental illness dropped"),
    (R, "std::array{P.efficacy[p] - 0.5, P.health[p] - 0.5, case_time[t]}", "std::array{P.efficacy[p] - 0.5, 0.0, case_time[t]}", 1,
     "readiness: health covariate dropped"),
    (R, "std::array{indicator(!has_income(P, p)), P.efficacy[p] - 0.5, case_time[t]}", "std::array{0.0, P.efficacy[p] - 0.5, case_time[t]}", 1,
     "move-on: no-income effect dropped"),
    (R, "(stable(P.housing[p]) ? recovery_housed_factor : 1.f)", "1.f", 1,
     "health recovery: no longer doubled when stably housed"),
    # --- capacities and events (sim/engine/world.cpp, set_capacities) ---
    (R, "tv[T::transitional_places] * scale * f(transitional_places);", "tv[T::transitional_places] * scale * f(shelter_beds);", 1,
     "transitional places scaled by the shelter_beds event factor"),
    (R, "sc[G::housing_first_caseload] * scale * f(hf_flats);", "sc[G::housing_first_caseload] * scale * f(case_workers);", 1,
     "Housing First support slots scaled by the case_workers event factor"),
    (R, "(sc[G::network_partners] - 1)", "sc[G::network_partners]", 1,
     "network overhead counted for every partner, the first included"),
    # --- employment ---
    (R, "return clamp01(employability + training_gain); }", "return clamp01(employability); }", 1,
     "training gain not applied"),
    (R, "me * (P.employability[p] - 0.5)", "me * (0.5 - P.employability[p])", 1, "matching acceptance: employability sign flipped"),
    (R, "((F.flags[f] & FfNonProfit) ? mnp : 0.0) + (cpi_link(disabled(P, p), F, f)", "0.0 + (cpi_link(disabled(P, p), F, f)", 1,
     "matching acceptance: non-profit effect dropped"),
    (R, " + (quota_hire(P, p, F, f) ? hq : 0.0)", "", 1, "hiring decision: quota effect dropped"),
    (R, "indicator(programme && tenure < fu_len)", "0.0", 1, "job loss: follow-up effect dropped"),
    (R, "            log_hiring[P.territory[p]]};", "            0.0};", 1,
     "open-market job finding: hiring factor dropped"),
    (R, '"self_efficacy - 0.5", sc[G::employment_discouragement_efficacy_coef]',
     '"self_efficacy - 0.5", -sc[G::employment_discouragement_efficacy_coef]', 1, "discouragement: self-efficacy sign flipped"),
    (R, "return std::array{P.efficacy[p] - 0.5, flexible_hours ? 0.0",
     "return std::array{0.0, flexible_hours ? 0.0", 1, "internship drop-out: self-efficacy dropped"),
    (RC, "openness += sc[G::cpi_incentive_openness];", "openness += 0;", 1, "CPI incentive information no longer raises openness"),
    # --- accounts ---
    (R, "const float day = 7.f;", "const float day = 6.f;", 1, "housing costs counted on 6 days a week"),
    (CS, 'STOCK(KOrientation, people_orientation, "people in orientation (with those waiting for a training seat)")\nSTOCK(KWaitingSeat, people_waiting_training_seat, "orientation over, waiting for a training seat")\nSTOCK(KTraining, people_training,',
     'STOCK(KOrientation, people_training, "people in orientation (with those waiting for a training seat)")\nSTOCK(KWaitingSeat, people_waiting_training_seat, "orientation over, waiting for a training seat")\nSTOCK(KTraining, people_orientation,', 1,
     "series people_orientation and people_training swapped"),
    (A, "icol(C::job_spells, [&](std::size_t p) { return P_.spells[p]; });", "icol(C::job_spells, [&](std::size_t p) { return P_.rounds[p]; });", 1,
     "person column job_spells written from rounds"),
    (R, "sc[G::costs_internship_indemnity_per_month] * 12.0 / 52.0", "sc[G::costs_internship_indemnity_per_month] * 12.0 / 50.0", 1,
     "internship indemnity per week over 50 weeks"),
    (A, "static_cast<double>(ct[KFollowUp]) * cost.follow_up}", "static_cast<double>(ct[KFollowUp]) * cost.case_week}", 1,
     "follow-up cost at the case-management unit cost"),
    (R, "network_fees = sc[G::network_partners] * sc[G::costs_partner_management_per_week];",
     "network_fees = sc[G::costs_partner_management_per_week];", 1,
     "network cost: the management fee of one partner instead of every partner's"),
    (A, "if (measures::closes(P_.entry[p], week_, k12mWeeks)) P_.housing_12m[p] = h, P_.work_12m[p] = w,",
     "if (measures::closes(P_.entry[p], week_, k12mWeeks + 1)) P_.housing_12m[p] = h, P_.work_12m[p] = w,", 1,
     "housing and work at 12 months taken a week late"),
    # --- declared ranges (bounds), activity and hiring factors, efficacy, attributes ---
    (R, "sc[G::step_readiness_health_coef], -0.5, 0.5}", "sc[G::step_readiness_health_coef], -0.5, 0.25}", 1,
     "readiness: health's declared range narrowed to [-0.5, 0.25] (bound too low)"),
    (R, '{"mental illness", sc[G::step_dropout_mental_health_coef], 0, 1}', '{"mental illness", sc[G::step_dropout_mental_health_coef], 0, 0}', 1,
     "step drop-out: mental illness's declared range [0, 0] (dropped from the bound)"),
    (R, "sc[G::case_dropout_efficacy_coef], -0.5, 0.5}", "sc[G::case_dropout_efficacy_coef], -0.5, 0.0}", 1,
     "case drop-out: self-efficacy's declared range narrowed to [-0.5, 0] (bound too low)"),
    (R, "sc[G::employment_follow_up_effect] * sc[G::employment_follow_up_intensity], 0, 1}",
     "sc[G::employment_follow_up_effect] * sc[G::employment_follow_up_intensity], 0, 0}", 1,
     "job loss: follow-up's declared range [0, 0] (dropped from the bound)"),
    (R, "std::log(std::max(max_hiring, 1e-300))", "std::min(0.0, std::log(std::max(max_hiring, 1e-300)))", 1,
     "open-market job finding: hiring factor's declared range capped at 1 (bound too low when hiring is raised)"),
    (E, "units(scouting.firms_per_week * ts.activity, week_)", "units(scouting.firms_per_week * ts.hiring, week_)", 1,
     "scouting reach scaled by the hiring factor instead of activity"),
    (R, "hazard_p(match_w * f * activity[P.territory[p]])", "hazard_p(match_w * f * hiring[P.territory[p]])", 1,
     "matching rate scaled by the hiring factor instead of activity"),
    (E, "scouting.vacancies_mean(ts.size_cum.back(), ts.hiring);", "scouting.vacancies_mean(ts.size_cum.back(), ts.activity);", 1,
     "vacancy arrivals scaled by activity instead of hiring"),
    (R, "p_move_in.push_back(hazard_p(move_in_w * a));", "p_move_in.push_back(hazard_p(move_in_w));", 1, "Housing First move-in: activity dropped"),
    (R, "tv[T::training_seats] * scale * f(activity);", "tv[T::training_seats] * scale * f(hiring);", 1,
     "training seats scaled by the hiring factor"),
    (R, "return (c == Waiting) | ((c == Unknown) & in_need(P, p));", "return (c == Waiting);", 1,
     "no loss of self-efficacy while homeless without a plan"),
    (R, "case EfficacyEvent::Hired: return clamp01(efficacy + success_gain);", "case EfficacyEvent::Hired: return clamp01(efficacy);", 1,
     "no gain of self-efficacy at a hire"),
    (R, "bool tries_again(int rounds) const { return reiterate && rounds <= max_rounds; }",
     "bool tries_again(int rounds) const { return rounds <= max_rounds; }", 1, "employment.reiterate ignored"),
    (RC, "{{G::population_groups_disability, GDisability},\n                                        {G::population_groups_mental_health, GMentalHealth},",
     "{{G::population_groups_mental_health, GDisability},\n                                        {G::population_groups_disability, GMentalHealth},", 1,
     "disability and mental illness drawn with each other's probability"),
    (W, "set_housing(r.person, Housed, t);\n      P_.efficacy[r.person] = efficacy.after(Rehoused, P_.efficacy[r.person]);",
     "set_housing(r.person, Housed, t);\n      P_.efficacy[r.person] = P_.efficacy[r.person];", 2,
     "no gain of self-efficacy at a move-on to an own tenancy (the second such move: the first is a social let)"),
    (A, "w.at(t, CFlow0 + a * kHousingStates + b)", "w.at(t, CFlow0 + b * kHousingStates + a)", 1, "housing flow series transposed"),
    (CS, 'STOCK(KQueueSocial, queue_social, "waiting for the social assessment")\nSTOCK(KQueueCpi, queue_cpi, "waiting for the job-centre assessment (separate access points only)")\nSTOCK(KQueueCase, queue_case,',
     'STOCK(KQueueSocial, queue_case, "waiting for the social assessment")\nSTOCK(KQueueCpi, queue_cpi, "waiting for the job-centre assessment (separate access points only)")\nSTOCK(KQueueCase, queue_social,', 1, "series queue_social and queue_case swapped"),
    (A, "put(S::capacity_case_slots, std::floor(ts.case_slots));", "put(S::capacity_case_slots, std::floor(ts.hf_slots));", 1,
     "capacity_case_slots written from the HF slots"),
    (A, "icol(C::weeks_employed, [&](std::size_t p) { return P_.weeks_employed[p]; });",
     "icol(C::weeks_employed, [&](std::size_t p) { return P_.weeks_employed_after_first[p]; });", 1,
     "person column weeks_employed from the wrong field"),
    (R, "case HousingEvent::Eviction:\n      case HousingEvent::TenancyLoss: efficacy -= loss; break;",
     "case HousingEvent::Eviction: break;\n      case HousingEvent::TenancyLoss: efficacy -= loss; break;", 1,
     "no loss of self-efficacy at an eviction"),
    (R, "return u / hf_loss_p(P, p) < rehousing;", "return u / hf_loss_p(P, p) >= rehousing;", 1,
     "Housing First rehousing probability inverted"),
    (R, "std::array{indicator(tenure < early),", "std::array{0.0,", 1, "job loss: early factor dropped"),
    (R, "mf * icf_keep * P.functioning[p]", "-mf * icf_keep * P.functioning[p]", 1, "matching acceptance: functioning sign flipped"),
    (R, '"self_efficacy - 0.5", sc[G::access_contact_efficacy_coef]', '"self_efficacy - 0.5", -sc[G::access_contact_efficacy_coef]', 1,
     "contact hazard: self-efficacy sign flipped"),
    (R, "((c == Closed) & (in_case >= recontact))", "((c == Closed) & (in_case > recontact))", 1, "recontact a week late"),
    (R, "static_cast<double>(scouted) * scouting_hours_per_firm * provider_hour;",
     "static_cast<double>(scouted) * provider_hour;", 1, "scouting cost without the hours per firm"),
    (R, "static_cast<double>(cpi) * assessment;", "static_cast<double>(cpi) * 0.0;", 1,
     "assessment cost without the job-centre assessments"),
    (R, "he * (P.employability[p] - 0.5)", "0.0", 1, "hiring decision: employability dropped"),
    # --- timings, thresholds, capacities in use, headline ---
    (R, "sc[G::employment_internship_dropout_efficacy_coef], -0.5, 0.5}", "sc[G::employment_internship_dropout_efficacy_coef], 0.0, 0.0}", 1,
     "internship drop-out: self-efficacy's declared range [0, 0] (dropped from the bound)"),
    (R, "(week - P.housing_since[p] >= hf_len)", "(week - P.housing_since[p] > hf_len)", 1, "Housing First graduation a week late"),
    (R, "in_charge && stay >= shelter_min", "in_charge && stay > shelter_min", 1, "shelter minimum stay a week longer"),
    (W, "free_of(ts.shelter_beds, Shelter) > 0 ? Shelter : Street", "Street", 1, "transitional drop-out always to the street"),
    (R, "static_cast<std::int64_t>(std::floor(support_slots)));", "static_cast<std::int64_t>(std::floor(flats + 0 * support_slots)));", 1,
     "Housing First capacity ignores the support slots"),
    (W, "std::int64_t lets = units(ts.lets, week_);", "std::int64_t lets = units(ts.lets + 1, week_);", 1, "one let a week too many"),
    (R, "((c == FollowUp) & (in_case >= fu_len))", "((c == FollowUp) & (in_case > fu_len))", 1, "follow-up closed a week late"),
    (E, "F_.openness[f] = firm_rule.openness_after(rules::FirmOutcome::Scouted, F_.openness[f]);", "F_.openness[f] = F_.openness[f];", 2,
     "scouting no longer raises openness (firms scouted during the run)"),
    (R, "return employability < threshold; }", "return employability > threshold; }", 1, "training for people above the threshold"),
    (A, "if (week_ - P_.first_job[p] < kAfterFirstJobWeeks) P_.weeks_employed_after_first[p]++;",
     "if (week_ - P_.first_job[p] <= kAfterFirstJobWeeks) P_.weeks_employed_after_first[p]++;", 1, "weeks employed after the first job: window a week too long"),
    (A, "(ph == EpEmployed) & (tenure == kHeld6Weeks)", "(ph == EpEmployed) & (tenure == kHeld6Weeks - 1)", 1, "jobs held 6 months counted a week early"),
    (A, "headline(H::stably_housed_12m) = s12.value();", "headline(H::stably_housed_12m) = s24.value();", 1,
     "headline stably_housed_12m from the 24-month counts"),
    (R, "P.age[p] + (week - P.entry[p]) / 52 >= age_out", "P.age[p] + (week - P.entry[p]) / 52 > age_out", 1, "ageing out a year late"),
    (R, "(cpi_link(disabled(P, p), F, f) ? mcpi : 0.0)", "0.0", 1, "matching acceptance: CPI link dropped"),
    (W, "if (!s.chance(rule.hf_acceptance)) {", "if (false) {", 1, "Housing First offers always accepted"),
    (R, "{hazard_p(loss_w * mh_f), hazard_p(loss_w * income_f * mh_f)}", "{hazard_p(loss_w), hazard_p(loss_w * income_f * mh_f)}", 1,
     "Housing First tenancy loss: mental illness dropped (people without income)"),
    # === new mutants for the new structure ===
    # --- hazard machinery: the bound derived from the declared ranges (sim/model/hazard.hpp) ---
    (HZ, "return std::max(coef * lo, coef * hi);", "return coef * hi;", 1,
     "hazard bound: a covariate's largest term taken at the top of its range (too low for negative coefficients)"),
    (HZ, "p_max_ = hazard_p(base_ * std::exp(m));", "p_max_ = hazard_p(base_);", 1, "hazard bound: the covariates left out of the bound"),
    # --- more rules ---
    (R, "P.health0[p] < static_cast<float>(sc[G::housing_first_high_need_health])", "P.health0[p] > static_cast<float>(sc[G::housing_first_high_need_health])", 1,
     "Housing First eligibility: high need by health inverted"),
    (R, "return stable(P.housing[p]) & (week - housed_since >= fu_after) & !pathway;", "return stable(P.housing[p]) & (week - housed_since >= fu_after) & !(pathway & false);", 1,
     "the plan moves to follow-up with an employment pathway under way"),
    (R, "per_pathway_step[EpTraining] = training;", "per_pathway_step[EpTraining] = orientation;", 1,
     "cost table: a training week billed at the orientation unit cost (per person)"),
    (R, "per_case_state[InCharge] = per_case_state[FollowUp] = case_week;", "per_case_state[InCharge] = per_case_state[Assessed] = case_week;", 1,
     "cost table: case management billed to assessed people instead of people in follow-up (per person)"),
    (R, "static_cast<float>(sc[G::costs_transitional_per_day]) * day, static_cast<float>(sc[G::costs_housing_first_per_day]) * day",
     "static_cast<float>(sc[G::costs_housing_first_per_day]) * day, static_cast<float>(sc[G::costs_transitional_per_day]) * day", 1,
     "cost table: transitional and Housing First daily costs swapped"),
    # --- the weekly script (sim/engine/world.cpp): events, set_capacities, phases ---
    (R, "w >= e[E::start] && w < e[E::end]", "w >= e[E::start] && w <= e[E::end]", 1, "events last a week longer than their window"),
    (R, "(en.empty() || en == sc.territory_name(t))", "(en.empty() || t >= 0)", 1, "an event on one territory acts on every territory"),
    (R, "tv[T::cpi_assessment_capacity] * scale * f(assessment_capacity);", "tv[T::cpi_assessment_capacity] * scale * f(case_workers);", 1,
     "job-centre assessments scaled by the case_workers event factor"),
    (W, "void World::events() { set_capacities(week_ + 1); }", "void World::events() { set_capacities(week_); }", 1,
     "events set this week's capacities again (next week's capacities a week late)"),
    (W, '"efficacy", "work", "territories", "tally"}},\n      {"scouting_and_firms"', '"work", "territories", "tally"}},\n      {"scouting_and_firms"', 1,
     "contract: housing_pathway does not declare that it writes efficacy"),
    (W, "measures::returned_within(P_.first_stable[p], week_, kReturnWindow)", "measures::returned_within(P_.first_stable[p], week_, kReturnWindow - 1)", 1,
     "return to the street in the 52nd week after first stable housing not counted"),
    (W, "- ts.cases[InCharge] - ts.cases[FollowUp] + ts.hf_team_cases", "- ts.cases[InCharge] + ts.hf_team_cases", 1, "cases in follow-up do not take case-worker slots"),
    (W, "if (P_.emp_phase[p] == EpOut) P_.emp_phase[p] = EpNone;", "", 1, "a new plan does not restart an ended pathway"),
    # --- employment (sim/engine/employment.cpp) ---
    (R, "bool tries_again(int rounds) const { return reiterate && rounds <= max_rounds; }",
     "bool tries_again(int rounds) const { return reiterate && rounds < max_rounds; }", 1,
     "one reiteration round fewer than employment.max_rounds"),
    (E, "hire(p, f, false, efficacy_rule, t);", "hire(p, f, true, efficacy_rule, t);", 1, "open-market hires counted as programme hires"),
    (E, "std::int64_t seats = static_cast<std::int64_t>(std::floor(ts.training_seats)) - ts.in_training;",
     "std::int64_t seats = static_cast<std::int64_t>(std::floor(ts.training_seats));", 1, "training seats taken by people in training not counted"),
    # --- accounting ---
    (A, "static_cast<double>(ct[KOrientation] - ct[KWaitingSeat]) * cost.orientation", "static_cast<double>(ct[KOrientation]) * cost.orientation", 1,
     "orientation billed while waiting for a training seat (series)"),
    (A, "if (measures::closes(P_.entry[p], week_, k24mWeeks)) P_.housing_24m[p] = h, P_.work_24m[p] = w;",
     "if (measures::closes(P_.entry[p], week_, k24mWeeks)) P_.housing_24m[p] = h, P_.work_24m[p] = h;", 1,
     "work at 24 months written from the housing state"),
    # --- fast machinery against the reference (sim/engine/fast.hpp, sim/engine/reference.hpp) ---
    (F, "Stream s = batched_stream(w.key_, ids[j], week, purpose, blocks, j);",
     "Stream s = batched_stream(w.key_, ids[j], week, purpose, blocks, (j + 1) % kBatch);", 1, "fast engine: batched stream lane off by one"),
    (F, "with_streams(ids.data() + b * kBlock, ids.data() + std::min(n, (b + 1) * kBlock), purpose, want,",
     "with_streams(ids.data() + b * kBlock, ids.data() + std::min(n - 1, (b + 1) * kBlock), purpose, want,", 1,
     "fast engine: the last person skipped in per-person phases"),
    (F, "fn(static_cast<std::uint32_t>(ts.firm_begin + firm_from_guess(ts.size_cum, at[j], x[j])));",
     "fn(static_cast<std::uint32_t>(ts.firm_begin + at[j]));", 1, "fast vacancy arrivals: the guide's firm taken without the search"),
    (E, "while (i < cum.size() && cum[i] <= x) ++i;\n  return i;", "while (i < cum.size() && cum[i] < x) ++i;\n  return i;", 1,
     "vacancy-arrival guide search: a draw on a firm's upper edge stays with that firm (off by one)"),
    (F, "std::sort(keyed.begin(), mid);", "std::sort(keyed.begin() + (top > 1), mid);", 1,
     "fast partial ranking: the best firm left out of the sort"),
    # === housing mechanisms: institutions (entry, release, the flat or tenancy held), family
    # reconnection, private lets, the social-housing list, case-worker time, Housing First
    # non-takers (run them alone with --grep '^\[housing\]') ===
    # --- family reconnection (sim/model/rules.hpp) ---
    (R, '{"years over life.reconnection_age_from", sc[G::life_reconnection_age_coef],',
     '{"years over life.reconnection_age_from", -sc[G::life_reconnection_age_coef],', 1,
     "[housing] reconnection: age's sign flipped"),
    (R, "const int age = P.age[p] + (week - P.entry[p]) / 52;\n      return std::array{static_cast<double>(std::max(0, age - reconnection_age_from)),",
     "const int age = P.age[p] + (week - week) / 52;\n      return std::array{static_cast<double>(std::max(0, age - reconnection_age_from)),", 1,
     "[housing] reconnection: the age at entry read instead of the age now"),
    (R, "reconnection_age_from = static_cast<int>(sc[G::life_reconnection_age_from]);",
     "reconnection_age_from = static_cast<int>(sc[G::life_reconnection_age_from]) + 5;", 1,
     "[housing] reconnection: years of age counted from five years past life.reconnection_age_from"),
    (R, "indicator(in_group(P, p, GCareLeaver) || in_group(P, p, GViolenceVictim))", "indicator(in_group(P, p, GCareLeaver))", 1,
     "[housing] reconnection: victims of violence dropped from the estranged covariate"),
    (R, "indicator(in_group(P, p, GMigrant)), indicator(P.flags[p] & FChronic), P.efficacy[p] - 0.5};",
     "0.0, indicator(P.flags[p] & FChronic), P.efficacy[p] - 0.5};", 1, "[housing] reconnection: migrant dropped"),
    (R, '{"chronically homeless", sc[G::life_reconnection_chronic_coef],', '{"chronically homeless", -sc[G::life_reconnection_chronic_coef],', 1,
     "[housing] reconnection: chronic homelessness's sign flipped"),
    (R, "indicator(P.flags[p] & FChronic), P.efficacy[p] - 0.5};", "indicator(P.flags[p] & FChronic), 0.0};", 1,
     "[housing] reconnection: self-efficacy dropped"),
    (R, 'sc[G::life_reconnection_efficacy_coef], -0.5, 0.5}', 'sc[G::life_reconnection_efficacy_coef], -0.5, 0.0}', 1,
     "[housing] reconnection: self-efficacy's declared range narrowed to [-0.5, 0] (bound too low)"),
    # --- institution entry and release ---
    (R, "        {indicator(mental_illness(P, p)), indicator(in_group(P, p, GSubstanceUse)), P.health[p] - 0.5, ", "        {0.0, indicator(in_group(P, p, GSubstanceUse)), P.health[p] - 0.5, ", 1,
     "[housing] health institution entry: mental illness dropped"),
    (R, '{"substance use", sc[G::institution_health_substance_use_coef],', '{"substance use", -sc[G::institution_health_substance_use_coef],', 1,
     "[housing] health institution entry: substance use's sign flipped"),
    (R, '{"health - 0.5", sc[G::institution_health_health_coef],', '{"health - 0.5", -sc[G::institution_health_health_coef],', 1,
     "[housing] health institution entry: health's sign flipped"),
    (R, "prison.p({indicator(in_group(P, p, GExOffender)), ", "prison.p({0.0, ", 1, "[housing] prison entry: ex-offender dropped"),
    (R, "indicator(in_group(P, p, GSubstanceUse))});", "indicator(mental_illness(P, p))});", 1,
     "[housing] prison entry: mental illness read in place of substance use"),
    (R, "if (u >= health_institution.p_max() + prison.p_max())", "if (u >= health_institution.p_max())", 1,
     "[housing] institution entry screened on the health institution's bound alone (prison cut short)"),
    (R, "return u - p_health < p_prison ?", "return u < p_prison ?", 1,
     "[housing] prison entry drawn on the health institution's interval (probability p_prison - p_health)"),
    (R, "hazard_p(1.0 / sc[G::institution_justice_stay])", "hazard_p(1.0 / sc[G::institution_health_stay])", 1,
     "[housing] release from prison at the mean stay of a health institution"),
    (R, "p_release_team : p_release)[P.inst_kind[p]]", "p_release_team : p_release)[InstHealth]", 1, "[housing] release: the kind of institution ignored"),
    (W, "P_.inst_kind[p] = e == EnterHealth ? InstHealth : e == EnterPsychiatric ? InstPsychiatric : InstJustice;", "P_.inst_kind[p] = InstHealth;", 1,
     "[housing] every stay recorded as a health institution's"),
    (W, "const bool moved = inst != rules::InstitutionEvent::None && inst != rules::InstitutionEvent::HoldLost;", "const bool moved = false;", 1,
     "[housing] a housing event in the week of a release (two housing changes a week)"),
    (W, "set_housing(p, P_.inst_from[p], t);", "set_housing(p, Street, t);", 1, "[housing] release always to the street (the housing held ignored)"),
    # --- the flat or tenancy held during a stay ---
    (R, "(held == HfFlat && stay >= hf_keep)", "(held == HfFlat && stay > hf_keep)", 1,
     "[housing] Housing First flat held a week past housing_first.institution_keep"),
    (R, "(held == Housed && stay >= tenancy_keep)", "(held == Housed && stay + 1 >= tenancy_keep)", 1,
     "[housing] own tenancy lost a week before institution.tenancy_keep"),
    (R, "tenancy_keep = weeks_of(sc[G::institution_tenancy_keep]);\n    hf_keep = weeks_of(sc[G::housing_first_institution_keep]);",
     "tenancy_keep = weeks_of(sc[G::housing_first_institution_keep]);\n    hf_keep = weeks_of(sc[G::institution_tenancy_keep]);", 1,
     "[housing] keep periods of a Housing First flat and an own tenancy swapped"),
    (R, "return stable(h) ? h : static_cast<std::uint8_t>(Street);", "return h;", 1,
     "[housing] a shelter bed or transitional place held during a stay"),
    (R, "return stable(h) ? h : static_cast<std::uint8_t>(Street);", "return h == Housed ? h : static_cast<std::uint8_t>(Street);", 1,
     "[housing] a Housing First flat not held during a stay"),
    (W, "      if (P_.housing[p] == HfFlat) t.at(k, CHfHeldDelta)++;\n", "", 1,
     "[housing] a flat held during a stay not counted in hf_held"),
    (W, "    case HoldLost:\n      if (P_.inst_from[p] == HfFlat) t.at(k, CHfHeldDelta)--;", "    case HoldLost:", 1,
     "[housing] a flat given up after the keep period still counted in hf_held"),
    (W, "      P_.inst_from[p] = Street;\n      return;",
     "      P_.inst_from[p] = Street;\n      P_.flags[p] &= static_cast<std::uint8_t>(~FHfTrack);\n      return;", 1,
     "[housing] a tenant whose flat is given up leaves the Housing First track"),
    (W, " + ts.hf_held + t.at(k, CHfHeldDelta);", ";", 1, "[housing] held flats offered to others (not counted against the flats)"),
    # --- private lets ---
    (R, '{"has a job", sc[G::rehousing_private_job_coef],', '{"has a job", -sc[G::rehousing_private_job_coef],', 1,
     "[housing] private lets: a job's sign flipped"),
    (R, "return std::array{indicator(P.work[p] == Employed), P.efficacy[p] - 0.5,", "return std::array{indicator(P.work[p] == Employed), 0.0,", 1,
     "[housing] private lets: self-efficacy dropped"),
    (R, '{"migrant", sc[G::rehousing_private_migrant_coef],', '{"migrant", -sc[G::rehousing_private_migrant_coef],', 1,
     "[housing] private lets: migrant's sign flipped"),
    (R, "                               indicator(mental_illness(P, p)), indicator(rent_assisted(u_assisted))};", "                               0.0, indicator(rent_assisted(u_assisted))};", 1,
     "[housing] private lets: mental illness dropped"),
    (R, "return has_income(P, p) && private_let.hit(", "return private_let.hit(", 1, "[housing] private lets found with no income"),
    # --- the social-housing list ---
    (R, "return P.intake[p] - (priority ? priority_disability : 0) - ((P.flags[p] & FFemale) ? priority_female : 0);",
     "return -(P.intake[p] - (priority ? priority_disability : 0) - ((P.flags[p] & FFemale) ? priority_female : 0));", 1,
     "[housing] social-housing list served in reverse order"),
    (R, "return P.intake[p] - (priority ? priority_disability : 0)", "return P.intake[p] + (priority ? priority_disability : 0)", 1,
     "[housing] social-housing list: the disability priority credit counted against the person"),
    (R, "const bool priority = disabled(P, p) || in_group(P, p, GViolenceVictim);", "const bool priority = disabled(P, p);", 1,
     "[housing] social-housing list: victims of violence without priority"),
    (R, "((P.flags[p] & FFemale) ? priority_female : 0)", "0", 1, "[housing] social-housing list: women's priority credit dropped"),
    (R, "u_resident() < social_migrant_eligible", "u_resident() >= social_migrant_eligible", 1,
     "[housing] social-housing list: migrants' eligibility share inverted"),
    (R, "return homeless(P.housing[p]) && P.kase[p] == InCharge && ", "return homeless(P.housing[p]) && ", 1,
     "[housing] social-housing list open to people not in charge"),
    (R, " && !(hf_model && (P.flags[p] & FHfTrack)) &&", " &&", 1, "[housing] social-housing list open to people on the Housing First track"),
    (F, "blocks.compute(w.key_, ids, 0, purpose);", "blocks.compute(w.key_, ids, static_cast<std::uint32_t>(w.week_), purpose);", 1,
     "[housing] the draws fixed for a stay (residence requirement, rent assistance) keyed by the week first asked, not week 0"),
    (W, "std::int64_t social = units(ts.social_lets, week_);", "std::int64_t social = units(ts.social_lets + 1, week_);", 1,
     "[housing] one social let a week too many"),
    # --- case-worker time, move-on ---
    (R, "return readiness[t].hit(u, [&] { return std::array{P.efficacy[p] - 0.5, P.health[p] - 0.5, case_time[t]}; });",
     "return readiness[t].hit(u, [&] { return std::array{P.efficacy[p] - 0.5, P.health[p] - 0.5, 0.0}; });", 1,
     "[housing] readiness: case time ignored"),
    (R, "std::array{indicator(!has_income(P, p)), P.efficacy[p] - 0.5, case_time[t]}",
     "std::array{indicator(!has_income(P, p)), P.efficacy[p] - 0.5, 0.0}", 1,
     "[housing] move-on: case time ignored"),
    (R, 'const Covariate time{"case time", sc[G::step_case_time_coef],', 'const Covariate time{"case time", -sc[G::step_case_time_coef],', 1,
     "[housing] case time's sign flipped"),
    (R, "kMinPersonsPerWorker = 5, kMaxPersonsPerWorker = 200;", "kMinPersonsPerWorker = 5, kMaxPersonsPerWorker = 100;", 1,
     "[housing] case time: persons per worker capped at 100 instead of 200"),
    (R, "kMinPersonsPerWorker = 5, kMaxPersonsPerWorker = 200;", "kMinPersonsPerWorker = 2, kMaxPersonsPerWorker = 200;", 1,
     "[housing] case time: persons per worker floored at 2 instead of 5"),
    (R, "persons, slots / sc[G::case_caseload]);", "persons, slots);", 1, "[housing] case time: case slots taken for case workers"),
    (W, "static_cast<double>(ts.cases[InCharge] + ts.cases[FollowUp] - ts.hf_team_cases)", "static_cast<double>(ts.cases[InCharge] - ts.hf_team_cases)", 1,
     "[housing] case time: people in follow-up not counted"),
    (R, '{"self_efficacy - 0.5", sc[G::step_move_on_efficacy_coef],', '{"self_efficacy - 0.5", -sc[G::step_move_on_efficacy_coef],', 1,
     "[housing] move-on: self-efficacy's sign flipped"),
    # --- Housing First non-takers, institutions and work, substance use, costs ---
    (W, "        P_.flags[r.person] &= static_cast<std::uint8_t>(~FHfTrack);\n        continue;", "        continue;", 1,
     "[housing] Housing First non-takers kept on the track"),
    (R, "return P.housing[p] != Institution && u < hazard_p(", "return u < hazard_p(", 1, "[housing] people in an institution proposed to firms"),
    (R, "return hiring[P.territory[p]] > 0 && P.housing[p] != Institution &&", "return hiring[P.territory[p]] > 0 &&", 1,
     "[housing] people in an institution find open-market jobs"),
    (RC, "if (s.chance(sc[G::population_groups_substance_use])) P.groups[id] |= GSubstanceUse;",
     "if (s.chance(sc[G::population_groups_ex_offender])) P.groups[id] |= GSubstanceUse;", 1,
     "[housing] substance use drawn with the ex-offenders' probability"),
    (R, "institution = {static_cast<float>(sc[G::costs_health_institution_per_day]) * day, static_cast<float>(sc[G::costs_prison_per_day]) * day,",
     "institution = {static_cast<float>(sc[G::costs_prison_per_day]) * day, static_cast<float>(sc[G::costs_health_institution_per_day]) * day,", 1,
     "[housing] cost table: health institution and prison daily costs swapped"),
    (R, "(h == Institution ? institution[kind] : housing[h])", "(h == Institution ? institution[kind * 0 + InstHealth] : housing[h])", 1,
     "[housing] a week in prison billed at the health institution's cost (per person)"),
    (A, "ct[KPrison] - ct[KPsychiatric]) * cost.institution[InstHealth]",
     "ct[KPrison] - ct[KPsychiatric]) * cost.institution[InstJustice]", 1,
     "[housing] series cost_institution_health at the prison's daily cost"),
    (A, "ct[KPrison] += (h == Institution) & (kind == InstJustice);", "ct[KPrison] += (h == Institution) & (kind == InstHealth);", 1,
     "[housing] series: health institution stays counted as prison"),
    # --- the Housing First team and housing's effect on hospital use (this round) ---
    (R, "return (P.housing[p] == HfFlat) | ((P.housing[p] == Institution) & (P.inst_from[p] == HfFlat));",
     "return (P.housing[p] == HfFlat);", 1, "[housing] Housing First team: tenants lose its support during an institution stay"),
    (R, "(hf_team ? 0.f : per_case_state[c])", "(hf_team ? per_case_state[c] : per_case_state[c])", 1, "[housing] Housing First tenants also billed for case management"),
    (W, "- ts.cases[InCharge] - ts.cases[FollowUp] + ts.hf_team_cases +", "- ts.cases[InCharge] - ts.cases[FollowUp] +", 1,
     "[housing] Housing First tenants take case-worker slots again"),
    (R, "P.health[p] - 0.5, indicator(homeless(P.housing[p]))});", "P.health[p] - 0.5, indicator(stable(P.housing[p]))});", 1,
     "[housing] health institution entry: the housed get the homeless term"),
    (R, '{"homeless", sc[G::institution_health_homeless_coef], 0, 1}}}),', '{"homeless", sc[G::institution_health_homeless_coef], 0, 0}}}),', 1,
     "[housing] health institution entry: homelessness's declared range [0, 0] (bound too low)"),
    (CS, "STOCK(KPrison, people_in_prison,", "SLOT(KPrison, 1,", 1,
     "series people_in_prison not recorded from its census slot"),
    # --- the output table (sim/registry/outputs.def) ---
    (OD, "OUTPUT(Person, job_spells, Int32,", "OUTPUT(Person, job_spells, Float64,", 1, "output table: job_spells declared Float64"),
    # === tests of meaning, not only change detectors (issue 22, point 7): statistics of replicates,
    # trial measures and files, calendar dates, headline windows, conditions of rules and of the
    # family-care service (run them alone with --grep '^\[meaning\]' --no-change-detectors) ===
    # --- statistics of replicates (sim/stats/stats.cpp) ---
    (ST, "quantile(boost::math::students_t(df), 0.975)", "quantile(boost::math::students_t(df), 0.95)", 1,
     "[meaning] stats: the t quantile of a two-sided 90% interval (0.95) taken for the 95% one"),
    (ST, "bounds(s, t975(n - 1), sd / std::sqrt(double(n)), range, false);", "bounds(s, t975(n), sd / std::sqrt(double(n)), range, false);", 1,
     "[meaning] stats: the interval of a mean with n degrees of freedom instead of n - 1"),
    (ST, "sd = xs.size() > 1 ? std::sqrt(ss / (n - 1)) : kNaN;", "sd = xs.size() > 1 ? std::sqrt(ss / n) : kNaN;", 1,
     "[meaning] stats: the standard deviation with divisor n instead of n - 1"),
    (ST, "if (ra[i] == rb[j] && !std::isnan(a[i])", "if (i == j && !std::isnan(a[i])", 1,
     "[meaning] stats: paired differences paired by position instead of by replicate index"),
    (ST, "  if (paired) {", "  if (false) {", 1,
     "[meaning] stats: a paired difference computed unpaired (Welch) under common random numbers"),
    (ST, "(va * va / double(a.size() - 1) + vb * vb / double(b.size() - 1))", "(va * va / double(a.size()) + vb * vb / double(b.size()))", 1,
     "[meaning] stats: Welch-Satterthwaite degrees of freedom with n instead of n - 1"),
    (ST, "vb = sb * sb / double(b.size());", "vb = sb * sb / double(a.size());", 1,
     "[meaning] stats: Welch: the second sample's variance of the mean over the first sample's size"),
    (ST, "d.mean = mb - ma;", "d.mean = ma - mb;", 1, "[meaning] stats: an unpaired difference b - a computed as a - b"),
    (ST, "return std::fabs(d.mean) >= mid ? Verdict::Important", "return std::fabs(d.mean) > mid ? Verdict::Important", 1,
     "[meaning] stats: a difference of exactly the MID (interval excluding zero) called negligible"),
    (ST, "(d.ci_low > -mid && d.ci_high < mid) ? Verdict::Negligible", "(d.ci_low > -mid || d.ci_high < mid) ? Verdict::Negligible", 1,
     "[meaning] stats: negligible when either bound, not both, is within the MID"),
    (ST, "bounds(d.summary, t975(int(diffs.size()) - 1),", "bounds(d.summary, t975(int(diffs.size())),", 1,
     "[meaning] stats: the paired difference's interval with n degrees of freedom instead of n - 1"),
    (ST, "vxy = sxy / (n - 1) / n;", "vxy = sxy / n / n;", 1, "[meaning] stats: Fieller: the covariance with divisor n instead of n - 1"),
    # --- trial measures and files (sim/study/trial.cpp, sim/registry/trial_spec.cpp) ---
    (TR, "nmin.push_back(std::min(na[r], nb[r]));", "nmin.push_back(std::max(na[r], nb[r]));", 1,
     "[meaning] trial: a difference row's n is the larger arm's denominator, not the smaller's"),
    (TR, "std::fabs(row.summary.mean - pv.value) <= *row.tolerance + 1e-12;", "std::fabs(row.summary.mean - pv.value) < *row.tolerance;", 1,
     "[meaning] trial: a value exactly at the published tolerance counted as missed"),
    (TR, "        people += any;", "        people += 1;", 1,
     "[meaning] trial: time_stably_housed_share's n counts people who contributed no week"),
    (TS, "weeks = static_cast<int>(std::lround(w));", "weeks = static_cast<int>(w);", 1,
     "[meaning] trial files: a measure's time truncated to whole weeks instead of rounded"),
    (TS, "return relative ? tolerance * std::fabs(published) : tolerance;", "return relative ? tolerance : tolerance;", 1,
     "[meaning] trial files: a relative tolerance taken as absolute"),
    # --- calendar dates and durations (sim/registry/scenario.cpp) ---
    (SC, "v.num = (d - start) / 7.0;", "v.num = static_cast<double>((d - start) / 7);", 1,
     "[meaning] calendar: a date resolved to the whole weeks from start_date (the days of a part week dropped)"),
    (SC, 'else if (unit == "year" || unit == "y") f = 52.0;', 'else if (unit == "year" || unit == "y") f = 365.0 / 7.0;', 1,
     "[meaning] calendar: a year of 365 days (52.14 weeks) where the model's year is 52 weeks"),
    (SC, "const double b2 = b.num - shift, e2 = open ? e.num : e.num - shift;", "const double b2 = b.num, e2 = open ? e.num : e.num - shift;", 1,
     "[meaning] calendar: an aligned window shifts an event's end but not its start"),
    (SC, "const double shift = (from - own) / 7.0;", "const double shift = (from - own) / 7.0 + 1;", 1,
     "[meaning] calendar: an aligned window cuts a week too many from the start"),
    # --- headline windows (sim/registry/outputs.def) ---
    (OD, 'OUTPUT(Headline, any_job_18m, Float64, "share", Share, 78,', 'OUTPUT(Headline, any_job_18m, Float64, "share", Share, 52,', 1,
     "[meaning] outputs: any_job_18m's window 52 weeks (its definition needs 78; the 12-month windows are held together by a static_assert)"),
    (OD, 'OUTPUT(Headline, any_job_18m, Float64, "share", Share, 78,', 'OUTPUT(Headline, any_job_18m, Float64, "share", Share, 52,', 1,
     "[meaning] outputs: any_job_18m's window 52 weeks (its definition needs 78)"),
    # --- conditions of rules (sim/model/rules.hpp) ---
    (R, "return P.housing[p] == Housed && week - P.housing_since[p] >= settled_after", "return stable(P.housing[p]) && week - P.housing_since[p] >= settled_after", 1,
     "[meaning] exits: Housing First tenants counted as settled (own tenancy or flat)"),
    (R, "(P.kase[p] == Unknown || P.kase[p] == Closed) &&", "(P.kase[p] == Closed) &&", 1,
     "[meaning] exits: people never known to services never settle"),
    (R, "(!followed && homeless(P.housing[p]) && !planned) ? 1.0 : 0.0", "(!followed && homeless(P.housing[p])) ? 1.0 : 0.0", 1,
     "[meaning] exits: the homeless-with-no-plan term applied to people with a plan"),
    (R, "homeless(h) & ((P.flags[p] & FHfAssigned) == 0) & (u < reconnection.p_max())", "homeless(h) & (u < reconnection.p_max())", 1,
     "[meaning] reconnection while a Housing First flat is being found"),
    (R, "u < p_health * psychiatric_share[mental_illness(P, p)]", "u < p_health * psychiatric_share[0]", 1,
     "[meaning] psychiatric admissions: everyone at the share of people without a mental illness"),
    (R, "const int housed_since = std::max<int>(P.housing_since[p], P.intake[p]);", "const int housed_since = std::min<int>(P.housing_since[p], P.intake[p]);", 1,
     "[meaning] follow-up: time housed counted from before the plan began"),
    (R, "case Closed: return in_need(P, p) && in_case >= recontact", "case Closed: return in_case >= recontact", 1,
     "[meaning] recontact of closed cases not in need"),
    (R, "return ((c == InCharge) | (c == FollowUp)) ? efficacy + support_rate", "return (c == InCharge) ? efficacy + support_rate", 1,
     "[meaning] self-efficacy: no support during follow-up"),
    (R, "std::clamp(persons / workers, kMinPersonsPerWorker, kMaxPersonsPerWorker) : kMaxPersonsPerWorker;",
     "std::clamp(persons / workers, kMinPersonsPerWorker, kMaxPersonsPerWorker) : kMinPersonsPerWorker;", 1,
     "[meaning] case time: a territory with no case workers given the most case time"),
    (R, "      return (f & FChronic) && high_need;", "      return high_need;", 1,
     "[meaning] Housing First eligibility chronic_high_need: chronic homelessness not required"),
    (R, "return !hf && in_charge && stay >= transitional_min", "return in_charge && stay >= transitional_min", 1,
     "[meaning] step ladder: people on the Housing First track move on from transitional housing"),
    (R, "            homeless(P.housing[p]) ? 1.0 : 0.0,", "            P.housing[p] == Street ? 1.0 : 0.0,", 1,
     "[meaning] open-market job finding: only the street counted as homeless (shelter, transitional left out)"),
    (R, "return integrated && is_disabled && quota_open(F, f); }", "return integrated && is_disabled; }", 1,
     "[meaning] CPI link: firms whose quota is filled also get the incentive information"),
    (R, "sc[G::emergency_homeless_coef] * int{where == 1}", "sc[G::emergency_homeless_coef] * int{(c >> 1 & 1) == 1}", 1,
     "[meaning] emergency visits: the homeless coefficient applied by mental illness"),
    # --- the family-care service (sim/model/family_care.hpp) ---
    (FC, "running = enabled && week >= start && (week < end || ordinary);", "running = enabled && week >= start && (week <= end || ordinary);", 1,
     "[meaning] family care: the service runs a week past family_care.end"),
    (FC, "(family_flags & FaEligible) && !(family_flags & FaIncentive) && offers_incentive();", "(family_flags & FaEligible) && offers_incentive();", 2,
     "[meaning] family care: the incentive paid again to a family already paid"),
    (FC, "r.counted = (flags & FaAdvised) != 0;", "r.counted = true;", 1,
     "[meaning] family care: a contract found alone counted as signed with the service's help"),
    (FC, "          r.flags &= static_cast<std::uint8_t>(~FaAdvised);\n", "", 1,
     "[meaning] family care: the advice of an earlier search kept for a new one"),
    # --- the Housing First team in service use, one dating convention (2026-12-07) ---
    (R, "return u < (held == HfFlat ? p_release_team : p_release)", "return u < (held == HfFlat ? p_release : p_release)", 1,
     "[meaning] a tenant's stay not shortened by the team (institution.hf_team_stay_factor ignored)"),
    (R, "hazard_p(1.0 / (sc[G::institution_health_stay] * sc[G::institution_hf_team_stay_factor]))",
     "hazard_p(sc[G::institution_hf_team_stay_factor] / sc[G::institution_health_stay])", 1,
     "[meaning] a tenant's stay: the factor divides the stay instead of multiplying it"),
    (R, "sc[G::emergency_hf_team_coef] * int{where == 2}", "sc[G::emergency_hf_team_coef] * int{where == 0}", 1,
     "[meaning] emergency visits: the team's term applied to housed people instead of tenants"),
    (R, "const int where = homeless(housing) ? 1 : housing == HfFlat ? 2 : 0;", "const int where = homeless(housing) ? 1 : 0;", 1,
     "[meaning] emergency visits: tenants counted as housed people (no cell of their own)"),
    ("sim/model/dating.hpp", "return change_week - entry_week + 0.5;", "return change_week - entry_week;", 1,
     "[meaning] dating: a change dated at the start of its week, not its middle"),
    (A, "if (measures::window_fits(first, kReturnWeeks, week_)) {", "if (measures::window_fits(first, kReturnWeeks, week_ + 1)) {", 1,
     "[meaning] returns to the street: counted before the last week of the window has run"),
    # --- the series declared in the engine's tables (2026-12-07) ---
    (CT, 'FLOW(CHires, hires, "hires (programme, open market, care work with a family)")\nFLOW(CHiresProgramme, hires_programme, "hires at the end of a programme internship")\nFLOW(CHiresObliged, hires_obliged, "hires into Law 68/1999 quota positions")\nFLOW(CSeparations, separations,',
     'FLOW(CHires, separations, "hires (programme, open market, care work with a family)")\nFLOW(CHiresProgramme, hires_programme, "hires at the end of a programme internship")\nFLOW(CHiresObliged, hires_obliged, "hires into Law 68/1999 quota positions")\nFLOW(CSeparations, hires,', 1, "[meaning] series hires and separations swapped (counters.def)"),
    (CS, "SLOT(KEfficacy0, 4,", "SLOT(KEfficacy0, 3,", 1, "[meaning] census: the self-efficacy bands one slot short (the cohort slots shifted)"),
    # --- the family-care link with the migrant target group (2026-12-07, an assumption) ---
    (FC, "(P.flags[p] & FFemale) && (P.groups[p] & GMigrant) && P.work[p] == Searching", "(P.flags[p] & FFemale) && P.work[p] == Searching", 1,
     "[meaning] care work: taken up by women of any target group, not only migrants"),
    (FC, "P.work[p] == Searching && P.housing[p] != Institution;", "P.work[p] == Searching;", 1,
     "[meaning] care work: taken up from an institution"),
    (FC, "return static_cast<std::uint8_t>(FwFemale | FwForeign | (u < regular_job_p(0) ? FwRegular : 0));",
     "return static_cast<std::uint8_t>(FwFemale | FwForeign | (u < regular_job_p(FwQualified) ? FwRegular : 0));", 1,
     "[meaning] care work: the first job regular as a qualified worker's"),
    ("sim/engine/family_care.cpp", "    fc_.worker_person.push_back(p);\n", "", 1,
     "[meaning] care work: the woman who takes it up not recorded as the new care worker's person"),
    ("sim/engine/family_care.cpp", "    W.flags[i] = flags;\n", "", 1,
     "[meaning] care work: the new care worker's sex, origin and regularity drawn as a stranger's"),
    (R, "static bool job_can_be_lost(const Persons& P, std::uint32_t p) { return P.firm[p] >= 0; }",
     "static bool job_can_be_lost(const Persons& P, std::uint32_t p) { return P.firm[p] >= -1; }", 1,
     "[meaning] care work with a family put through the firms' job loss"),
    # --- the measure library (sim/model/measures.hpp, 2026-12-07): headlines and trial measures alike ---
    (M, "constexpr bool seen_at_end_of(int week) const { return week < end && (exit < 0 || exit > week); }",
     "constexpr bool seen_at_end_of(int week) const { return week < end && (exit < 0 || exit >= week); }", 1,
     "[meaning] measures: a person counted as observed at the end of the week they left"),
    (M, "return week != kNever && week < entry + window; }", "return week != kNever && week <= entry + window; }", 1,
     "[meaning] measures: a change in the week after the window counted within it"),
    (M, "return week < entry ? 0.0 : dating::weeks_from_entry(entry, week); }", "return week <= entry ? 0.0 : dating::weeks_from_entry(entry, week); }", 1,
     "[meaning] measures: a change in the week of entry dated as a state held at entry"),
    (M, "return week >= first && week - first <= window; }", "return week > first && week - first <= window; }", 1,
     "[meaning] measures: a return in the week of the first housing not counted"),
    (M, "constexpr double months(double weeks) { return weeks * 12.0 / 52.0; }", "constexpr double months(double weeks) { return weeks * 12.0 / 48.0; }", 1,
     "[meaning] measures: months of four weeks"),
    (A, "if (back || seen.seen_at_end_of(first + kReturnWeeks)) returns.add(back);", "returns.add(back);", 1,
     "[meaning] returns to the street: a person who left without returning counted as not returned (no censoring)"),
    ("sim/study/trial.cpp", "if (back || observation(c, p).seen_at_end_of(f + m.within)) r.add(back);", "r.add(back);", 1,
     "[meaning] trial returns: a member who left without returning counted as not returned (no censoring)"),
    ("sim/study/trial.cpp", "int week_of(int t) { return t < 0 ? measures::kNever : t - 1; }", "int week_of(int t) { return t < 0 ? measures::kNever : t; }", 1,
     "[meaning] trial measures: a change first observed at t dated in week t, not t - 1"),
    # --- the hazard test without expm1 (sim/model/random.hpp, hazard_hit) ---
    ("sim/model/random.hpp", "rate_per_week * rate_per_week) * (1 - 1e-12)) return true;", "rate_per_week * rate_per_week) * (1 + 1e-6)) return true;", 1,
     "[meaning] hazard_hit: the lower bound of the probability taken a millionth too high (draws just above the probability hit)"),
    ("sim/model/random.hpp", "if (u >= rate_per_week) return false;", "if (u >= 0.999 * rate_per_week) return false;", 1,
     "[meaning] hazard_hit: draws just below the rate miss without expm1 deciding"),
]

# Tier 1: the model-meaning tests; tier 2: the other test binaries that link the model.
TIERS = [
    ["test_model_rules", "test_rules_employment", "test_model_accounts", "test_family_care"],
    ["test_world", "test_employment", "test_reference", "test_contracts", "test_levers", "test_outputs", "test_scenario"],
]
# The statistics of replicates (sim/stats) and the virtual trials (their measures, sim/study/trial.cpp,
# and their files, sim/registry/trial_spec.cpp) are tested by their own binaries.
STATS_TIERS = [["test_stats"], ["test_trial"]]
TRIAL_TIERS = [["test_trial"], ["test_stats"]]
# The measure library (sim/model/measures.hpp) by its own tests and the trial measures that use it,
# then by the model's (the headlines use it too).
MEASURE_TIERS = [["test_measures", "test_trial"], TIERS[0] + TIERS[1]]
TEST_TARGETS = list(dict.fromkeys(t for tiers in (TIERS, STATS_TIERS, TRIAL_TIERS, MEASURE_TIERS) for tier in tiers for t in tier))


def tiers_of(path):
    """The tiers of test binaries that judge a mutant of this file."""
    if path.startswith("sim/stats/"):
        return STATS_TIERS
    if path in (TR, TS):
        return TRIAL_TIERS
    if path == M:
        return MEASURE_TIERS
    return TIERS


# The tests that only detect change (--no-change-detectors leaves them out): the pinned result
# hashes of the shipped scenarios, and the tests that compare a generated file (docs/*.md, the
# leave-one-out files, the lessons' robustness, the README's count) with the committed one. A
# CMake regular expression (ctest -E), also read by Python's re.
CHANGE_DETECTORS = r"Pinned|^Docs\.[A-Za-z]*(Is|Are)Current$|^Docs\.ReadmeGivesTheValidationCount$"


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def restore(files):
    for f in sorted(files):
        run(["git", "checkout", "--", f])


def parse_only(spec, n):
    chosen = []
    for part in filter(None, spec.split(",")):
        a, _, b = part.partition("-")
        chosen += list(range(int(a), int(b or a) + 1))
    bad = [i for i in chosen if not 1 <= i <= n]
    if bad:
        sys.exit(f"--only: no mutant numbered {bad[0]} (1..{n})")
    return chosen or list(range(1, n + 1))


def locate(text, old, nth):
    """Offset of the nth occurrence of old, or None (not found, or ambiguous with nth == 1)."""
    if nth == 1 and text.count(old) != 1:
        return None
    at = -1
    for _ in range(nth):
        at = text.find(old, at + 1)
        if at < 0:
            return None
    return at


def suites_of(build_dir, targets):
    """The GoogleTest suites of the built test binaries (ctest names tests <Suite>.<test>)."""
    suites = set()
    for t in targets:
        out = run([os.path.join(build_dir, "tests", t), "--gtest_list_tests"]).stdout
        for line in out.splitlines():
            if line and not line.startswith(" "):
                suites.add(line.split()[0].rstrip("."))
    return sorted(suites)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--all", action="store_true", help="build every target and run the whole ctest suite")
    ap.add_argument("--only", default="", help="mutant numbers (1-based), e.g. 3,7-9")
    ap.add_argument("--grep", default="", help="only the mutants whose description (or file) matches this regular expression")
    ap.add_argument("--list", action="store_true", help="list the mutants (and whether their text is found)")
    ap.add_argument("--min-kill", type=float, default=0.9, help="fraction of valid mutants that must be killed (0..1)")
    ap.add_argument("--report", default="", help="write a tab-separated line per mutant to this file, each as it is known")
    ap.add_argument("--resume", default="",
                    help="a report of an earlier run (--report, the same mutant list): its killed and surviving "
                         "mutants, matched by description, are not run again and count in the summary (a campaign "
                         "split over several runs; give the same file to --report to extend it)")
    ap.add_argument("--no-change-detectors", action="store_true",
                    help="leave out the tests that only detect change (pinned hashes, docs compared with the committed "
                         "ones: CHANGE_DETECTORS); a mutant only they would kill counts as SURVIVED")
    a = ap.parse_args()
    if not 0.0 <= a.min_kill <= 1.0:
        ap.error("--min-kill is a fraction in [0, 1]")
    root = run(["git", "rev-parse", "--show-toplevel"]).stdout.strip()
    os.chdir(root)
    chosen = parse_only(a.only, len(MUTANTS))
    if a.grep:
        try:
            pattern = re.compile(a.grep)
        except re.error as e:
            ap.error(f"--grep: {e}")
        chosen = [i for i in chosen if pattern.search(MUTANTS[i - 1][4]) or pattern.search(MUTANTS[i - 1][0])]
        if not chosen:
            ap.error(f"--grep: no mutant matches {a.grep!r}")
    earlier = {}  # description -> the result line of an earlier run (--resume)
    if a.resume:
        whats = [m[4] for m in MUTANTS]
        dup = sorted({w for w in whats if whats.count(w) > 1})
        if dup:
            ap.error(f"--resume matches mutants by description, and these are not unique: {dup[:3]}")
        try:
            lines = open(a.resume).read().splitlines()
        except OSError as e:
            ap.error(f"--resume: {e}")
        for n, line in enumerate(lines, 1):
            f = line.split("\t")
            if len(f) != 5 or f[1] not in ("KILLED", "SURVIVED", "INVALID"):
                ap.error(f"--resume: {a.resume}:{n}: not a line of a report (number, status, seconds, description, detail)")
            if f[1] != "INVALID" and f[3] in whats:
                earlier[f[3]] = (whats.index(f[3]) + 1, f[1], f[3], f[4], float(f[2]), f[4].startswith("only change detectors fail"))
        chosen = [i for i in chosen if MUTANTS[i - 1][4] not in earlier]
        print(f"resume: {len(earlier)} mutants of {a.resume} not run again; {len(chosen)} to run", flush=True)
    if a.list:
        for i in chosen:
            path, old, _, nth, what = MUTANTS[i - 1]
            found = os.path.exists(path) and locate(open(path).read(), old, nth) is not None
            print(f"{i:3d}  {'' if found else 'NOT FOUND  '}{path:28s} {what}")
        return 0
    if run(["git", "diff", "--quiet", "HEAD", "--", "sim", "output"]).returncode != 0:
        print("sim/ or output/ have uncommitted changes: commit or stash them first (mutants are restored with git checkout)")
        return 2
    touched = set()

    def on_signal(*_):
        restore(touched)
        sys.exit(2)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def build(targets):
        return run(["cmake", "--build", a.build_dir, "-j", str(a.jobs)] + (["--target"] + targets if targets else []))

    ctest = ["ctest", "--test-dir", a.build_dir, "-j", str(a.jobs), "--timeout", str(a.timeout), "--stop-on-failure"]
    if a.no_change_detectors:
        ctest += ["-E", CHANGE_DETECTORS]
    detectors = re.compile(CHANGE_DETECTORS)

    # The tiers of each file: (targets to build, ctest selection). --all: one tier, everything.
    tier_cache = {}

    def tiers_for(path):
        key = "all" if a.all else id(tiers_of(path))
        if key not in tier_cache:
            if a.all:
                tier_cache[key] = [(None, [])]
            else:
                tier_cache[key] = [(t, ["-R", "^(" + "|".join(re.escape(x) for x in suites_of(a.build_dir, t)) + ")\\."])
                                   for t in tiers_of(path)]
        return tier_cache[key]

    def detector_kill(path):
        """With --no-change-detectors, for a survivor: the change detectors of its tiers that fail."""
        names = []
        for targets, select in tiers_for(path):
            listing = run(["ctest", "--test-dir", a.build_dir, "-N"] + select).stdout
            names += [n for n in re.findall(r"Test +#\d+: (\S+)", listing) if detectors.search(n)]
        if not names:
            return []
        r = run(["ctest", "--test-dir", a.build_dir, "-j", str(a.jobs), "--timeout", str(a.timeout),
                 "-R", "^(" + "|".join(re.escape(n) for n in names) + ")$"])
        return re.findall(r"Test +#\d+: (\S+) \.*\**(?:Failed|Timeout|Exception|Subprocess aborted)", r.stdout)

    t_start = time.time()
    files = list(dict.fromkeys(MUTANTS[i - 1][0] for i in chosen))
    print("baseline: building and running the tests on the unmutated tree ...", flush=True)
    if not a.all and build(list(dict.fromkeys(t for f in files for tier in tiers_of(f) for t in tier))).returncode != 0:
        print("the test targets do not build on the unmutated tree")
        return 2
    done = set()
    for f in files:
        for targets, select in tiers_for(f):
            if str((targets, select)) in done:
                continue
            done.add(str((targets, select)))
            b = build(targets)
            r = run(ctest + select) if b.returncode == 0 else b
            if b.returncode != 0 or r.returncode != 0:
                print("the tests do not pass on the unmutated tree:\n" + r.stdout[-3000:])
                return 2
    print(f"baseline passed in {time.time() - t_start:.0f}s", flush=True)

    # Mutants of the same file run one after another: a file restored after its mutant then needs
    # no rebuild of its own before the next mutant (each file's includers are compiled once per mutant).
    order = sorted(chosen, key=lambda i: (files.index(MUTANTS[i - 1][0]), i))
    results = []
    report = None
    if a.report:
        report = open(a.report, "a" if a.resume and os.path.abspath(a.resume) == os.path.abspath(a.report) else "w")

    def record(r):
        results.append(r)
        if report:
            report.write(f"{r[0]}\t{r[1]}\t{r[4]:.0f}\t{r[2]}\t{r[3]}\n")
            report.flush()

    try:
        for i in order:
            path, old, new, nth, what = MUTANTS[i - 1]
            text = open(path).read() if os.path.exists(path) else ""
            at = locate(text, old, nth)
            if at is None:
                record((i, "INVALID", what, "text not found", 0.0, False))
                print(f"[{i:3d}] INVALID  (text not found)  {what}", flush=True)
                continue
            touched.add(path)
            with open(path, "w") as f:
                f.write(text[:at] + new + text[at + len(old):])
            t0 = time.time()
            status, detail, by_detector = "SURVIVED", "", False
            for targets, select in tiers_for(path):
                b = build(targets)
                if b.returncode != 0:
                    status, detail = "INVALID", "did not compile"
                    break
                r = run(ctest + select)
                if r.returncode != 0:
                    failed = re.findall(r"Test +#\d+: (\S+) \.*\**(?:Failed|Timeout|Exception|Subprocess aborted|Not Run)", r.stdout)
                    status, detail = "KILLED", ", ".join(failed[:3]) or "ctest failed"
                    break
            if status == "SURVIVED" and a.no_change_detectors:
                caught = detector_kill(path)
                if caught:
                    by_detector, detail = True, "only change detectors fail: " + ", ".join(caught[:3])
            restore({path})
            touched.discard(path)
            dt = time.time() - t0
            record((i, status, what, detail, dt, by_detector))
            print(f"[{i:3d}] {status:8s} {dt:5.0f}s  {what}" + (f"  ({detail})" if detail else ""), flush=True)
    finally:
        restore(touched)
        build(None if a.all else TEST_TARGETS)  # leave the build matching the restored tree
    if report:
        report.close()
    results += earlier.values()
    valid = [r for r in results if r[1] != "INVALID"]
    killed = sum(r[1] == "KILLED" for r in valid)
    ratio = killed / len(valid) if valid else 0.0
    print(f"\n{len(results)} mutants: killed {killed}, survived {len(valid) - killed}, invalid {len(results) - len(valid)}"
          f"; killed {killed} / {len(valid)} valid = {100 * ratio:.1f}% (required {100 * a.min_kill:.0f}%)"
          + ("; change detectors left out" if a.no_change_detectors else "") + f"; {time.time() - t_start:.0f}s")
    if a.no_change_detectors and valid:
        with_cd = killed + sum(r[5] for r in valid)
        print(f"with the change detectors: killed {with_cd} / {len(valid)} valid = {100 * with_cd / len(valid):.1f}%")
    results.sort()
    for r in results:
        if r[1] != "KILLED":
            print(f"  {r[1]}: [{r[0]}] {r[2]}  {r[3]}")
    return 0 if valid and ratio >= a.min_kill else 1


if __name__ == "__main__":
    sys.exit(main())
