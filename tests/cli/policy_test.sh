#!/usr/bin/env bash
# admix policy show|set|import on a fresh data directory: the formulas policy (tolerance bands,
# balance, syringes, BSA, GFR cap) is stored beside the USP limits, seeded from the shipped TOML;
# a technician's change is refused and recorded; a bad value or a file with one bad key names the
# key and changes nothing; `admix plan` and `admix calc carboplatin` follow the stored values.
set -u
admix="$1"
assets="$2"
here="$(cd "$(dirname "$0")" && pwd)"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/xdg" XDG_CONFIG_HOME="$work/config"
a() { "$admix" --data-dir "$work/data" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
expect() { grep -qE -- "$3" <<<"$2" || fail "$1: expected /$3/ in: $2"; }

printf 'admin password 1\n' | a users add --username admin --name Admin --role admin --password >/dev/null || fail "admin"
printf 'rph password 1\nadmin password 1\n' | a users add --username rph --name "R. Pharm" --role pharmacist --password --admin admin >/dev/null || fail "rph"
printf 'qa password 12\nadmin password 1\n' | a users add --username qa --name "Q. Alvarez" --role quality --password --admin admin >/dev/null || fail "qa"
printf 'tech password 1\nadmin password 1\n' | a users add --username tech --name "T. Tech" --role technician --password --admin admin >/dev/null || fail "tech"

# Every key, with who set it and when, and the role that changes it.
out=$(a policy show) || fail "policy show"
expect "show tolerance" "$out" '^tolerance = 2:10, \*:5   \(defaults, [0-9T:-]+Z; changed by quality\)$'
expect "show syringes" "$out" '^syringe = 1:0.01:0.1, 3:0.1:0.5, 5:0.2:1, 10:0.2:2, 20:1:4, 30:1:6, 60:1:12 '
expect "show bsa" "$out" '^bsa.method = mosteller .*changed by pharmacist'
expect "show gfr" "$out" '^carboplatin.gfr_cap_ml_min = 125 '
expect "show readability" "$out" '^balance.readability_g = 0.01 '
expect "show usp" "$out" '^bud.vial.single_dose_iso5_hours = 12 '
expect "show override signer" "$out" '^check.override_signer_may_release = false '
[ "$(wc -l <<<"$out")" -ge 90 ] || fail "policy show lists too few keys: $(wc -l <<<"$out")"
out=$(a --json policy show tolerance); expect "show json" "$out" '"by":"defaults".*"role":"quality"'

# A technician cannot change a key; the refusal is recorded; nothing changes.
out=$(printf 'tech password 1\n' | a policy set tolerance "2:5, *:3" --user tech --reason "try" 2>&1) && fail "technician changed the policy"
expect "tech refused" "$out" '^admix: tolerance: refused, nothing changed: .*quality'
out=$(printf 'qa password 12\n' | a policy set bsa.method dubois --user qa --reason "try" 2>&1) && fail "quality changed a pharmacist key"
expect "qa refused" "$out" 'bsa.method: refused.*pharmacist'
out=$(a audit export); expect "refusal audited" "$out" '"tech","policy.refused","policy:tolerance"'
expect "esign refusal audited" "$out" '"tech","esign.refused","policy:tolerance"'
out=$(a policy show tolerance); expect "unchanged" "$out" '^tolerance = 2:10, \*:5   \(defaults'

# A bad value names the key and changes nothing (no signature is asked for).
out=$(a policy set tolerance "2:80, *:5" --user qa --reason x </dev/null 2>&1) && fail "bad band accepted"
expect "bad band" "$out" '^admix: tolerance: band 1 percent: must be between 0.1 and 50, not 80 \(nothing changed\)$'
out=$(a policy set balance.readability_g fine --user qa --reason x </dev/null 2>&1) && fail "bad number accepted"
expect "bad number" "$out" "balance.readability_g: must be a number, not 'fine'"
out=$(a policy set tolerance.percent 5 --user qa --reason x </dev/null 2>&1) && fail "unknown key accepted"
expect "unknown key" "$out" 'tolerance.percent: unknown policy key'

# The right roles change them; the audit trail has old -> new and who.
out=$(printf 'qa password 12\n' | a policy set tolerance "2:5, *:4" --user qa --reason "SOP-12 rev 4") || fail "qa set: $out"
expect "qa set" "$out" '^tolerance = 2:5, \*:4 \(was 2:10, \*:5\)$'
out=$(printf 'rph password 1\n' | a policy set carboplatin.gfr_cap_ml_min 120 --user rph --reason "P&T") || fail "rph set: $out"
out=$(a audit export); expect "set audited" "$out" '"qa","policy.set","policy:tolerance","\{""key"":""tolerance"",""new"":""2:5, \*:4"",""old"":""2:10, \*:5"",""reason"":""SOP-12 rev 4""'
out=$(a policy show tolerance); expect "who and when" "$out" '^tolerance = 2:5, \*:4   \(qa, '

# An import with one bad key changes nothing and names file:line:column: key.
sed 's/^percent = 10$/percent = 70/' "$assets/policy/formulas.toml" >"$work/bad.toml"
out=$(printf 'qa password 12\n' | a policy import "$work/bad.toml" --user qa --reason x 2>&1) && fail "bad import accepted"
expect "bad import" "$out" 'bad.toml:[0-9]+:[0-9]+: tolerance\[1\]\.percent: must be between 0.1 and 50, not 70 \(nothing was stored\)'
out=$(a policy show tolerance); expect "import changed nothing" "$out" '^tolerance = 2:5, \*:4   \(qa, '
# A good file: the dry run lists the changes, the import by quality stores them.
sed 's/^percent = 10$/percent = 8/; s/^gfr_cap_ml_min = 125$/gfr_cap_ml_min = 120/' "$assets/policy/formulas.toml" >"$work/good.toml"
out=$(a policy import "$work/good.toml" --dry-run) || fail "dry run"
expect "dry run" "$out" '^would change tolerance: 2:5, \*:4 -> 2:8, \*:5$'
out=$(printf 'qa password 12\n' | a policy import "$work/good.toml" --user qa --reason "SOP-12 rev 5") || fail "import: $out"
expect "import" "$out" '1 policy value\(s\) changed'
out=$(a policy show tolerance); expect "imported" "$out" '^tolerance = 2:8, \*:5   \(qa, '

# The station's commands read the stored policy, not the file.
printf 'rph password 1\n' | a formulary import "$here/../data/site_formulary" --pharmacist rph --approve >/dev/null || fail "formulary import"
printf '{"id": "P-1", "recipe": "famotidine-ns-50", "route": "IV", "patient": {"weight_kg": 70}, "dose": {"value": 20, "unit": "mg"}}\n' >"$work/o.json"
out=$(a plan "$work/o.json") || fail "plan: $out"
expect "plan uses the stored band" "$out" 'tolerance \+/-8% -> 1.85 g to 2.17 g'
out=$(a plan "$work/o.json" --policy "$assets/policy/formulas.toml") || fail "plan with a file"
expect "plan with --policy" "$out" 'tolerance \+/-10% -> 1.81 g to 2.21 g'
out=$(a --json calc carboplatin --auc 5 --gfr 140) || fail "carboplatin"
expect "stored GFR cap" "$out" '"gfr_cap_ml_min":120'
out=$(a audit verify 2>&1) || fail "audit verify: $out"
echo "cli policy: stored, role-checked, audited, read by the commands"
