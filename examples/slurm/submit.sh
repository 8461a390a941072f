#!/bin/bash
# Runs a sweep as a Slurm job array of N shards, then merges the parts once they all succeed.
# From any directory; relative paths are taken from the current directory:
#   path/to/examples/slurm/submit.sh SCENARIO.yaml OUTDIR N [SBATCH_OPTION...]
#   examples/slurm/submit.sh examples/sweep_housing_first.yaml results/hf_sweep 20 --partition=short
# Result: OUTDIR.h5 (results/hf_sweep.h5); the parts stay in OUTDIR/, the jobs' logs go to
# OUTDIR/logs/ (or $LOGDIR). SBATCH_OPTIONs (--partition, --account, --cpus-per-task, --mem,
# --time, ...) are given to both jobs and override the scripts' #SBATCH lines.
# The binary: $PERCORSI, else build/sim/percorsi of the repository this script belongs to, else
# percorsi on the PATH; the jobs get its absolute path.
# If a shard fails, the merge job is cancelled (--kill-on-invalid-dep=yes) rather than left
# pending for ever; rerun the failed shards (they resume), e.g.
#   sbatch --array=2 --output='OUTDIR/logs/%x-%A_%a.out' examples/slurm/array.sbatch SCENARIO.yaml OUTDIR N
# then merge: sbatch examples/slurm/merge.sbatch OUTDIR (or percorsi merge OUTDIR/part-*.h5 --out OUTDIR.h5).
set -euo pipefail
usage="usage: submit.sh SCENARIO.yaml OUTDIR SHARDS [SBATCH_OPTION...]"
SCENARIO=${1:?$usage}
OUTDIR=${2:?$usage}
N=${3:?$usage}
shift 3
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: SHARDS must be a positive number, not '$N'" >&2; exit 2; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Absolute and without ../: the jobs may start elsewhere, and the results file records the
# scenario's path.
absolute() {
  local p=$1
  case $p in /*) ;; *) p=$PWD/$p ;; esac
  realpath -m "$p" 2>/dev/null || echo "$p"
}
if [ -z "${PERCORSI:-}" ]; then
  if [ -x "$HERE/../../build/sim/percorsi" ]; then PERCORSI=$(cd "$HERE/../../build/sim" && pwd)/percorsi
  else PERCORSI=$(command -v percorsi) || { echo "submit.sh: percorsi not found: build it, or set PERCORSI=/path/to/percorsi" >&2; exit 2; }; fi
fi
case $PERCORSI in */*) PERCORSI=$(absolute "$PERCORSI") ;; esac
SCENARIO=$(absolute "$SCENARIO")
OUTDIR=$(absolute "${OUTDIR%/}")
LOGDIR=$(absolute "${LOGDIR:-$OUTDIR/logs}")
export PERCORSI
# sbatch does not create the folder of --output: a missing one makes the job fail unseen.
mkdir -p "$OUTDIR" "$LOGDIR"

# Check the file before queueing anything, and show the size of the work.
"$PERCORSI" validate "$SCENARIO"
tasks=$("$PERCORSI" run "$SCENARIO" --list-tasks | sed -n 's/^# \([0-9]*\) tasks$/\1/p')
echo "$tasks tasks in $N shards"
array=$(sbatch --parsable --array=1-"$N" --export=ALL,SHARDS="$N",PERCORSI="$PERCORSI" \
  --output="$LOGDIR/%x-%A_%a.out" "$@" "$HERE/array.sbatch" "$SCENARIO" "$OUTDIR" "$N")
array=${array%%;*}   # --parsable prints "id;cluster" on multi-cluster setups
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
  --export=ALL,PERCORSI="$PERCORSI" --output="$LOGDIR/%x-%j.out" "$@" "$HERE/merge.sbatch" "$OUTDIR")
merge=${merge%%;*}
echo "array job $array (shards 1-$N), merge job $merge -> $OUTDIR.h5 (logs in $LOGDIR/)"
