#!/usr/bin/env bash
# The CLI's contract, end to end: exit codes and the field named by each error.
# Usage: cli_contract.sh path/to/convlab [path/to/convlab-bench]
set -u
cli=$1
bench=${2:-}
failures=0

# expect CODE FIELD -- ARGS...: exit code CODE and, when FIELD is not '-',
# an error line on stderr that names FIELD.
expect() {
  local code=$1 field=$2
  shift 3
  local err
  err=$("$prog" "$@" 2>&1 >/dev/null)
  local got=$?
  if [[ $got -ne $code ]]; then
    echo "FAIL: $(basename "$prog") $* exited $got, expected $code; stderr: $err"
    failures=$((failures + 1))
  elif [[ $field != - && $err != *"$field"* ]]; then
    echo "FAIL: $(basename "$prog") $* did not name '$field'; stderr: $err"
    failures=$((failures + 1))
  elif [[ $code -eq 2 && $(printf '%s\n' "$err" | grep -c .) -gt 2 ]]; then
    echo "FAIL: $(basename "$prog") $* printed more than a short error: $err"
    failures=$((failures + 1))
  else
    echo "ok:   $(basename "$prog") $* -> $got${field:+ naming $field}"
  fi
}

prog=$cli
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
expect 2 frobnicate -- frobnicate
expect 2 min-time -- run --variant naive --shape mb1ic3ih28oc16kh3 --min-time nan
expect 2 min-time -- run --variant naive --shape mb1ic3ih28oc16kh3 --min-time inf
expect 2 min-time -- run --variant naive --shape mb1ic3ih28oc16kh3 --min-time 1e9
expect 2 reps -- run --variant naive --shape mb1ic3ih28oc16kh3 --reps 1000000000
expect 2 threads -- run --variant naive --shape mb1ic3ih28oc16kh3 --threads abc
expect 2 threads -- run --variant naive --shape mb1ic3ih28oc16kh3 --threads -1
expect 2 threads -- run --variant naive --shape mb1ic3ih28oc16kh3 --threads 1000000
expect 2 threads -- run --variant naive --shape mb1ic3ih28oc16kh3 --threads 99999999999999999999999
expect 2 threads -- check --shape mb1ic3ih28oc16kh3 --threads 1,0
expect 2 seconds -- machine --seconds nan
expect 2 threads -- memory --threads 1000000
expect 2 memory= -- check --shape mb1024ic512ih512oc512kh3 --variant naive
expect 2 memory= -- run --shape mb1024ic512ih512oc512kh3 --variant naive
expect 2 json -- machine --json /nonexistent/dir/machine.json
expect 2 json -- memory --json /nonexistent/dir/memory.json
expect 2 memory= -- memory --net cifar --batch 150000 --reps 0
expect 2 - -- run --shape mb1ic3ih28oc16kh3
expect 2 variant -- run --variant naive,,simd --shape max:mb1ic1ih8kh2
expect 2 variant -- check --variant naive, --shape max:mb1ic1ih8kh2
expect 2 pt= -- check --shape mb1ic3ih8oc4kh3ph1pt1
expect 2 div= -- check --shape avg_p:mb1ic3ih8kh2div0
# PyTorch-valid problems: an empty batch, one-sided padding, a ceil-mode
# window larger than the padded input, divisor_override, return_indices.
expect 0 - -- check --shape mb0ic3ih8oc4kh3
expect 0 - -- check --shape mb1ic3ih8oc4kh4pt1pb2
expect 0 - -- check --shape max:mb1ic1ih2kh3sh2ceil1
expect 0 - -- check --shape avg_np:mb1ic2ih2kh5sh4ph1ceil1
expect 0 - -- check --shape avg_p:mb1ic3ih8kh2div3
expect 0 - -- check --shape max:mb1ic3ih8kh2idx1
expect 0 - -- run --variant naive,interior_edge --shape max:mb1ic3ih8kh2idx1 --reps 2 --min-time 0.001
expect 2 data= -- train --data /nonexistent/fashion-mnist
expect 2 net -- train --net vgg
expect 2 png -- train --png /tmp/convlab-contract.png
expect 0 - -- run --variant naive --shape mb0ic3ih8oc4kh3 --reps 2 --min-time 0.001
# The backward pass (--pass bwd|all): checked and timed through the same commands.
expect 0 - -- check --pass bwd --shape mb2ic3ih9oc4kh3ph1
expect 0 - -- check --pass bwd --shape max:mb1ic2ih8kh2
expect 0 - -- check --pass all --shape avg_p:mb1ic2ih7kh3sh2ph1 --shape max:mb1ic2ih8kh2relu1
expect 0 - -- run --pass bwd --variant conv2d_bwd_data/naive,conv2d_bwd_data/as_forward --shape mb1ic3ih9oc4kh3 --reps 2 --min-time 0.001
expect 0 - -- run --pass all --variant naive,pool2d_bwd/naive --shape max:mb1ic2ih8kh2 --reps 2 --min-time 0.001
expect 0 - -- list --pass all --shape mb1ic3ih9oc4kh3
expect 2 pass -- check --pass sideways --shape mb1ic3ih9oc4kh3
expect 2 pass -- run --pass sideways --variant naive --shape mb1ic3ih9oc4kh3
expect 2 pass -- list --pass sideways
expect 2 variant= -- check --pass bwd --variant conv2d_bwd_data/nosuch --shape mb1ic3ih9oc4kh3
expect 2 variant= -- run --pass bwd --variant conv2d_bwd_weights/nosuch --shape mb1ic3ih9oc4kh3
expect 2 variant= -- run --pass bwd --variant nosuch/naive --shape mb1ic3ih9oc4kh3
expect 2 pass= -- run --variant conv2d_bwd_data/naive --shape mb1ic3ih9oc4kh3

# A variant of the other op is named as skipped, not dropped without a word.
out=$("$cli" run --variant naive,reordered --shape max:mb1ic1ih8kh2 --reps 1 --min-time 0.001 2>&1)
if [[ $out != *"skipped: reordered on max:mb1ic1ih8kh2"* ]]; then
  echo "FAIL: run dropped reordered on a pool shape without a word: $out"; failures=$((failures + 1))
else echo "ok:   run names the variant it skips on the other op's shape"; fi

# A descriptor's non-ASCII character is named whole; a 90 kB descriptor is
# named in a short line, not echoed.
err=$("$cli" run --variant naive --shape 'mb1ic3ih28oc16kh3é' 2>&1 >/dev/null)
if [[ $err != *"descriptor=é:"* ]]; then
  echo "FAIL: a non-ASCII character is not named whole: $err"; failures=$((failures + 1))
else echo "ok:   non-ASCII character named whole"; fi
for tail in x 9 ; do
  long="mb1ic3ih28oc16kh3$(head -c 90000 /dev/zero | tr '\0' "$tail")"
  err=$("$cli" run --variant naive --shape "$long" 2>&1 >/dev/null)
  if [[ $? -ne 2 || ${#err} -gt 600 ]]; then
    echo "FAIL: a 90 kB descriptor gave a ${#err}-byte error"; failures=$((failures + 1))
  else echo "ok:   a 90 kB descriptor ('$tail'...) -> ${#err}-byte error"; fi
done

# convlab-bench takes the same bounded numbers and answers bad ones the same way.
if [[ -n $bench ]]; then
  prog=$bench
  expect 0 - -- --help
  expect 2 min-time -- --shape mb1ic3ih28oc16kh3 --variant naive --min-time nan
  expect 2 reps -- --shape mb1ic3ih28oc16kh3 --variant naive --reps 1000000000
  expect 2 threads -- --shape mb1ic3ih28oc16kh3 --variant naive --threads abc
  expect 2 threads -- --shape mb1ic3ih28oc16kh3 --variant naive --threads 0
  expect 2 threads -- --shape mb1ic3ih28oc16kh3 --variant naive --threads 1000000
  expect 2 json -- --shape mb1ic3ih28oc16kh3 --variant naive --json /nonexistent/dir/bench.json
  expect 2 memory= -- --shape mb1024ic512ih512oc512kh3 --variant naive --reps 1
  expect 2 variant -- --shape mb1ic3ih28oc16kh3 --variant ,naive
  expect 0 - -- --pass bwd --shape mb1ic3ih9oc4kh3 --shape max:mb1ic2ih8kh2 --threads 1 --list
  expect 2 pass -- --pass sideways --shape mb1ic3ih9oc4kh3 --variant naive
  expect 2 variant -- --pass bwd --shape mb1ic3ih9oc4kh3 --variant conv2d_bwd_data/nosuch
fi

if [[ $failures -gt 0 ]]; then
  echo "$failures CLI contract checks failed"
  exit 1
fi
echo "all CLI contract checks passed"
