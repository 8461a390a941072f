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
#      waiting for ever, and that no merged file appears.
# The daemons are stopped, and the directory removed, however the test ends (trap).
#
#   tests/slurm_test.sh PERCORSI_BINARY [SOURCE_DIR]
# Exit codes: 0 passed, 1 failed, 77 skipped (slurm-wlm, munge or hdf5-tools not installed, or
# not root: slurmd must run as root to start jobs). CTest runs it with the label "slurm"
# (ctest -L slurm). KEEP_SLURM_TEST_DIR=1 keeps the directory for inspection.
set -uo pipefail

BIN=${1:?usage: slurm_test.sh PERCORSI_BINARY [SOURCE_DIR]}
SRC=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
SKIP=77
START=$SECONDS

skip() { echo "SKIPPED: $*"; exit $SKIP; }
for tool in munged mungekey munge slurmctld slurmd sbatch scontrol squeue sinfo h5diff ss; do
  command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
  command -v "$tool" >/dev/null 2>&1 ||
    skip "$tool not found (apt-get install slurm-wlm munge hdf5-tools iproute2, or tools/install-deps.sh)"
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
  # Job steps (slurmstepd and the jobs' processes) left behind by a killed slurmd.
  pkill_tree() { local c; for c in $(pgrep -P "$1" 2>/dev/null); do pkill_tree "$c"; done; kill -KILL "$1" 2>/dev/null; }
  for pid in $(pgrep -f "^slurmstepd: \[" 2>/dev/null); do
    grep -qs "$T" "/proc/$pid/environ" && pkill_tree "$pid"
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
# A port nothing listens on; slurmctld and slurmd then bind to it.
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 40000))
    [ "$p" != "${1:-}" ] && [ -z "$(ss -Htan "( sport = :$p )")" ] && { echo "$p"; return; }
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
wait_ended "$ARRAY $MERGE" 90 || fail "jobs still queued or running after 90 s: $(squeue 2>&1)"
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
wait_ended "$ARRAY $MERGE" 90 || fail "jobs still queued or running after 90 s: $(squeue 2>&1)"
st=$(job_field "$MERGE" JobState) code=$(job_field "$MERGE" ExitCode)
[ "$st" = COMPLETED ] && [ "$code" = 0:0 ] || fail "merge job: $st, exit code $code"
grep -q "($REPO/build/sim/percorsi, 1 threads)" "$T/hand/percorsi-shard-${ARRAY}_1.out" ||
  fail "shard 1 did not use the binary beside the script: $(cat "$T/hand/percorsi-shard-${ARRAY}_1.out")"
check test -f "$T/hand/percorsi-merge-$MERGE.out"
h5diff "${exclude[@]}" "$T/one.h5" "$T/hand/parts.h5" || fail "hand-merged file differs from the single-process run"
log "merged by hand: equal to the single-process run; logs in the submission directory"

log "passed"
