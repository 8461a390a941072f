#!/usr/bin/env python3
"""Read the tidy CSV tables of `percorsi export` with pandas, one line each.

    build/sim/percorsi run scenarios/piemonte/step_model.yaml scenarios/piemonte/housing_first.yaml --out results/x.h5
    build/sim/percorsi export results/x.h5 --out results/x_csv
    python3 examples/analysis/tidy.py results/x_csv

Prints the summary of one indicator per scenario, the mean number of people sleeping rough in
the last week per scenario, and where people are at the end by scenario (labels, not codes).
"""
import argparse
import sys

import pandas as pd


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="directory written by `percorsi export FILE.h5 --out DIR`")
    ap.add_argument("--indicator", default="stably_housed_12m")
    a = ap.parse_args()

    summary = pd.read_csv(f"{a.dir}/summary.csv")   # scenario x indicator, numbers
    weekly = pd.read_csv(f"{a.dir}/weekly.csv")     # scenario, replicate, week, territory, series, value
    persons = pd.read_csv(f"{a.dir}/persons.csv")   # one row per person and replicate, labelled

    s = summary[summary.indicator == a.indicator]
    if s.empty:
        sys.exit(f"no indicator {a.indicator} in {a.dir}/summary.csv")
    print(f"{a.indicator} ({s.unit.iloc[0]}): mean [95% CI], paired difference from the first scenario")
    for _, r in s.iterrows():
        diff = "" if pd.isna(r["diff"]) else f"  diff {r['diff']:+.4f} [{r.diff_ci_low:+.4f}, {r.diff_ci_high:+.4f}]"
        mean = "n/a" if pd.isna(r["mean"]) else f"{r['mean']:.4f} [{r.ci_low:.4f}, {r.ci_high:.4f}]"
        print(f"  {r.scenario}: {mean}{diff}")

    street = weekly[weekly.series == "housing_street"]
    last = street[street.week == street.week.max()]
    by_rep = last.groupby(["scenario", "replicate"]).value.sum()  # over territories
    print("people sleeping rough in the last week (mean over replicates):")
    for sc, v in by_rep.groupby(level="scenario").mean().items():
        print(f"  {sc}: {v:.1f}")

    print("housing at the end, share of people ever present:")
    share = persons.groupby("scenario").housing_final.value_counts(normalize=True).unstack(fill_value=0)
    print(share.round(3).to_string())


if __name__ == "__main__":
    main()
