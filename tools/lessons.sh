#!/bin/bash
# The lessons of the evaluations as the shipped lever comparisons show them (docs/model.md,
# "What the lever scenarios show"): for each comparison, the paired difference (second minus
# first scenario, common random numbers) of the indicators that carry its lesson, with the 95%
# interval. Usage: tools/lessons.sh [REPLICATES] [BINARY]   (default 20, build/sim/percorsi)
set -euo pipefail
R=${1:-20}
B=${2:-build/sim/percorsi}
S=scenarios
cmp() {
  local ind="$1"; shift
  echo "=== $(basename "$1" .yaml) -> $(for f in "${@:2}"; do basename "$f" .yaml; done | paste -sd' ')"
  "$B" compare "$@" --replicates "$R" --quiet --format csv |
    awk -F, -v want="$ind" 'NR > 1 && $8 != "" { n = split(want, w, " "); for (i = 1; i <= n; i++) if ($2 == w[i])
      printf "  %-28s %-26s %+.4g [%+.4g, %+.4g]\n", $1, $2, $8, $9, $10 }'
}
cmp "stably_housed_12m time_stably_housed cost_per_stable_year" $S/piemonte/step_model.yaml $S/piemonte/housing_first.yaml
cmp "any_job_18m employed_24m" $S/toscana/scouting_late.yaml $S/toscana/scouting_early.yaml
cmp "employed_24m any_job_18m" $S/toscana/scouting_non_profit_calibrated.yaml $S/toscana/scouting_profit_calibrated.yaml
cmp "employed_24m any_job_18m" $S/toscana/scouting_non_profit.yaml $S/toscana/scouting_profit.yaml
cmp "job_retained_6m job_retained_12m cost_per_retained_job" $S/toscana/follow_up_none.yaml $S/toscana/follow_up_6m.yaml $S/toscana/follow_up_12m.yaml
cmp "hires_obliged_firms days_to_plan employed_24m" $S/toscana/cpi_marginal.yaml $S/toscana/cpi_integrated.yaml
cmp "employed_24m any_job_18m" $S/toscana/reiterate_off.yaml $S/toscana/reiterate_on.yaml
cmp "cost_per_retained_job employed_24m" $S/toscana/partners_mid.yaml $S/toscana/partners_narrow.yaml $S/toscana/partners_wide.yaml
cmp "any_job_18m employed_24m" $S/toscana/internship_rigid.yaml $S/toscana/internship_flexible.yaml
cmp "employed_24m job_retained_12m" $S/toscana/icf_off.yaml $S/toscana/icf_on.yaml
cmp "any_job_18m_hf_tenants any_job_18m" $S/piemonte/hf_job_support_off.yaml $S/piemonte/hf_job_support_on.yaml
cmp "employed_24m stably_housed_24m" $S/piemonte/baseline_3y.yaml $S/piemonte/lockdown_2020.yaml
