#!/usr/bin/env bash
# The whole suite several times in a row while busy loops compete for the CPU: the suite must not
# depend on how loaded the machine is (CI runs on busy 2-core machines).
#   deploy/local/test-under-load.sh [RUNS (3)] [BUSY_LOOPS (2)]
# Prints one line per run (exit code, tests passed/failed, minutes) and exits non-zero if any failed;
# each run's output is kept in .stack/logs/test-under-load-<n>.log.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
runs=${1:-3}
loops=${2:-2}
mkdir -p .stack/logs

busy=()
stop_busy() { for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null; done; }
trap stop_busy EXIT
for _ in $(seq "$loops"); do
  sh -c 'while :; do :; done' &
  busy+=($!)
done

failed=0
for n in $(seq "$runs"); do
  log=.stack/logs/test-under-load-$n.log
  start=$SECONDS
  bash deploy/local/test.sh >"$log" 2>&1
  code=$?
  summary=$(grep -E '^ℹ (pass|fail) ' "$log" | tail -n 2 | tr '\n' ' ')
  printf 'run %d of %d: exit %d, %s(%.1f min, load average %s, %d busy loops)\n' \
    "$n" "$runs" "$code" "$summary" "$(awk -v s=$((SECONDS - start)) 'BEGIN { print s / 60 }')" "$(cut -d' ' -f1-3 /proc/loadavg)" "$loops"
  [ $code -eq 0 ] || failed=1
done
exit $failed
