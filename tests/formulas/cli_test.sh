#!/usr/bin/env bash
# The formulas commands run as a user runs them: values, --json fields, exit statuses, stderr.
# References: DOMAIN.md and the issue's "Done when" (Mosteller, Cockcroft-Gault, Calvert, NDC->GTIN).
set -u
admix="$1"
assets="$2"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect() { # expect NAME OUTPUT PATTERN
  grep -Eq -- "$3" <<<"$2" || fail "$1: expected /$3/ in: $2"
}

out=$("$admix" --help 2>&1); for cmd in gs1 ndc calc plan formulary; do expect "--help lists $cmd" "$out" "$cmd"; done

# Issue references.
out=$("$admix" calc bsa --height-cm 175 --weight-kg 70 --json) || fail "bsa exited $?"
expect "bsa mosteller" "$out" '"unit":"m2"'; expect "bsa value" "$out" '"value":1\.844'
out=$("$admix" calc bsa --height-cm 175 --weight-kg 70 --method dubois) || fail "bsa dubois exited $?"
expect "bsa dubois text" "$out" '^1\.85 m2'
out=$("$admix" calc crcl --age 65 --weight-kg 70 --scr-mg-dl 1.4 --sex male) || fail "crcl exited $?"
expect "crcl 52.1" "$out" '^52\.1 mL/min'
out=$("$admix" calc carboplatin --auc 5 --gfr 140 --gfr-cap 125 --json) || fail "carboplatin exited $?"
expect "calvert 750" "$out" '"value":750(\.0)?[,}]'; expect "calvert capped" "$out" '"gfr_capped":true'
out=$("$admix" calc carboplatin --auc 5 --gfr 140 --json) || fail "carboplatin default cap exited $?"
expect "calvert policy cap" "$out" '"gfr_cap_ml_min":125'
out=$("$admix" ndc 0409-3977-03 --json) || fail "ndc exited $?"
expect "ndc gtin" "$out" '"gtin14":"00304093977035"'; expect "ndc11" "$out" '"ndc11":"00409-3977-03"'
expect "ndc12" "$out" '"ndc12":"000409-3977-03"'; expect "ndc format" "$out" '"format":"4-4-2"'
out=$("$admix" ndc 0409397703 --json) || fail "ambiguous ndc exited $?"
expect "ndc ambiguous" "$out" '"ambiguous":true'; expect "ndc candidates" "$out" '"candidates":\[\{"format":"4-4-2"'
out=$("$admix" --demo ndc 9999940150 --json) || fail "formulary ndc exited $?"
expect "ndc resolved by the formulary" "$out" '"formulary_products":\[\{"id":"cisplatin-50mg-50ml"'

# Other calculators.
out=$("$admix" calc reconstitute --amount-mg 1000 --displacement-ml 0.4 --target-mg-per-ml 100 --json) || fail "reconstitute exited $?"
expect "reconstitute" "$out" '"diluent_ml":9\.6'
out=$("$admix" calc dilution --c1 10 --c2 2 --v2 50 --json) || fail "dilution exited $?"
expect "dilution" "$out" '"diluent_ml":40(\.0)?[,}]'
out=$("$admix" calc meq --mg 1491 --mw 74.55 --valence 1) || fail "meq exited $?"
expect "meq" "$out" '^20 mEq'
out=$("$admix" calc rate --dose 0.05 --dose-unit mcg/kg/min --weight-kg 80 --amount-mg 4 --volume-ml 250) || fail "rate exited $?"
expect "rate norepinephrine" "$out" '^15 mL/h'
out=$("$admix" calc rate --dose 1000 --dose-unit units/h --amount-units 25000 --volume-ml 250) || fail "rate heparin exited $?"
expect "rate heparin" "$out" '^10 mL/h'
out=$("$admix" calc drip --volume-ml 1000 --minutes 480 --drop-factor 20) || fail "drip exited $?"
expect "drip" "$out" '^41\.7 drops/min'
out=$("$admix" calc percent --percent 0.9 --volume-ml 1000) || fail "percent exited $?"
expect "percent" "$out" '^9 g'

# GS1: valid, invalid (clear message, exit 1, one line on stderr).
out=$("$admix" gs1 parse '(01)00304093977035(17)270200(10)LOT7(21)S99' --json) || fail "gs1 exited $?"
expect "gs1 expiry day 00" "$out" '"expiry":"2027-02-28"'; expect "gs1 gtin" "$out" '"gtin":"00304093977035"'
expect "gs1 lot" "$out" '"lot":"LOT7"'; expect "gs1 serial" "$out" '"serial":"S99"'
out=$(printf ']d2010030409397703517271231\x1d10A1\n' | "$admix" gs1 parse - --json) || fail "gs1 stdin exited $?"
expect "gs1 stdin" "$out" '"symbology":"GS1 DataMatrix"'
"$admix" gs1 parse 010030409397703617271231 --json >"$work/out" 2>"$work/err"; status=$?
[ "$status" -eq 1 ] || fail "bad gs1 exited $status"
expect "gs1 invalid json" "$(cat "$work/out")" '"valid":false'
expect "gs1 error names AI" "$(cat "$work/err")" 'AI \(01\) GTIN.*should end in 5'
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "bad gs1: expected one line on stderr"
"$admix" ndc 0409-3977-3 >"$work/out" 2>"$work/err" && fail "bad ndc exited 0"
expect "ndc error" "$(cat "$work/err")" 'segments 4-4-1'

# Plans: every demo order plans and exits 0; a plan with a blocking flag exits 1.
n=0
for order in "$assets"/formulary/orders/*.json; do
  out=$("$admix" --demo plan "$order" --json 2>"$work/err") || fail "plan $(basename "$order") exited $?: $(cat "$work/err")"
  expect "plan $(basename "$order")" "$out" '"ok":true'
  n=$((n + 1))
done
[ "$n" -ge 30 ] || fail "only $n demo orders"
out=$("$admix" --demo plan "$assets/formulary/orders/vancomycin-ns.json") || fail "plan text exited $?"
expect "plan text dose" "$out" 'dose = 15 mg/kg x 70 kg = 1,050 mg'
expect "plan text syringe" "$out" '30 mL syringe'
expect "plan text mass" "$out" 'expected mass = 21 mL x 1.02 g/mL = 21.42 g'
sed 's/"route": "IV"/"route": "IT"/' "$assets/formulary/orders/vancomycin-ns.json" >"$work/it.json"
"$admix" --demo plan "$work/it.json" >"$work/out" 2>"$work/err"; status=$?
[ "$status" -eq 1 ] || fail "blocked plan exited $status"
expect "blocked plan stderr" "$(cat "$work/err")" 'plan blocked: ROUTE_MISMATCH'
printf '{"id": "X", "recipe": \n' >"$work/bad.json"
"$admix" --demo plan "$work/bad.json" >"$work/out" 2>"$work/err" && fail "bad order JSON exited 0"
expect "bad order line:col" "$(cat "$work/err")" 'bad.json:2:1'

# Formulary files: a broken copy names file:line:column.
out=$("$admix" --demo formulary check) || fail "formulary check exited $?"
expect "formulary check" "$out" '^ok: 40 recipes'
# Without --demo nothing demo is read: a station with no stored formulary says what is missing.
"$admix" --data-dir "$work/real" formulary check >"$work/out" 2>"$work/err" && fail "formulary check without a formulary exited 0"
expect "no demo fallback (check)" "$(cat "$work/err")" 'no formulary is stored at this station: import one with `admix formulary import DIR'
"$admix" --data-dir "$work/real" plan "$assets/formulary/orders/vancomycin-ns.json" >"$work/out" 2>"$work/err" && fail "plan without a formulary exited 0"
expect "no demo fallback (plan)" "$(cat "$work/err")" 'no formulary is stored at this station'
out=$("$admix" --data-dir "$work/real" ndc 9999940150 --json) || fail "ndc on an empty station exited $?"
expect "no demo products (ndc)" "$out" '"formulary_products":\[\]'
mkdir -p "$work/f" && cp "$assets/formulary/recipes.toml" "$work/f/" && sed 's/density_g_ml = 1.0046/density_g_ml = "x"/' "$assets/formulary/products.toml" >"$work/f/products.toml"
"$admix" formulary check --formulary "$work/f" >"$work/out" 2>"$work/err" && fail "broken formulary accepted"
expect "formulary error position" "$(cat "$work/err")" 'products.toml:[0-9]+:[0-9]+: product\[3\]\.density_g_ml: must be a number'

[ "$failures" -eq 0 ] && echo "all formulas CLI checks passed" || { echo "$failures failures"; exit 1; }
