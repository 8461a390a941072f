#!/usr/bin/env python3
"""Draw the comparison of the scenarios in a Percorsi results file (HDF5) to a PNG.

Reads the file with h5py into pandas tables and plots with matplotlib (Agg backend, no
screen needed):

  (a) a headline indicator per scenario: mean and 95% interval over replicates;
  (b) the paired difference of each scenario from the baseline (same seed and replicate:
      common random numbers) with its 95% interval;
  (c) a weekly series summed over territories: mean over replicates and 95% band.

Usage:
  python3 examples/analysis/compare.py results/sweep.h5 --out compare.png \
      [--indicator stably_housed_12m] [--series housing_street] \
      [--scenarios a,b,c] [--baseline a]

The layout it reads is described in docs/ensembles.md and docs/data-dictionary.md.
Needs h5py, numpy, pandas and matplotlib (Debian: python3-h5py python3-pandas
python3-matplotlib); scipy is used for t quantiles when present.
"""
import argparse
import math
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

# Two-sided 95% quantiles of Student's t for df = 1..30 (used when scipy is missing).
_T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
         2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
         2.045, 2.042]


def t975(df):
    try:
        from scipy import stats
        return float(stats.t.ppf(0.975, df))
    except ImportError:
        return _T975[df - 1] if df <= 30 else 1.96 + 2.4 / df


def mean_ci(values):
    """Mean and 95% t-interval of the mean, leaving out NaN."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    m = float(x.mean())
    if n == 1:
        return m, m, m, 1
    half = t975(n - 1) * float(x.std(ddof=1)) / math.sqrt(n)
    return m, m - half, m + half, n


def headline_table(f):
    """Long table: scenario, replicate, indicator, value."""
    rows = []
    for s in f["scenarios"]:
        reps = f[f"scenarios/{s}/replicates"]
        for r in reps:
            for ind, ds in reps[r]["headline"].items():
                rows.append((s, int(reps[r].attrs["replicate"]), ind, float(ds[()])))
    return pd.DataFrame(rows, columns=["scenario", "replicate", "indicator", "value"])


def weekly_totals(f, scenario, series):
    """Table [replicate x week] of a weekly series summed over territories."""
    reps = f[f"scenarios/{scenario}/replicates"]
    data = {int(reps[r].attrs["replicate"]): reps[r]["weekly"][series][:].sum(axis=1) for r in reps}
    return pd.DataFrame(data).T.sort_index()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("results", help="Percorsi results file (.h5)")
    p.add_argument("--out", default="compare.png", help="PNG to write (default: compare.png)")
    p.add_argument("--indicator", default="stably_housed_12m", help="headline indicator for panels (a) and (b)")
    p.add_argument("--series", default="housing_street", help="weekly series for panel (c)")
    p.add_argument("--scenarios", default="", help="comma-separated scenarios to show, in this order (default: all)")
    p.add_argument("--baseline", default="", help="scenario the differences are taken from (default: the first)")
    p.add_argument("--max-lines", type=int, default=8, help="most scenarios drawn in panel (c)")
    a = p.parse_args(argv)

    with h5py.File(a.results, "r") as f:
        if f.attrs.get("format") != "percorsi-results":
            sys.exit(f"{a.results}: not a Percorsi results file")
        names = list(f["scenarios"])
        if a.scenarios:
            picked = [s for s in a.scenarios.split(",") if s]
            unknown = [s for s in picked if s not in names]
            if unknown:
                sys.exit(f"no scenario {unknown} in {a.results}; it holds: {', '.join(names)}")
            names = picked
        baseline = a.baseline or names[0]
        if baseline not in names:
            sys.exit(f"--baseline {baseline} is not among the scenarios shown")
        names = [baseline] + [s for s in names if s != baseline]

        heads = headline_table(f)
        heads = heads[(heads.indicator == a.indicator) & heads.scenario.isin(names)]
        if heads.empty:
            sys.exit(f"no headline indicator '{a.indicator}' in {a.results}")
        wide = heads.pivot(index="replicate", columns="scenario", values="value")

        summary = pd.DataFrame([(s, *mean_ci(wide[s])) for s in names],
                               columns=["scenario", "mean", "ci_low", "ci_high", "n"]).set_index("scenario")
        diffs = []
        for s in names[1:]:
            same_seed = f[f"scenarios/{s}"].attrs["seed"] == f[f"scenarios/{baseline}"].attrs["seed"]
            d = (wide[s] - wide[baseline]) if same_seed else pd.Series(dtype=float)
            diffs.append((s, *mean_ci(d)))
        diffs = pd.DataFrame(diffs, columns=["scenario", "mean", "ci_low", "ci_high", "n"]).set_index("scenario")

        shown = names[: a.max_lines]
        weekly = {s: weekly_totals(f, s, a.series) for s in shown if a.series in f[f"scenarios/{s}/replicates"][
            next(iter(f[f"scenarios/{s}/replicates"]))]["weekly"]}

    print(summary.to_string(float_format=lambda x: f"{x:.4g}"))
    if not diffs.empty:
        print(f"\npaired difference from {baseline}:")
        print(diffs.to_string(float_format=lambda x: f"{x:+.4g}"))

    # Sweep points share "<name>:": label them by their swept values, the name goes in the title.
    base = names[0].split(":")[0] + ":"
    common = base if all(s.startswith(base) for s in names) and len(names) > 1 else ""

    def label(s):
        return s[len(common):] if common else s

    height = max(4.0, 0.35 * len(names) + 1.5)
    fig, ax = plt.subplots(1, 3, figsize=(17, height), gridspec_kw={"width_ratios": [1, 1, 1.3]})
    y = np.arange(len(names))[::-1]
    ax[0].errorbar(summary["mean"], y, xerr=[summary["mean"] - summary["ci_low"], summary["ci_high"] - summary["mean"]],
                   fmt="o", color="tab:blue", capsize=3)
    ax[0].set_yticks(y, [label(s) for s in names], fontsize=8)
    ax[0].set_title(f"(a) {a.indicator}: mean, 95% CI")
    ax[0].grid(axis="x", alpha=0.3)
    if not diffs.empty:
        yd = np.arange(len(diffs))[::-1]
        excl = (diffs["ci_low"] > 0) | (diffs["ci_high"] < 0)
        ax[1].errorbar(diffs["mean"], yd, xerr=[diffs["mean"] - diffs["ci_low"], diffs["ci_high"] - diffs["mean"]],
                       fmt="none", ecolor="tab:gray", capsize=3)
        ax[1].scatter(diffs["mean"], yd, c=np.where(excl, "tab:red", "tab:gray"), zorder=3)
        ax[1].set_yticks(yd, [label(s) for s in diffs.index], fontsize=8)
    ax[1].axvline(0, color="black", lw=0.8)
    ax[1].set_title(f"(b) paired difference from {label(baseline)}")
    ax[1].grid(axis="x", alpha=0.3)
    for s, table in weekly.items():
        m = table.mean(axis=0)
        n = table.notna().sum(axis=0)
        half = np.array([t975(int(k) - 1) if k > 1 else 0.0 for k in n]) * table.std(axis=0, ddof=1).fillna(0) / np.sqrt(n)
        weeks = np.arange(1, len(m) + 1)
        ax[2].plot(weeks, m, label=label(s), lw=1.2)
        ax[2].fill_between(weeks, m - half, m + half, alpha=0.2)
    ax[2].set_xlabel("week")
    ax[2].set_title(f"(c) {a.series} (sum of territories)")
    ax[2].legend(fontsize=7, loc="best")
    ax[2].grid(alpha=0.3)
    if common:
        fig.suptitle(f"{common[:-1]}: {len(names)} sweep points, 95% intervals over replicates", fontsize=10)
    fig.tight_layout()
    fig.savefig(a.out, dpi=100)
    print(f"\nwrote {a.out}")


if __name__ == "__main__":
    main()
