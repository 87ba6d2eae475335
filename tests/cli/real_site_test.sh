#!/usr/bin/env bash
# README "Setting up a real site", run as written: every ```sh block of that section, in order, on
# an empty temporary data directory, from the top folder of the repository, with `admix` on the
# PATH. Then checks where it got to: the order of a recipe that is not in the demo formulary was
# entered by CLI, prepared through `admix session` and released by the pharmacist; every step
# passed; the audit trail verifies; nothing demo was used.
#
# usage: real_site_test.sh ADMIX REPO_ROOT
set -u
admix="$1"
repo="$2"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect() { grep -qE -- "$3" <<<"$2" || fail "$1: expected /$3/ in: $2"; }

# The section's blocks, each without the indentation of its fence.
awk '
  /^### Setting up a real site$/ { inside = 1; next }
  inside && /^##/ { inside = 0 }
  inside && !block && match($0, /^ *```sh$/) { block = 1; indent = RLENGTH - 5; print "# --- block " ++n; next }
  inside && block && substr($0, 1, indent) ~ /^ *$/ && substr($0, indent + 1) == "```" { block = 0; next }
  inside && block { print substr($0, indent + 1) }
' "$repo/README.md" >"$work/steps.sh"
blocks=$(grep -c '^# --- block ' "$work/steps.sh")
[ "$blocks" -ge 10 ] || fail "expected at least 10 sh blocks in the README section, found $blocks"
# The walk-through must still be the whole path: users to release, on the site's own formulary.
for needle in 'users add --username admin' 'site room-add BUF-1' 'site pec-add LAFW-1' 'qual record' 'cleaning log' \
              'em record --kind pressure' 'formulary import tests/data/site_formulary --pharmacist rph' \
              'formulary approve famotidine-ns-50' 'order add tests/data/site_orders/order-1.json' ' session ' \
              '"op":"approve"' '"user":"rph","pin"' 'audit verify'; do
  grep -qF -- "$needle" "$work/steps.sh" || fail "the README section no longer has: $needle"
done
! grep -q -- '--demo' "$work/steps.sh" || fail "the real-site walk-through uses --demo"
# The recipe is not the demo's.
! grep -q 'famotidine' "$repo/assets/formulary/recipes.toml" || fail "famotidine-ns-50 is in the demo formulary"
[ "$(grep -c '^\[\[product\]\]' "$repo/tests/data/site_formulary/products.toml")" -eq 2 ] || fail "site formulary: expected 2 products"
[ "$(grep -c '^\[\[recipe\]\]' "$repo/tests/data/site_formulary/recipes.toml")" -eq 1 ] || fail "site formulary: expected 1 recipe"

# Run it as a user would: a fresh shell, stop at the first failing command.
bin="$work/bin"; mkdir -p "$bin"; ln -s "$admix" "$bin/admix"
(
  cd "$repo" || exit 1
  export HOME="$work/home" XDG_DATA_HOME="$work/xdg" XDG_CONFIG_HOME="$work/config" D="$work/data" W="$work/files"
  export PATH="$bin:$PATH" DISPLAY=
  mkdir -p "$HOME"
  bash -euo pipefail "$work/steps.sh"
) >"$work/log" 2>&1 || fail "the README steps failed: $(tail -20 "$work/log")"

a() { HOME="$work/home" XDG_DATA_HOME="$work/xdg" XDG_CONFIG_HOME="$work/config" "$admix" --config "$work/files/admix.toml" "$@"; }
# Every answer of the session was ok; the last one released the preparation.
session="$work/files/session.jsonl"
[ "$(wc -l <"$session")" -eq 11 ] || fail "expected 11 session answers: $(cat "$session")"
expect "started" "$(cat "$work/files/start.jsonl")" '"status":"in_progress"'
if grep -q '"ok":false' "$work/files/start.jsonl"; then fail "the start was refused: $(cat "$work/files/start.jsonl")"; fi
if grep -q '"ok":false' "$session"; then fail "a session request was refused: $(grep '"ok":false' "$session")"; fi
expect "weigh within tolerance" "$(sed -n 4p "$session")" '"verdict":"passed"'
expect "released" "$(tail -1 "$session")" '"status":"released"'
out=$(a --json order show SITE-0001) || fail "order show"
expect "order released" "$out" '"status":"released"'
expect "order's recipe" "$out" '"recipe":"famotidine-ns-50"'
prep=$(sed -n 's/.*"preparation":"\([^"]*\)".*/\1/p' <<<"$out")
[ -n "$prep" ] || fail "no preparation in: $out"
out=$(a --json prep show "$prep") || fail "prep show"
expect "prep released" "$out" '"status":"released"'
expect "checked by the pharmacist" "$out" '"checked_by":"rph"'
expect "prepared by the technician" "$out" '"technician":"tech"'
[ "$(grep -o '"state":"passed"' <<<"$out" | wc -l)" -eq 7 ] || fail "expected 7 passed steps: $out"
[ -s "$work/files/label.png" ] || fail "no label preview"
out=$(a formulary list); expect "only the site's recipe" "$out" '^famotidine-ns-50	v1	approved'
[ "$(wc -l <<<"$out")" -eq 1 ] || fail "expected one recipe in the formulary: $out"
out=$(a audit verify 2>&1) || fail "audit verify: $out"
expect "audit" "$out" '1 preparations fit their decision and e-signature rows'
echo "cli real-site: the README walk-through reaches a released preparation ($prep)"
