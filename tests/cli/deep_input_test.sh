#!/usr/bin/env bash
# Hostile TOML and JSON are refused with exit 1 and a message, never a crash: a 5,000-segment table
# header and 50,000 dotted key segments in the configuration (admix and admix-station), in a policy
# import and in a formulary; a deeply nested and a duplicate-key order JSON (`dose` twice must not
# silently mean the last one); an oversized configuration.
set -u
admix="$1"; station="${2:-}"
assets="$(cd "$(dirname "$0")/../../assets" && pwd)"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/xdg" XDG_CONFIG_HOME="$work/config"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

python3 - "$work" <<'PY'
import sys, os
w = sys.argv[1]
open(os.path.join(w, "header.toml"), "w").write("[" + ".".join(["a"] * 5000) + "]\nx = 1\n")
open(os.path.join(w, "dotted.toml"), "w").write(".".join(["a"] * 50000) + " = 1\n")
open(os.path.join(w, "nested.toml"), "w").write("x = " + "[" * 20000 + "]" * 20000 + "\n")
open(os.path.join(w, "big.toml"), "w").write("# " + "x" * (2 << 20) + "\n")
open(os.path.join(w, "nested.json"), "w").write('{"recipe":"cefazolin-ns","dose":' + "[" * 100000 + "]" * 100000 + "}")
open(os.path.join(w, "dup.json"), "w").write('{"recipe":"vancomycin-ns","patient":{"weight_kg":70},'
                                              '"dose":{"value":5,"unit":"mg/kg"},"dose":{"value":10,"unit":"mg/kg"}}')
PY

expect_refused() {  # $1 what, $2 pattern in stderr, then the command
  local what="$1" pattern="$2"; shift 2
  "$@" >"$work/out" 2>"$work/err"; local status=$?
  [ "$status" -eq 1 ] || fail "$what: exit $status, expected 1 ($(head -c 300 "$work/err"))"
  grep -qi -- "$pattern" "$work/err" || fail "$what: no message matching '$pattern': $(head -c 300 "$work/err")"
}

for f in header dotted nested; do
  expect_refused "config $f.toml" "levels deep\|dotted segments" "$admix" --config "$work/$f.toml" db info
  expect_refused "policy import $f.toml" "levels deep\|dotted segments" "$admix" --data-dir "$work/d" policy import "$work/$f.toml" --user qa --reason test
  mkdir -p "$work/formulary-$f"; cp "$assets/formulary/products.toml" "$work/formulary-$f/"; cp "$work/$f.toml" "$work/formulary-$f/recipes.toml"
  expect_refused "formulary $f.toml" "levels deep\|dotted segments" "$admix" formulary check --formulary "$work/formulary-$f"
done
expect_refused "config of 2 MiB" "bytes" "$admix" --config "$work/big.toml" db info
expect_refused "nested order JSON" "levels deep" "$admix" plan "$work/nested.json"
expect_refused "order JSON with dose twice" 'key "dose" is given twice' "$admix" plan "$work/dup.json"
# An endless input (issue 19): read up to the cap and refused, not read until memory runs out.
expect_refused "em import of /dev/zero" "larger than 16 MiB" "$admix" --data-dir "$work/d" em import /dev/zero --user qa
mkfifo "$work/endless.csv"
(yes "S-1,2026-12-01T08:00:00Z,BUF-1,,viable_air,0,cfu" >"$work/endless.csv" 2>/dev/null &)
expect_refused "em import of an endless FIFO" "larger than 16 MiB" "$admix" --data-dir "$work/d" em import "$work/endless.csv" --user qa
expect_refused "order add of /dev/zero" "larger than 16 MiB" "$admix" --data-dir "$work/d" order add /dev/zero --by rph
expect_refused "order add with dose twice" 'key "dose" is given twice' "$admix" --data-dir "$work/d" order add "$work/dup.json" --by rph
if [ -n "$station" ]; then
  expect_refused "admix-station config header" "levels deep\|dotted segments" "$station" --config "$work/header.toml" --screenshot "$work/x.png"
fi

if [ "$failures" -eq 0 ]; then echo "deep input: every hostile file refused with a message"; exit 0; fi
exit 1
