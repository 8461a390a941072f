#!/bin/sh
# The analysis examples (examples/analysis/tidy.py with pandas, read_results.R with base R and
# hdf5r) on a small run exported by `percorsi export`. Usage: analysis_test.sh PERCORSI SRC python|r
# Exit 77 (skipped) when python3-pandas or R (Rscript) is missing.
set -eu
bin=$1; src=$2; lang=$3; py=${4:-python3}
case $lang in
  python) "$py" -c 'import pandas' 2>/dev/null || { echo "python3-pandas missing: skipped"; exit 77; } ;;
  r) command -v Rscript >/dev/null 2>&1 || { echo "R (r-base-core) missing: skipped"; exit 77; } ;;
esac
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for f in step_model housing_first; do
  printf 'extends: %s/scenarios/piemonte/%s.yaml\nhorizon: 60 weeks\nreplicates: 3\nscale: 0.3\n' "$src" $f > "$tmp/$f.yaml"
done
"$bin" run "$tmp/step_model.yaml" "$tmp/housing_first.yaml" --quiet --out "$tmp/x.h5" > /dev/null
"$bin" export "$tmp/x.h5" --out "$tmp/csv" > /dev/null
case $lang in
  python)
    out=$("$py" "$src/examples/analysis/tidy.py" "$tmp/csv")
    echo "$out"
    echo "$out" | grep -q "housing_first: 0\.[0-9]* \[" ;;
  r)
    out=$(Rscript "$src/examples/analysis/read_results.R" "$tmp/x.h5" "$tmp/csv")
    echo "$out"
    echo "$out" | grep -q "stably_housed_12m from summary.csv"
    if Rscript -e 'quit(status = !requireNamespace("hdf5r", quietly = TRUE))' 2>/dev/null; then
      echo "$out" | grep -q "housing_first from the HDF5 file: mean 0\."
    fi ;;
esac
