#!/usr/bin/env bash
# The Python scripts on bad input: a missing, empty, truncated or corrupt
# JSON file or directory gives one line naming it and exit 2, never a traceback.
# Usage: scripts_bad_input.sh REPO_ROOT
set -u
root=$1
py=/usr/bin/python3
good=$root/tests/data/compare/avx2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect WORD -- COMMAND...: exit 2, one or two stderr lines naming WORD, no traceback.
expect() {
  local word=$1; shift 2
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  if [[ $rc -ne 2 || $err == *Traceback* || $err != *"$word"* || $(printf '%s\n' "$err" | grep -c .) -gt 2 ]]; then
    echo "FAIL: ${*#$root/} -> exit $rc, expected 2 and a short error naming '$word': $err"
    failures=$((failures + 1))
  else
    echo "ok:   ${*#$root/} -> exit 2: $err"
  fi
}

mkdir -p "$tmp/empty" "$tmp/trunc" "$tmp/corrupt" "$tmp/nomachine" "$tmp/emptyjson"
cp "$good/machine.json" "$tmp/trunc/" && head -c 5000 "$good/bench-seed.json" > "$tmp/trunc/bench-seed.json"
cp "$good/bench-seed.json" "$tmp/corrupt/" && echo '{"convlab_machine": 1, "cpu": ' > "$tmp/corrupt/machine.json"
cp "$good/bench-seed.json" "$tmp/nomachine/"
cp "$good/machine.json" "$tmp/emptyjson/" && : > "$tmp/emptyjson/bench-seed.json"
echo '{"context": {}, "benchmarks": [{"run_name": "x"}]}' > "$tmp/odd.json"

expect "no such directory" -- $py "$root/scripts/report.py" "$tmp/missing"
expect "no bench-" -- $py "$root/scripts/report.py" "$tmp/empty"
expect "bench-seed.json" -- $py "$root/scripts/report.py" "$tmp/trunc"
expect "machine.json" -- $py "$root/scripts/report.py" "$tmp/corrupt"
expect "machine.json" -- $py "$root/scripts/report.py" "$tmp/nomachine"
expect "empty" -- $py "$root/scripts/report.py" "$tmp/emptyjson"
expect "missing.json" -- $py "$root/scripts/plots.py" all --bench "$tmp/missing.json" --out "$tmp/p"
expect "bench-seed.json" -- $py "$root/scripts/plots.py" all --bench "$tmp/trunc/bench-seed.json" --out "$tmp/p"
expect "odd.json" -- $py "$root/scripts/plots.py" ladder --bench "$tmp/odd.json" --out "$tmp/p"
expect "machine.json" -- $py "$root/scripts/plots.py" all --bench "$good/bench-seed.json" \
  --machine "$tmp/corrupt/machine.json" --out "$tmp/p"
expect "bench-seed.json" -- $py "$root/scripts/compare" "$good" "$tmp/trunc" --out "$tmp/c"
expect "machine.json" -- $py "$root/scripts/compare" "$good" "$tmp/nomachine" --out "$tmp/c"

# scripts/run-lab refuses a bad suite or output folder before it builds or
# measures, and removes the folder a killed run left behind.
expect "'nope'" -- bash -c "cd '$root' && scripts/run-lab --suite nope"
expect "/proc/foo" -- bash -c "cd '$root' && scripts/run-lab --out /proc/foo/bar"
expect "/proc" -- bash -c "cd '$root' && scripts/run-lab --out /proc/nope"  # root passes -w on /proc
expect "is a file" -- bash -c "cd '$root' && scripts/run-lab --out '$good/machine.json'"
# The Q2 study offline: a missing session, a file that is not a session, a session as the machine.
q2=$root/scripts/study-q2-parallel
session=$root/bench/studies/q2-parallel/sessions/xeon16-2026-11-28
expect "nope.json" -- $py "$q2" --session "$tmp/nope.json" --machine "$session/machine.json" "$tmp/q2"
expect "not a convlab-parallel session" -- $py "$q2" --session "$session/machine.json" --machine "$session/machine.json" "$tmp/q2"
expect "not a convlab machine" -- $py "$q2" --session "$session/parallel1.json" --machine "$session/parallel1.json" "$tmp/q2"
expect "at most two" -- $py "$q2" --session "$session/parallel1.json" --session "$session/parallel1.json" --session "$session/parallel2.json" --machine "$session/machine.json" "$tmp/q2"
stale=$root/results.tmp.killedruntest
mkdir -p "$stale" && echo 999999999 > "$stale/.pid"
err=$(cd "$root" && scripts/run-lab --suite nope 2>&1)
if [[ -e $stale || $err != *"removed results.tmp.killedruntest"* ]]; then
  echo "FAIL: run-lab left or did not mention a killed run's folder: $err"; failures=$((failures + 1)); rm -rf "$stale"
else echo "ok:   run-lab removed a killed run's results.tmp folder"; fi

if [[ $failures -gt 0 ]]; then echo "scripts_bad_input: $failures failure(s)"; exit 1; fi
echo "scripts_bad_input: ok"
