#!/usr/bin/env bash
# Without --demo nothing demo is read: on a station with no stored formulary every command that
# needs one fails, saying what is missing and the command that adds it; with a stored but
# unapproved formulary the commands that prepare say how to approve it; with --demo (on demo data)
# the demo formulary is used as before.
set -u
admix="$1"
here="$(cd "$(dirname "$0")" && pwd)"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/xdg" XDG_CONFIG_HOME="$work/config"
a() { "$admix" --data-dir "$work/data" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
# refused WHAT PATTERN COMMAND...: exit status 1 and the pattern on stderr, nothing demo on stdout.
refused() {
  local what="$1" pattern="$2"; shift 2
  "$@" >"$work/out" 2>"$work/err" </dev/null; local status=$?
  [ "$status" -eq 1 ] || fail "$what: exit $status, expected 1 (stderr: $(cat "$work/err"))"
  grep -qE -- "$pattern" "$work/err" || fail "$what: expected /$pattern/ on stderr: $(cat "$work/err")"
  ! grep -qiE 'cefazolin|vancomycin|demo' "$work/out" || fail "$what: demo content on stdout: $(cat "$work/out")"
}
missing='no formulary is stored at this station: import one with `admix formulary import DIR --pharmacist USER`'

printf '{"id": "P-1", "recipe": "cefazolin-ns", "route": "IV", "patient": {"weight_kg": 70}, "dose": {"value": 1, "unit": "g"}}\n' >"$work/o.json"
printf '\x89PNG\r\n\x1a\n0000000000000000' >"$work/sheet.png"

refused "formulary check" "$missing" a formulary check
refused "plan" "$missing" a plan "$work/o.json"
refused "label" "$missing" a label 1
refused "downtime worksheet" "$missing" a downtime worksheet
refused "downtime record" "$missing" a downtime record O1 --prepared-by tech --prepared-at 2026-12-01T10:00:00Z \
  --photo "$work/sheet.png" --pharmacist rph
refused "session" "no formulary|formulary import" a session

# Stored but not approved: the preparing commands say how to approve it.
printf 'admin password 1\n' | a users add --username admin --name Admin --role admin --password >/dev/null || fail "admin"
printf 'rph password 1\nadmin password 1\n' | a users add --username rph --name "R. Pharm" --role pharmacist --password --admin admin >/dev/null || fail "rph"
printf 'rph password 1\n' | a formulary import "$here/../data/site_formulary" --pharmacist rph >/dev/null || fail "import"
refused "plan of a draft" 'admix formulary approve RECIPE --pharmacist USER' a plan "$work/o.json"
refused "downtime worksheet of a draft" 'admix formulary approve RECIPE' a downtime worksheet
refused "session of a draft" 'admix formulary approve RECIPE' a session
# The check reads the stored files (every recipe version, drafts too), not the demo's 40 recipes.
out=$(a formulary check) || fail "formulary check of the stored formulary"
grep -qE '^ok: 1 recipes, 2 products' <<<"$out" || fail "formulary check: expected the stored formulary: $out"
# A recipe of the demo formulary is not known here.
printf 'rph password 1\n' | a formulary approve famotidine-ns-50 --pharmacist rph >/dev/null || fail "approve"
refused "demo recipe" 'cefazolin-ns' a plan "$work/o.json"

# --demo (on its own data) keeps the demo formulary.
out=$("$admix" --demo --data-dir "$work/demo" formulary check) || fail "--demo formulary check"
grep -qE '^ok: 40 recipes' <<<"$out" || fail "--demo formulary check: $out"
echo "cli no-demo: nothing demo without --demo; every refusal names what is missing and the command"
