#!/usr/bin/env bash
# The CLI's contract, end to end: exit codes and the field named by each error.
# Usage: cli_contract.sh path/to/convlab
set -u
cli=$1
failures=0

# expect CODE FIELD -- ARGS...: exit code CODE and, when FIELD is not '-',
# an error line on stderr that names FIELD.
expect() {
  local code=$1 field=$2
  shift 3
  local err
  err=$("$cli" "$@" 2>&1 >/dev/null)
  local got=$?
  if [[ $got -ne $code ]]; then
    echo "FAIL: convlab $* exited $got, expected $code; stderr: $err"
    failures=$((failures + 1))
  elif [[ $field != - && $err != *"$field"* ]]; then
    echo "FAIL: convlab $* did not name '$field'; stderr: $err"
    failures=$((failures + 1))
  elif [[ $code -eq 2 && $(printf '%s\n' "$err" | grep -c .) -gt 2 ]]; then
    echo "FAIL: convlab $* printed more than a short error: $err"
    failures=$((failures + 1))
  else
    echo "ok:   convlab $* -> $got${field:+ naming $field}"
  fi
}

expect 0 - -- --help
expect 0 - -- list
expect 0 - -- list --shape mb1ic3ih28oc16kh3
expect 0 - -- run --variant naive --shape mb1ic3ih28oc16kh3 --reps 2 --min-time 0.001
expect 0 - -- check --shape mb1ic3ih28oc16kh3 --variant naive
expect 2 sh= -- run --variant naive --shape mb1ic3ih28oc16kh3sh0
expect 2 icc -- run --variant naive --shape mb1icc3ih28oc16kh3
expect 2 ih -- run --variant naive --shape mb1ic3ihoc16kh3
expect 2 kh -- run --variant naive --shape mb1ic3ih2oc16kh3
expect 2 ph= -- run --variant naive --shape mb1ic3ih28oc16kh3ph-1
expect 2 g= -- run --variant naive --shape g2mb1ic3ih28oc16kh3
expect 2 variant= -- run --variant nosuch --shape mb1ic3ih28oc16kh3
expect 2 threads -- run --variant naive --shape mb1ic3ih28oc16kh3 --threads 0
expect 2 suite= -- check --suite nosuch
expect 2 alg= -- check --shape 'maxi:mb1ic1ih4kh2'
expect 2 ph= -- check --shape 'max:mb1ic1ih4kh2ph2'
expect 0 - -- memory --net seed --batch 2 --reps 0
expect 2 net -- memory --net vgg
expect 2 batch -- memory --batch 0
expect 2 - -- frobnicate
expect 2 - -- run --shape mb1ic3ih28oc16kh3

if [[ $failures -gt 0 ]]; then
  echo "$failures CLI contract checks failed"
  exit 1
fi
echo "all CLI contract checks passed"
