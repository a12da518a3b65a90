#!/usr/bin/env bash
# scripts/pack-portable end to end: the bundle runs `convlab list`, `convlab
# check --suite seed` and a one-shape convlab-bench from another working
# directory while the repository (source and build tree) is hidden behind an
# empty mount, so nothing can be found there.
# Usage: pack_portable.sh REPO_ROOT BUILD_DIR
set -u
root=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

"$root/scripts/pack-portable" >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "no OUTDIR should exit 2"
mkdir -p "$tmp/full" && touch "$tmp/full/x"
"$root/scripts/pack-portable" "$tmp/full" --build "$build" >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "a non-empty OUTDIR should exit 2"

if ! "$root/scripts/pack-portable" "$tmp/bundle" --build "$build"; then
  echo "FAIL: pack-portable failed"; exit 1
fi
for prog in "$tmp"/bundle/bin/*; do
  missing=$(LD_LIBRARY_PATH="$tmp/bundle/lib" ldd "$prog" | grep 'not found')
  [[ -z $missing ]] || fail "$prog: $missing"
  outside=$(LD_LIBRARY_PATH="$tmp/bundle/lib" ldd "$prog" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' |
            grep -v "$tmp/bundle/lib/" | grep -Ev '^(ld-linux|libc\.so|libm\.so|libpthread|libdl|librt|libresolv|libutil|libanl)')
  [[ -z $outside ]] || fail "$(basename "$prog") loads from outside the bundle: $outside"
done

mkdir -p "$tmp/elsewhere"
checks='
  cd "$TMPD/elsewhere" || exit 1
  rc=0
  "$TMPD/bundle/run" convlab list > list.txt || { echo "FAIL: run convlab list"; rc=1; }
  grep -q naive list.txt || { echo "FAIL: convlab list shows no naive variant"; rc=1; }
  "$TMPD/bundle/run" convlab check --suite seed > check.txt 2>&1 || { echo "FAIL: run convlab check --suite seed"; tail -5 check.txt; rc=1; }
  "$TMPD/bundle/run" convlab-bench --shape mb1ic3ih28oc16kh3 --variant naive --threads 1 --reps 1 \
      --min-time 0.01 --quiet --json bench.json > bench.txt 2>&1 || { echo "FAIL: run convlab-bench"; tail -5 bench.txt; rc=1; }
  grep -q "conv2d/naive/" bench.json 2>/dev/null || { echo "FAIL: convlab-bench wrote no naive row"; rc=1; }
  exit $rc'
export TMPD=$tmp
if unshare -m --propagation private true 2>/dev/null; then
  hide="mount -t tmpfs none '$root'"
  [[ $build == "$root"/* ]] || hide="$hide && mount -t tmpfs none '$build'"
  unshare -m --propagation private bash -c "$hide && [[ ! -e '$root/CMakeLists.txt' ]] || { echo 'FAIL: could not hide the repository'; exit 1; }
                                            $checks" || failures=$((failures + 1))
  echo "checked with the repository hidden (mount namespace)"
else
  echo "note: no mount namespace here (not root?): checked from another directory with the repository in place"
  bash -c "$checks" || failures=$((failures + 1))
fi
if [[ $failures -gt 0 ]]; then echo "pack_portable: $failures failure(s)"; exit 1; fi
echo "pack_portable: ok"
