#!/usr/bin/env python3
"""Mutation campaign for the tests of model meaning.

Applies, one at a time, one-line defects of the model (a covariate's sign flipped, a covariate
dropped from a hazard or from its upper bound, a cost counted on 6 days a week, two output series
swapped, a capacity scaled by another event target's factor, a person column written from the
wrong field, a training gain not applied, ...) to sim/*.cpp, rebuilds the test binaries, runs the
tests with ctest and reports each mutant as KILLED (a test failed), SURVIVED (all tests passed)
or INVALID (did not compile, or the text to mutate was not found: the list needs updating after
a change of sim/). Every mutated file is restored with `git checkout` after each mutant, and on
exit or interruption.

Usage (from the repository root, after a first configure of `build/`):
    tools/mutants.py                       # the model-meaning tests only (fast)
    tools/mutants.py --all                 # every test target and the whole ctest suite
    tools/mutants.py --only 3,7            # some mutants, by number
    tools/mutants.py --list                # the mutants, without running anything
Options: --build-dir DIR (default build), --jobs N (default 2), --timeout S (per test, 180).
Exit status: 0 when at least --min-kill (default 0.9) of the valid mutants are killed.

Each mutant is (file, old text, new text, occurrence, what): the occurrence-th (1-based) exact
occurrence of `old` in the file is replaced by `new`.
"""
import argparse
import re
import os
import signal
import subprocess
import sys
import time

MUTANTS = [
    # --- hazards: signs, covariates, bounds (sim/world.cpp) ---
    ("sim/world.cpp", "exit_hz.hit(u, exit_h * (P_.health[p] - 0.5))", "exit_hz.hit(u, -exit_h * (P_.health[p] - 0.5))", 1,
     "exit hazard: health coefficient's sign flipped"),
    ("sim/world.cpp", "const Hazard exit_hz(exit_w, std::fabs(exit_h) * 0.5);", "const Hazard exit_hz(exit_w, 0.0);", 1,
     "exit hazard: health dropped from the upper bound"),
    ("sim/world.cpp", "p_of(evict_w * income_f)}", "p_of(evict_w)}", 1, "eviction: income effect dropped"),
    ("sim/world.cpp", "p_of(2 * crisis_w)}", "p_of(crisis_w)}", 1, "health crisis: mental illness no longer doubles it"),
    ("sim/world.cpp", "{{p_of(hf_loss_w), p_of(hf_loss_w * income_f)},", "{{p_of(hf_loss_w), p_of(hf_loss_w)},", 1,
     "Housing First tenancy loss: income dropped (people without mental illness)"),
    ("sim/world.cpp", "drop_hz.hit(u_drop, drop_coef * (eff - 0.5))", "drop_hz.hit(u_drop, -drop_coef * (eff - 0.5))", 1,
     "case drop-out: self-efficacy sign flipped"),
    ("sim/world.cpp", "std::fabs(coef) * 0.5 + std::log(std::max(max_activity, 1e-300)));", "std::fabs(coef) * 0.5);", 1,
     "contact hazard: activity dropped from the upper bound"),
    ("sim/world.cpp", "((P_.groups[r.person] & GMentalHealth) ? 2.0 / 3.0 : 1.0)", "1.0", 1,
     "shelter acceptance: mental illness no longer lowers it"),
    ("sim/world.cpp", "((P_.groups[p] & GMentalHealth) ? drop_mh : 0.0); };", "0.0; };", 1,
     "shelter/transitional drop-out: mental illness dropped"),
    ("sim/world.cpp", " + ready_h * (P_.health[p] - 0.5)", "", 1, "readiness: health covariate dropped"),
    ("sim/world.cpp", "p_of(move_w * a * std::exp(no_income))", "p_of(move_w * a)", 1, "move-on: no-income effect dropped"),
    ("sim/world.cpp", "const float recovered = std::min(health0, health + recovery * (stable(h) ? 2.f : 1.f));",
     "const float recovered = std::min(health0, health + recovery);", 1, "health recovery: no longer doubled when stably housed"),
    # --- capacities and events ---
    ("sim/world.cpp", "scale * factor(transitional_places);", "scale * factor(shelter_beds);", 1,
     "transitional places scaled by the shelter_beds event factor"),
    ("sim/world.cpp", "sc_[G::housing_first_caseload] * scale * factor(hf_flats);", "sc_[G::housing_first_caseload] * scale * factor(case_workers);", 1,
     "Housing First support slots scaled by the case_workers event factor"),
    ("sim/world.cpp", "(sc_[G::network_partners] - 1)", "sc_[G::network_partners]", 1,
     "network overhead counted for every partner, the first included"),
    # --- employment (sim/employment.cpp) ---
    ("sim/employment.cpp", "P_.employability[p] = clamp01f(emp() + gain);", "P_.employability[p] = clamp01f(emp());", 1,
     "training gain not applied"),
    ("sim/employment.cpp", "sc_[G::employment_matching_employability_coef] * (P_.employability[p] - 0.5)",
     "sc_[G::employment_matching_employability_coef] * (0.5 - P_.employability[p])", 1, "matching acceptance: employability sign flipped"),
    ("sim/employment.cpp", "((F_.flags[f] & FfNonProfit) ? sc_[G::employment_matching_non_profit_coef] : 0.0) +\n             ((integrated",
     "0.0 +\n             ((integrated", 1, "matching acceptance: non-profit effect dropped"),
    ("sim/employment.cpp", " + (quota ? sc_[G::employment_hiring_quota_coef] : 0.0)", "", 1, "hiring decision: quota effect dropped"),
    ("sim/employment.cpp", "(ph == EpEmployed && tenure < fu_len ? log_fu : 0.0)", "0.0", 1, "job loss: follow-up effect dropped"),
    ("sim/employment.cpp", "mkt_coef * (emp() - 0.5) + log_hiring[P_.territory[p]]", "mkt_coef * (emp() - 0.5)", 1,
     "open-market job finding: hiring factor dropped"),
    ("sim/employment.cpp", "disc_hz.hit(u_b, disc_coef * (P_.efficacy[p] - 0.5))", "disc_hz.hit(u_b, -disc_coef * (P_.efficacy[p] - 0.5))", 1,
     "discouragement: self-efficacy sign flipped"),
    ("sim/employment.cpp", "intern_drop.hit(u_b, -2.0 * (P_.efficacy[p] - 0.5))", "intern_drop.hit(u_b, 0.0)", 1,
     "internship drop-out: self-efficacy dropped"),
    ("sim/employment.cpp", "open += sc_[G::cpi_incentive_openness];", "open += 0;", 1, "CPI incentive information no longer raises openness"),
    # --- accounts (sim/accounting.cpp) ---
    ("sim/accounting.cpp", "const float day = 7.f;", "const float day = 6.f;", 1, "housing costs counted on 6 days a week"),
    ("sim/accounting.cpp", "for (int c : {KHeld6, KHeld12, KOrientation, KTraining, KFollowUp})",
     "for (int c : {KHeld6, KHeld12, KTraining, KOrientation, KFollowUp})", 1, "series people_orientation and people_training swapped"),
    ("sim/accounting.cpp", 'icol("job_spells", [&](std::size_t p) { return P_.spells[p]; });',
     'icol("job_spells", [&](std::size_t p) { return P_.rounds[p]; });', 1, "person column job_spells written from rounds"),
    ("sim/accounting.cpp", "sc_[G::costs_internship_indemnity_per_month] * 12.0 / 52.0", "sc_[G::costs_internship_indemnity_per_month] * 12.0 / 50.0", 1,
     "internship indemnity per week over 50 weeks"),
    ("sim/accounting.cpp", "static_cast<double>(ct[KFollowUp]) * c_follow,", "static_cast<double>(ct[KFollowUp]) * c_case,", 1,
     "follow-up cost at the case-management unit cost"),
    ("sim/accounting.cpp", "sc_[G::network_partners] * sc_[G::costs_partner_management_per_week] / T_,",
     "sc_[G::network_partners] * sc_[G::costs_partner_management_per_week],", 1, "network cost counted in full in every territory"),
    ("sim/accounting.cpp", "if (since == 52) P_.housing_12m[p] = h, P_.work_12m[p] = w;", "if (since == 53) P_.housing_12m[p] = h, P_.work_12m[p] = w;", 1,
     "housing and work at 12 months taken a week late"),
    # --- more bounds, activity and hiring factors, efficacy, attributes (second round) ---
    ("sim/world.cpp", "std::fabs(ready_eff) * 0.5 + std::fabs(ready_h) * 0.5", "std::fabs(ready_eff) * 0.5", 1,
     "readiness: health dropped from the upper bound"),
    ("sim/world.cpp", "const double lp_drop_max = std::fabs(drop_eff) * 0.5 + std::max(0.0, drop_mh);",
     "const double lp_drop_max = std::fabs(drop_eff) * 0.5;", 1, "step drop-out: mental illness dropped from the upper bound"),
    ("sim/world.cpp", "std::fabs(drop_coef) * 0.5);  // efficacy", "0.0);  // efficacy", 1, "case drop-out: efficacy dropped from the upper bound"),
    ("sim/employment.cpp", " + std::max(0.0, log_fu)", "", 1, "job loss: follow-up dropped from the upper bound"),
    ("sim/employment.cpp", "std::fabs(mkt_coef) * 0.5 + std::log(std::max(max_hiring, 1e-300))", "std::fabs(mkt_coef) * 0.5", 1,
     "open-market job finding: hiring factor dropped from the upper bound"),
    ("sim/employment.cpp", "units(firms_per_week * ts.activity, week_)", "units(firms_per_week * ts.hiring, week_)", 1,
     "scouting reach scaled by the hiring factor instead of activity"),
    ("sim/employment.cpp", "hazard_p(match_w * ts.activity)", "hazard_p(match_w * ts.hiring)", 1,
     "matching rate scaled by the hiring factor instead of activity"),
    ("sim/employment.cpp", "sc_[G::firms_vacancy_rate] / 52.0 * ts.hiring;", "sc_[G::firms_vacancy_rate] / 52.0 * ts.activity;", 1,
     "vacancy arrivals scaled by activity instead of hiring"),
    ("sim/world.cpp", "p_move_in[k] = p_of(move_in_w * a);", "p_move_in[k] = p_of(move_in_w);", 1, "Housing First move-in: activity dropped"),
    ("sim/world.cpp", "ts.training_seats = tv[T::training_seats] * scale * factor(activity);",
     "ts.training_seats = tv[T::training_seats] * scale * factor(hiring);", 1, "training seats scaled by the hiring factor"),
    ("sim/world.cpp", "((cn == Waiting) | ((cn == Unknown) & need))", "(cn == Waiting)", 1,
     "no loss of self-efficacy while homeless without a plan"),
    ("sim/employment.cpp", "P_.efficacy[p] = clamp01f(P_.efficacy[p] + sc_[G::life_efficacy_success_gain]);",
     "P_.efficacy[p] = clamp01f(P_.efficacy[p]);", 1, "no gain of self-efficacy at a hire"),
    ("sim/employment.cpp", "sc_[G::employment_reiterate] != 0 && ", "", 1, "employment.reiterate ignored"),
    ("sim/world.cpp", "{{G::population_groups_disability, GDisability},     {G::population_groups_mental_health, GMentalHealth},",
     "{{G::population_groups_mental_health, GDisability},     {G::population_groups_disability, GMentalHealth},", 1,
     "disability and mental illness drawn with each other's probability"),
    ("sim/world.cpp", "P_.efficacy[r.person] = clamp01(P_.efficacy[r.person] + gain);", "P_.efficacy[r.person] = clamp01(P_.efficacy[r.person]);", 1,
     "no gain of self-efficacy at a move-on to an own tenancy"),
    ("sim/accounting.cpp", "if (a != b) put(static_cast<double>(w.at(t, CFlow0 + a * kHousingStates + b)));",
     "if (a != b) put(static_cast<double>(w.at(t, CFlow0 + b * kHousingStates + a)));", 1, "housing flow series transposed"),
    ("sim/accounting.cpp", "for (int c : {KQueueSocial, KQueueCpi, KQueueCase})", "for (int c : {KQueueCase, KQueueCpi, KQueueSocial})", 1,
     "series queue_social and queue_case swapped"),
    ("sim/accounting.cpp", "put(std::floor(ts.case_slots));", "put(std::floor(ts.hf_slots));", 1, "capacity_case_slots written from the HF slots"),
    ("sim/accounting.cpp", 'icol("weeks_employed", [&](std::size_t p) { return P_.weeks_employed[p]; });',
     'icol("weeks_employed", [&](std::size_t p) { return P_.weeks_employed_after_first[p]; });', 1, "person column weeks_employed from the wrong field"),
    ("sim/world.cpp", "          set_housing(p, Street, t);  // eviction\n          eff -= fail_loss;", "          set_housing(p, Street, t);  // eviction\n          eff -= 0.f;", 1,
     "no loss of self-efficacy at an eviction"),
    ("sim/world.cpp", "if (u_housing / pl >= rehousing)", "if (u_housing / pl < rehousing)", 1, "Housing First rehousing probability inverted"),
    ("sim/employment.cpp", "(tenure < early ? log_early : 0.0)", "0.0", 1, "job loss: early factor dropped"),
    ("sim/employment.cpp", "sc_[G::employment_matching_functioning_coef] * P_.functioning[p]", "-sc_[G::employment_matching_functioning_coef] * P_.functioning[p]", 1,
     "matching acceptance: functioning sign flipped"),
    ("sim/world.cpp", "contact_hz.hit(u, coef * (P_.efficacy[p] - 0.5) + log_act)", "contact_hz.hit(u, -coef * (P_.efficacy[p] - 0.5) + log_act)", 1,
     "contact hazard: self-efficacy sign flipped"),
    ("sim/world.cpp", "((c == Closed) & need & (in_case >= recontact))", "((c == Closed) & need & (in_case > recontact))", 1,
     "recontact a week late"),
    ("sim/accounting.cpp", "* ts.activity * sc_[G::costs_provider_hour]", "* sc_[G::costs_provider_hour]", 1, "scouting cost without activity"),
    ("sim/accounting.cpp", "static_cast<double>(w.at(t, CAssessSocial) + w.at(t, CAssessCpi)) * sc_[G::costs_assessment]",
     "static_cast<double>(w.at(t, CAssessSocial)) * sc_[G::costs_assessment]", 1, "assessment cost without the job-centre assessments"),
    ("sim/employment.cpp", "sc_[G::employment_hiring_employability_coef] * (P_.employability[p] - 0.5)", "0.0", 1,
     "hiring decision: employability dropped"),
    # --- third round: timings, thresholds, capacities in use, headline ---
    ("sim/employment.cpp", "const Hazard intern_drop(sc_[G::employment_internship_dropout_rate] / 52.0, 1.0);",
     "const Hazard intern_drop(sc_[G::employment_internship_dropout_rate] / 52.0, 0.0);", 1, "internship drop-out: efficacy dropped from the upper bound"),
    ("sim/world.cpp", "if (week_ - P_.housing_since[p] >= hf_len) {", "if (week_ - P_.housing_since[p] > hf_len) {", 1,
     "Housing First graduation a week late"),
    ("sim/world.cpp", "in_charge && stay >= sh_min", "in_charge && stay > sh_min", 1, "shelter minimum stay a week longer"),
    ("sim/world.cpp", "free_of(ts.shelter_beds, Shelter) > 0 ? Shelter : Street", "Street", 1, "transitional drop-out always to the street"),
    ("sim/world.cpp", "static_cast<std::int64_t>(std::floor(ts.hf_slots))) -", "static_cast<std::int64_t>(std::floor(ts.hf_flats))) -", 1,
     "Housing First capacity ignores the support slots"),
    ("sim/world.cpp", "std::int64_t lets = units(ts.lets, week_);", "std::int64_t lets = units(ts.lets + 1, week_);", 1, "one let a week too many"),
    ("sim/world.cpp", "((c == FollowUp) & (in_case >= fu_len))", "((c == FollowUp) & (in_case > fu_len))", 1, "follow-up closed a week late"),
    ("sim/employment.cpp", "F_.openness[f] = clamp01f(F_.openness[f] + sc_[G::employment_scouting_openness_gain]);",
     "F_.openness[f] = clamp01f(F_.openness[f]);", 1, "scouting no longer raises openness"),
    ("sim/employment.cpp", "if (emp() < threshold) {", "if (emp() > threshold) {", 1, "training for people above the threshold"),
    ("sim/accounting.cpp", "if (week_ - P_.first_job[p] < 104) P_.weeks_employed_after_first[p]++;",
     "if (week_ - P_.first_job[p] <= 104) P_.weeks_employed_after_first[p]++;", 1, "weeks employed after the first job: window a week too long"),
    ("sim/accounting.cpp", "if (ph == EpEmployed && tenure == 26) ct[KHeld6]++;", "if (ph == EpEmployed && tenure == 25) ct[KHeld6]++;", 1,
     "jobs held 6 months counted a week early"),
    ("sim/accounting.cpp", 'r.headline["stably_housed_12m"] = nan_if(s12, n12);', 'r.headline["stably_housed_12m"] = nan_if(s24, n24);', 1,
     "headline stably_housed_12m from the 24-month counts"),
    ("sim/world.cpp", "P_.age[p] + (week_ - P_.entry[p]) / 52 >= exit_age", "P_.age[p] + (week_ - P_.entry[p]) / 52 > exit_age", 1,
     "ageing out a year late"),
    ("sim/employment.cpp", "((integrated && disabled && quota_open(f)) ? sc_[G::employment_matching_cpi_link_coef] : 0.0);", "0.0;", 1,
     "matching acceptance: CPI link dropped"),
    ("sim/world.cpp", "if (!s.chance(hf_accept)) continue;", "if (false) continue;", 1, "Housing First offers always accepted"),
    ("sim/world.cpp", "{p_of(hf_loss_w * mh_f), p_of(hf_loss_w * income_f * mh_f)}", "{p_of(hf_loss_w), p_of(hf_loss_w * income_f * mh_f)}", 1,
     "Housing First tenancy loss: mental illness dropped (people without income)"),
]

MODEL_TARGETS = ["test_model_rules", "test_model_accounts"]
MODEL_REGEX = "ModelRules|ModelAccounts"


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def restore(files):
    for f in sorted(files):
        run(["git", "checkout", "--", f])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=180)
    ap.add_argument("--all", action="store_true", help="build every target and run the whole ctest suite")
    ap.add_argument("--only", default="", help="comma-separated mutant numbers (1-based)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--min-kill", type=float, default=0.9)
    a = ap.parse_args()
    root = run(["git", "rev-parse", "--show-toplevel"]).stdout.strip()
    os.chdir(root)
    chosen = [int(x) for x in a.only.split(",") if x] or list(range(1, len(MUTANTS) + 1))
    if a.list:
        for i in chosen:
            print(f"{i:3d}  {MUTANTS[i - 1][0]:20s} {MUTANTS[i - 1][4]}")
        return 0
    if run(["git", "diff", "--quiet", "--", "sim"]).returncode != 0:
        sys.exit("sim/ has uncommitted changes: commit or stash them first (mutants are restored with git checkout)")
    touched = set()
    signal.signal(signal.SIGTERM, lambda *_: (restore(touched), sys.exit(2)))
    build = ["cmake", "--build", a.build_dir, "-j", str(a.jobs)] + ([] if a.all else ["--target"] + MODEL_TARGETS)
    test = ["ctest", "--test-dir", a.build_dir, "-j", str(a.jobs), "--timeout", str(a.timeout), "--stop-on-failure"] + (
        [] if a.all else ["-R", MODEL_REGEX])
    print("baseline: building and running the tests on the unmutated tree ...", flush=True)
    if run(build).returncode != 0 or run(test).returncode != 0:
        sys.exit("the tests do not pass on the unmutated tree")
    results = []
    try:
        for i in chosen:
            path, old, new, nth, what = MUTANTS[i - 1]
            text = open(path).read()
            at = -1
            for _ in range(nth):
                at = text.find(old, at + 1)
                if at < 0:
                    break
            if at < 0:
                results.append((i, "INVALID", what, "text not found"))
                print(f"[{i:2d}] INVALID (text not found)  {what}", flush=True)
                continue
            touched.add(path)
            open(path, "w").write(text[:at] + new + text[at + len(old):])
            t0 = time.time()
            b = run(build)
            if b.returncode != 0:
                status, detail = "INVALID", "did not compile"
            else:
                r = run(test)
                failed = re.findall(r"Test +#\d+: (\S+) \.*\**(?:Failed|Timeout|Exception)", r.stdout)
                status = "KILLED" if r.returncode != 0 else "SURVIVED"
                detail = ", ".join(failed[:3])
            restore({path})
            results.append((i, status, what, detail))
            print(f"[{i:2d}] {status:8s} {time.time() - t0:5.0f}s  {what}" + (f"  ({detail})" if detail else ""), flush=True)
    finally:
        restore(touched)
        run(build)  # leave the build matching the restored tree
    valid = [r for r in results if r[1] != "INVALID"]
    killed = sum(r[1] == "KILLED" for r in valid)
    print(f"\nkilled {killed} / {len(valid)} valid mutants ({len(results) - len(valid)} invalid)")
    for r in results:
        if r[1] != "KILLED":
            print(f"  {r[1]}: [{r[0]}] {r[2]} {r[3]}")
    return 0 if valid and killed >= a.min_kill * len(valid) else 1


if __name__ == "__main__":
    sys.exit(main())
