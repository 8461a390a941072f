#!/bin/bash
# The Slurm kit (examples/slurm/) on a real one-node Slurm: this test starts its own munged,
# slurmctld and slurmd on localhost in a temporary directory (own key, socket, ports,
# slurm.conf, state and logs; nothing system-wide is read or touched), then
#   1. submits a small sweep as 3 shards plus the merge with examples/slurm/submit.sh, from a
#      directory other than the repository and with relative paths, and checks that the merge
#      job ends COMPLETED with exit code 0, writes its log where submit.sh says, and that the
#      merged file's data equal a single-process run of the same file (h5diff, ignoring only
#      the provenance attributes that must differ: command line, threads, times);
#   2. submits the same sweep with shard 2 made to fail, and checks that the merge job is
#      cancelled by its unsatisfiable dependency (--kill-on-invalid-dep=yes) instead of
#      waiting for ever, and that no merged file appears;
#   3. submits array.sbatch and merge.sbatch by hand (plain sbatch, no submit.sh, no
#      $PERCORSI) from yet another directory, through a copy of the repository's layout whose
#      build/sim/percorsi links to the binary: the jobs must find it beside the submitted
#      script and write their logs to the submission directory; the merged file must again
#      equal the single-process run;
#   4. when percorsi is built with MPI and Slurm has its PMIx plugin: mpi.sbatch as one job of
#      2 ranks (srun --mpi=pmix); its file must equal the single-process run too.
# The daemons are stopped, and the directory removed, however the test ends (trap). About 35 s.
#
#   tests/slurm_test.sh PERCORSI_BINARY [SOURCE_DIR [mpi|no-mpi]]
# Exit codes: 0 passed, 1 failed, 77 skipped (slurm-wlm, munge or hdf5-tools not installed, or
# not root: slurmd must run as root to start jobs). CTest runs it with the label "slurm"
# (ctest -L slurm). KEEP_SLURM_TEST_DIR=1 keeps the directory for inspection.
set -uo pipefail

BIN=${1:?usage: slurm_test.sh PERCORSI_BINARY [SOURCE_DIR [mpi|no-mpi]]}
SRC=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
MPI=${3:-no-mpi}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
SKIP=77
START=$SECONDS

skip() { echo "SKIPPED: $*"; exit $SKIP; }
for tool in munged munge unmunge slurmctld slurmd sbatch scontrol scancel squeue sinfo h5diff realpath; do
  command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
  command -v "$tool" >/dev/null 2>&1 ||
    skip "$tool not found (apt-get install slurm-wlm munge hdf5-tools, or tools/install-deps.sh)"
done
[ "$(id -u)" -eq 0 ] || skip "not root (slurmd must run as root to start jobs as their user)"
[ -x "$BIN" ] || { echo "FAILED: no percorsi binary at $BIN"; exit 1; }

# Nothing of an enclosing Slurm job (a developer running ctest inside an allocation) or of the
# caller's sbatch defaults may leak into this cluster.
while IFS='=' read -r name _; do
  case $name in SLURM_* | SBATCH_* | SRUN_* | SALLOC_*) unset "$name" ;; esac
done < <(env)

T=$(mktemp -d /tmp/percorsi-slurm-test.XXXXXX)
chmod 700 "$T"
PIDS=()
failed=0
cleanup() {
  local code=$?
  local pid
  # Cancel what may still run, then stop the daemons this test started (by their PIDs).
  [ -n "${SLURM_CONF:-}" ] && timeout 5 scancel --quiet --user=root >/dev/null 2>&1
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[i]}
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  # Job steps and their processes left behind by a killed slurmd: those whose environment
  # holds this cluster's SLURM_CONF (not this shell).
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    [ "$pid" = $$ ] && continue
    grep -qsF "SLURM_CONF=$T/etc/slurm.conf" "$d/environ" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  if [ "$code" -ne 0 ] || [ "$failed" -ne 0 ]; then
    for f in "$T"/log/*.log "$T"/sub/out/*/logs/*.out; do
      [ -f "$f" ] && { echo "----- $f (last 40 lines)"; tail -n 40 "$f"; }
    done
  fi
  if [ -n "${KEEP_SLURM_TEST_DIR:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() { echo "FAILED: $*"; failed=1; exit 1; }
check() { if "$@"; then :; else fail "$*"; fi; }
log() { printf '[%3ds] %s\n' $((SECONDS - START)) "$*"; }

mkdir -p "$T"/{munge,etc,state,spool,run,log,sub}
chmod 700 "$T/munge"

# --- munge: its own key and socket --------------------------------------------------------
KEY=$T/munge/munge.key
mungekey --create --keyfile="$KEY" 2>/dev/null || dd if=/dev/urandom of="$KEY" bs=1024 count=1 status=none
chmod 400 "$KEY"
SOCK=$T/munge/munge.socket
munged --foreground --force --socket="$SOCK" --key-file="$KEY" --pid-file="$T/run/munged.pid" \
  --log-file="$T/log/munged.log" --seed-file="$T/munge/seed" >"$T/log/munged.out.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
munge --socket="$SOCK" -n </dev/null | unmunge --socket="$SOCK" >/dev/null ||
  fail "munged did not start (see $T/log/munged.log)"

# --- slurm: own ports, configuration, state and logs ---------------------------------------
# A port nothing uses (ss, from iproute2; without it: nothing answers on it); slurmctld and
# slurmd then bind to it.
port_used() {
  if command -v ss >/dev/null 2>&1; then [ -n "$(ss -Htan "( sport = :$1 )")" ]
  else (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; fi
}
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 40000))
    [ "$p" != "${1:-}" ] && ! port_used "$p" && { echo "$p"; return; }
  done
  return 1
}
CTLD_PORT=$(free_port) || fail "no free port"
SLURMD_PORT=$(free_port "$CTLD_PORT") || fail "no free port"
HOST=$(hostname -s)
CPUS=$(nproc)
export SLURM_CONF=$T/etc/slurm.conf
: >"$T/etc/plugstack.conf"
cat >"$SLURM_CONF" <<EOF
# One-node cluster of tests/slurm_test.sh (removed when the test ends).
ClusterName=percorsitest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCK
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/run/slurmctld.pid
SlurmdPidFile=$T/run/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$T/etc/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=600
InactiveLimit=0
KillWait=5
NodeName=pnode NodeHostname=$(hostname) NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=pnode Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -c -f "$SLURM_CONF" >"$T/log/slurmctld.out.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.2; done
scontrol ping 2>/dev/null | grep -q 'is UP' || fail "slurmctld did not start (see $T/log/slurmctld.log)"
slurmd -D -N pnode -f "$SLURM_CONF" >"$T/log/slurmd.out.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 150); do [ "$(sinfo -h -n pnode -o %t 2>/dev/null)" = idle ] && break; sleep 0.2; done
[ "$(sinfo -h -n pnode -o %t 2>/dev/null)" = idle ] || fail "node not idle: $(sinfo -h -N -o '%N %t %E' 2>&1)"
log "one-node Slurm up (slurmctld port $CTLD_PORT, slurmd port $SLURMD_PORT, $CPUS CPUs)"

# --- the sweep: examples/sweep_housing_first.yaml, made small --------------------------------
# 9 grid points x 2 replicates = 18 tasks of 8 weeks at a tenth of the Piedmont population.
SUB=$(realpath "$T/sub")
sed -e "s|^extends: \.\./|extends: $SRC/|" -e 's/^replicates: .*/replicates: 2/' \
  "$SRC/examples/sweep_housing_first.yaml" >"$SUB/tiny.yaml"
printf 'horizon: 8 weeks\nscale: 0.1\n' >>"$SUB/tiny.yaml"
check "$BIN" validate "$SUB/tiny.yaml"

# State of a job (array tasks: one line each) and its exit code, from scontrol.
job_field() { scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# Waits until every job of the list has ended (at most $2 seconds).
wait_ended() {
  local ids=$1 limit=$2 t0=$SECONDS st
  while :; do
    st=$(for j in $ids; do job_field "$j" JobState; done)
    if ! grep -qE 'PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED' <<<"$st"; then return 0; fi
    ((SECONDS - t0 < limit)) || return 1
    sleep 0.5
  done
}
# Runs submit.sh from $SUB with relative paths; sets ARRAY and MERGE to the job ids.
submit() {
  local out
  out=$(cd "$SUB" && PERCORSI=$BIN "$SRC/examples/slurm/submit.sh" tiny.yaml "$1" 3 \
    --cpus-per-task=1 --mem=100M --time=10 2>&1) || fail "submit.sh failed: $out"
  echo "$out"
  ARRAY=$(sed -n 's/.*array job \([0-9]*\).*/\1/p' <<<"$out")
  MERGE=$(sed -n 's/.*merge job \([0-9]*\).*/\1/p' <<<"$out")
  [ -n "$ARRAY" ] && [ -n "$MERGE" ] || fail "no job ids in: $out"
}

# --- 1. shards + merge equal the single-process run ------------------------------------------
log "1. sweep in 3 shards and merge"
submit out/hf
wait_ended "$ARRAY $MERGE" 60 || fail "jobs still queued or running after 60 s: $(squeue 2>&1)"
for k in 1 2 3; do
  st=$(job_field "${ARRAY}_$k" JobState) code=$(job_field "${ARRAY}_$k" ExitCode)
  [ "$st" = COMPLETED ] && [ "$code" = 0:0 ] || fail "shard $k: $st, exit code $code"
done
st=$(job_field "$MERGE" JobState) code=$(job_field "$MERGE" ExitCode)
[ "$st" = COMPLETED ] && [ "$code" = 0:0 ] || fail "merge job: $st, exit code $code (141 would be SIGPIPE)"
log "shards and merge COMPLETED, exit code 0:0"
check test -f "$SUB/out/hf.h5"
check test -f "$SUB/out/hf/part-1.h5"
ls "$SUB"/out/hf/logs/percorsi-merge-"$MERGE".out >/dev/null 2>&1 || fail "no merge log in out/hf/logs/"
grep -q "merged 3 files" "$SUB"/out/hf/logs/percorsi-merge-"$MERGE".out || fail "merge log lacks 'merged 3 files'"

"$BIN" run "$SUB/tiny.yaml" --quiet --threads 2 --out "$T/one.h5" >"$T/log/one.out.log" 2>&1 ||
  fail "single-process run: $(cat "$T/log/one.out.log")"
# Attributes of the root (provenance: command line, threads, times, shard) and of each
# replicate group (wall time) differ by nature; every dataset, and every attribute of the
# scenarios (resolved YAML, seed, sweep point, source file), must not.
exclude=(--exclude-attribute /)
while IFS=$'\t' read -r _ scen rep _; do
  exclude+=(--exclude-attribute "$(printf '/scenarios/%s/replicates/r%04d' "$scen" "$rep")")
done < <("$BIN" run "$SUB/tiny.yaml" --list-tasks | grep '^[0-9]')
[ "${#exclude[@]}" -eq $((2 + 2 * 18)) ] || fail "expected 18 tasks, got $((${#exclude[@]} / 2 - 1))"
h5diff "${exclude[@]}" "$T/one.h5" "$SUB/out/hf.h5" || fail "merged file differs from the single-process run"
# The comparison can fail: a shard's file is not the whole run.
if h5diff -q "${exclude[@]}" "$T/one.h5" "$SUB/out/hf/part-1.h5" >/dev/null 2>&1; then
  fail "h5diff finds no difference between the run and one shard"
fi
log "merged file equals the single-process run (h5diff)"

# --- 2. a failed shard: the merge is cancelled, not left waiting ----------------------------
log "2. shard 2 fails (a directory where its file goes)"
mkdir -p "$SUB/out/bad/part-2.h5"
submit out/bad
wait_ended "$ARRAY $MERGE" 60 || fail "merge job still waiting 60 s after a failed shard: $(squeue -o '%i %T %r' 2>&1)"
st=$(job_field "${ARRAY}_2" JobState)
[ "$st" = FAILED ] || fail "shard 2: $st, expected FAILED"
st=$(job_field "$MERGE" JobState) reason=$(job_field "$MERGE" Reason)
[ "$st" = CANCELLED ] || fail "merge job: $st ($reason), expected CANCELLED"
log "merge job $st (reason: $reason)"
[ ! -e "$SUB/out/bad.h5" ] || fail "a merged file appeared although shard 2 failed"

# --- 3. the sbatch scripts by hand, from elsewhere, without $PERCORSI ------------------------
# A copy of the repository's layout (the scripts, and build/sim/percorsi as a link to the
# binary under test): the jobs must find the binary beside the submitted script, although
# sbatch runs a copy of it from slurmd's spool directory, and write their logs to the
# submission directory (no logs/ folder needed).
log "3. array.sbatch and merge.sbatch submitted by hand from another directory"
REPO=$T/repo
mkdir -p "$REPO/examples/slurm" "$REPO/build/sim" "$T/hand"
cp "$SRC"/examples/slurm/*.sbatch "$REPO/examples/slurm/"
ln -s "$BIN" "$REPO/build/sim/percorsi"
opts=(--cpus-per-task=1 --mem=100M --time=10)
ARRAY=$(cd "$T/hand" && env -u PERCORSI sbatch --parsable --array=1-3 "${opts[@]}" \
  ../repo/examples/slurm/array.sbatch ../sub/tiny.yaml parts) || fail "sbatch array.sbatch"
MERGE=$(cd "$T/hand" && env -u PERCORSI sbatch --parsable --dependency=afterok:"$ARRAY" "${opts[@]}" \
  ../repo/examples/slurm/merge.sbatch parts/) || fail "sbatch merge.sbatch"
wait_ended "$ARRAY $MERGE" 60 || fail "jobs still queued or running after 60 s: $(squeue 2>&1)"
st=$(job_field "$MERGE" JobState) code=$(job_field "$MERGE" ExitCode)
[ "$st" = COMPLETED ] && [ "$code" = 0:0 ] || fail "merge job: $st, exit code $code"
grep -q "($REPO/build/sim/percorsi, 1 threads)" "$T/hand/percorsi-shard-${ARRAY}_1.out" ||
  fail "shard 1 did not use the binary beside the script: $(cat "$T/hand/percorsi-shard-${ARRAY}_1.out")"
check test -f "$T/hand/percorsi-merge-$MERGE.out"
h5diff "${exclude[@]}" "$T/one.h5" "$T/hand/parts.h5" || fail "hand-merged file differs from the single-process run"
log "merged by hand: equal to the single-process run; logs in the submission directory"

# --- 4. mpi.sbatch: one MPI job of 2 ranks (srun --mpi=pmix) --------------------------------
if [ "$MPI" != mpi ]; then
  log "4. mpi.sbatch: skipped (percorsi built without MPI)"
elif ! srun --mpi=list 2>&1 | grep -q pmix; then
  log "4. mpi.sbatch: skipped (this Slurm has no PMIx plugin)"
else
  log "4. mpi.sbatch: 2 ranks on the node, submitted by hand"
  MPIJOB=$(cd "$T/hand" && env -u PERCORSI sbatch --parsable --nodes=1 --ntasks-per-node=2 "${opts[@]}" \
    ../repo/examples/slurm/mpi.sbatch ../sub/tiny.yaml mpi/hf.h5) || fail "sbatch mpi.sbatch"
  wait_ended "$MPIJOB" 60 || fail "MPI job still queued or running after 60 s: $(squeue 2>&1)"
  st=$(job_field "$MPIJOB" JobState) code=$(job_field "$MPIJOB" ExitCode)
  [ "$st" = COMPLETED ] && [ "$code" = 0:0 ] || fail "MPI job: $st, exit code $code"
  ranks=$("$BIN" info --all "$T/hand/mpi/hf.h5" | sed -n 's/^ *ranks: *//p')
  [ "$ranks" = 2 ] || fail "MPI job ran $ranks ranks, expected 2"
  h5diff "${exclude[@]}" "$T/one.h5" "$T/hand/mpi/hf.h5" || fail "MPI job's file differs from the single-process run"
  log "MPI job (2 ranks): equal to the single-process run"
fi

log "passed"
