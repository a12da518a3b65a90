#!/usr/bin/env bash
# ctest bench_smoke: the whole chain on a tiny scale (a short machine probe,
# the matrix on the cifar and scaling suites, the plots and the report), so a
# change that breaks the JSON the scripts read fails a test, not a 10-minute
# run. Figures are not checked: only that every piece runs and writes its files.
#   smoke.sh CONVLAB CONVLAB_BENCH SOURCE_DIR WORK_DIR
set -euo pipefail
cli=$1 bench=$2 src=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
"$cli" machine --reps 2 --seconds 0.01 --threads 1,2 --no-stream --json "$work/machine.json" >/dev/null
for suite in cifar scaling; do
  "$bench" --suite "$suite" --threads 1,2 --reps 2 --min-time 0.001 --machine "$work/machine.json" \
    --json "$work/bench-$suite.json" --quiet >/dev/null
done
/usr/bin/python3 "$src/scripts/plots.py" all --bench "$work"/bench-*.json --machine "$work/machine.json" \
  --out "$work" >/dev/null
/usr/bin/python3 "$src/scripts/report.py" "$work" >/dev/null
for f in REPORT.md matrix-cifar.md machine.md ladder-conv2d-cifar-t1.png ladder-pool2d-cifar-t2.png size-scaling.png thread-scaling.png roofline.png; do
  [[ -s $work/$f ]] || { echo "bench_smoke: $f missing" >&2; exit 1; }
done
grep -q '^## Findings' "$work/REPORT.md"
grep -q '^| cifar conv2 |' "$work/REPORT.md"
grep -q '^# The matrix: suite cifar' "$work/matrix-cifar.md"
echo "bench_smoke: ok"
