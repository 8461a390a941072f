#!/bin/bash
# Runs a sweep as a Slurm job array of N shards, then merges the parts once they all succeed.
#   examples/slurm/submit.sh examples/sweep_housing_first.yaml results/hf_sweep 20
# Result: results/hf_sweep.h5 (the parts stay in results/hf_sweep/).
set -euo pipefail
SCENARIO=${1:?usage: submit.sh SCENARIO.yaml OUTDIR SHARDS}
OUTDIR=${2:?usage: submit.sh SCENARIO.yaml OUTDIR SHARDS}
N=${3:?usage: submit.sh SCENARIO.yaml OUTDIR SHARDS}
PERCORSI=${PERCORSI:-build/sim/percorsi}
mkdir -p logs "$OUTDIR"
# Check the file before queueing anything, and show the size of the work.
"$PERCORSI" validate "$SCENARIO"
echo "$("$PERCORSI" run "$SCENARIO" --list-tasks | grep -vc '^#\|^task') tasks in $N shards"
array=$(sbatch --parsable --array=1-"$N" --export=ALL,SHARDS="$N" examples/slurm/array.sbatch "$SCENARIO" "$OUTDIR")
merge=$(sbatch --parsable --dependency=afterok:"$array" examples/slurm/merge.sbatch "$OUTDIR")
echo "array job $array (shards 1-$N), merge job $merge -> $OUTDIR.h5"
