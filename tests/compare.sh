#!/usr/bin/env bash
# scripts/compare on two saved results directories (tests/data/compare: one
# machine at --isa avx2 and at --isa avx512; the avx512 side also ran the
# `reordered` variant): COMPARE.md, its plots, the rows one side lacks, and
# one-line errors with exit 2 on bad input.
# Usage: compare.sh REPO_ROOT
set -u
root=$1
data=$root/tests/data/compare
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

if ! /usr/bin/python3 "$root/scripts/compare" "$data/avx2" "$data/avx512" --out "$tmp/out" >"$tmp/log" 2>&1; then
  cat "$tmp/log"; echo "FAIL: scripts/compare failed"; exit 1
fi
md=$tmp/out/COMPARE.md
[[ -s $md ]] || fail "no COMPARE.md"
for png in compare-peak.png compare-ratio.png; do
  [[ $(stat -c %s "$tmp/out/$png" 2>/dev/null || echo 0) -gt 10000 ]] || fail "$png missing or empty"
done
grep -q '^| conv2d | simd | 1 |' "$md" || fail "no per-variant row for conv2d simd"
grep -q 'avx512 (avx512) ÷ avx2 (avx2)' "$md" || fail "no ratio column"
grep -q 'Which variant wins where' "$md" || fail "no winners table"
# Each conv2d shape of the avx512 side ran `reordered`; the avx2 side did not.
missing=$(grep -c '^- `conv2d/reordered/.*only in avx512 (avx512)' "$md")
[[ $missing -eq 3 ]] || fail "expected the 3 reordered rows listed as missing on the avx2 side, got $missing"
grep -q '`conv2d/simd/' <(sed -n '/Rows not on every side/,$p' "$md") && fail "a row both sides ran is listed as missing"

expect_error() {  # CODE WORD -- ARGS: exit CODE and one stderr line naming WORD
  local code=$1 word=$2; shift 3
  local err rc
  err=$(/usr/bin/python3 "$root/scripts/compare" "$@" 2>&1 >/dev/null); rc=$?
  [[ $rc -eq $code ]] || fail "compare $* exited $rc, expected $code: $err"
  [[ $err == *"$word"* ]] || fail "compare $* did not name '$word': $err"
  [[ $(printf '%s\n' "$err" | grep -c .) -le 2 ]] || fail "compare $* printed more than a short error: $err"
}
expect_error 2 "two or more" -- "$data/avx2" --out "$tmp/x"
expect_error 2 "machine.json" -- "$data/avx2" "$tmp" --out "$tmp/x"
expect_error 2 "--names" -- "$data/avx2" "$data/avx512" --out "$tmp/x" --names onlyone

if [[ $failures -gt 0 ]]; then echo "compare: $failures failure(s)"; exit 1; fi
echo "compare: ok"
