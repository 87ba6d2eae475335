#!/usr/bin/env bash
# The site's own formulary, orders and recalls from the command line, on a fresh data directory, with
# a formulary written for the test (tests/data/site_formulary: two products, one recipe, not the
# demo's). Checks what is refused as much as what works: a bad field stores nothing, a technician
# cannot sign, drafts cannot take orders, a duplicate order id, a bad recall CSV.
set -u
admix="$1"
here="$(cd "$(dirname "$0")" && pwd)"
site="$here/../data/site_formulary"
orders="$here/../data/site_orders"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/xdg" XDG_CONFIG_HOME="$work/config"
a() { "$admix" --data-dir "$work/data" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
expect() { grep -qE -- "$3" <<<"$2" || fail "$1: expected /$3/ in: $2"; }

printf 'admin password 1\n' | a users add --username admin --name Admin --role admin --password >/dev/null || fail "admin"
printf 'rph password 1\nadmin password 1\n' | a users add --username rph --name "R. Pharm" --role pharmacist --password --admin admin >/dev/null || fail "rph"
printf 'tech password 1\nadmin password 1\n' | a users add --username tech --name "T. Tech" --role technician --password --admin admin >/dev/null || fail "tech"

# Nothing is stored yet: lists say so, orders are refused.
out=$(a formulary list 2>&1) && fail "formulary list on an empty station succeeded"
expect "empty list" "$out" "no formulary is stored"

# One bad field: the error names file:line:column and key; nothing is stored.
mkdir -p "$work/bad" && cp "$site"/*.toml "$work/bad/"
sed -i 's/^density_g_ml = 1.006$/density_g_ml = "heavy"/' "$work/bad/products.toml"
out=$(printf 'rph password 1\n' | a formulary import "$work/bad" --pharmacist rph 2>&1) && fail "bad formulary imported"
expect "bad field" "$out" "bad/products.toml:[0-9]+:[0-9]+: product\[1\]\.density_g_ml: must be a number"
expect "bad field" "$out" "nothing was stored"
out=$(a formulary history 2>&1); [ -z "$out" ] || fail "a version was stored after a bad import: $out"

# The dry run shows the changes field by field; a technician cannot sign the import.
out=$(a formulary import "$site" --dry-run) || fail "dry run"
expect "dry run" "$out" "added product famotidine-10mg-ml"
expect "dry run" "$out" "added recipe famotidine-ns-50 v1"
out=$(printf 'tech password 1\n' | a formulary import "$site" --pharmacist tech 2>&1) && fail "a technician signed the formulary"
expect "tech import" "$out" "pharmacist"
out=$(printf 'wrong password\n' | a formulary import "$site" --pharmacist rph 2>&1) && fail "a wrong password signed"

out=$(printf 'rph password 1\n' | a formulary import "$site" --pharmacist rph) || fail "import"
expect "import" "$out" "stored formulary version 1"
expect "import" "$out" "draft: famotidine-ns-50 v1"

# A draft takes no order; a technician cannot approve it.
out=$(printf 'rph password 1\n' | a order add "$orders/order-1.json" --by rph 2>&1) && fail "order for a draft recipe accepted"
expect "draft order" "$out" "no recipe of the stored formulary is approved"
out=$(printf 'tech password 1\n' | a formulary approve famotidine-ns-50 --pharmacist tech 2>&1) && fail "technician approved"
expect "tech approve" "$out" "needs the signature of a pharmacist"
out=$(a formulary list); expect "still draft" "$out" "famotidine-ns-50.v1.draft"
printf 'rph password 1\n' | a formulary approve famotidine-ns-50 --pharmacist rph >/dev/null || fail "approve"
out=$(a formulary list); expect "approved" "$out" "famotidine-ns-50.v1.approved"
out=$(a formulary history --recipe famotidine-ns-50); expect "history" "$out" "approved  by rph"

# Export round-trips: the files import unchanged.
a formulary export "$work/export" >/dev/null || fail "export"
diff -r "$site" "$work/export" >/dev/null || fail "export differs from what was imported"
out=$(a formulary import "$work/export" --dry-run); expect "round trip" "$out" "no changes against the stored formulary"

# Orders: entered and planned; the same id twice is refused; a blocking plan flag refuses with its words.
out=$(printf 'rph password 1\n' | a order add "$orders/order-1.json" --by rph) || fail "order add: $out"
expect "order add" "$out" "entered order O[0-9]{8}-0001 \(SITE-0001\)"
out=$(printf 'rph password 1\n' | a order add "$orders/order-1.json" --by rph 2>&1) && fail "duplicate order accepted"
expect "duplicate" "$out" "order SITE-0001 was entered already"
sed -e 's/SITE-0001/SITE-0002/' -e 's/"value": 20/"value": 400/' "$orders/order-1.json" >"$work/too-much.json"
out=$(printf 'rph password 1\n' | a order add "$work/too-much.json" --by rph 2>&1) && fail "overdose accepted"
expect "blocking" "$out" "DOSE_ABOVE_MAX"
out=$(printf 'tech password 1\n' | a order add "$orders/order-1.json" --by tech 2>&1) && fail "technician entered an order"
out=$(a order list); [ "$(wc -l <<<"$out")" -eq 1 ] || fail "expected one order: $out"
out=$(a --json order show SITE-0001); expect "show" "$out" '"status":"open"'
out=$(printf 'rph password 1\n' | a order cancel SITE-0001 --reason "duplicate of paper order" --by rph) || fail "cancel"
out=$(a --json order show SITE-0001); expect "cancelled" "$out" '"cancel_reason":"duplicate of paper order'

# Recalls: a technician may not add one; a bad CSV names every bad row and imports none.
out=$(printf 'tech password 1\n' | a recall add --ndc 88888-101-20 --lot L1 --reason test --by tech 2>&1) && fail "technician added a recall"
cat >"$work/recalls.csv" <<CSV
ndc,lot,reason,source,date
88888-101-20,LOT-A,particulates,FDA,2026-11-20
88888-101-2X,LOT-B,bad ndc,FDA,2026-11-20
88888-201-50,,,manufacturer,2026-11-21
CSV
out=$(printf 'rph password 1\n' | a recall import "$work/recalls.csv" --by rph 2>&1) && fail "bad recall CSV imported"
expect "csv line 3" "$out" "recalls.csv:3: ndc"
expect "csv line 4" "$out" "recalls.csv:4: reason"
out=$(a recall list); [ -z "$out" ] || fail "rows were imported from a bad file: $out"
sed -i -e '3d' -e 's/^88888-201-50,,,/88888-201-50,,leaking seams,/' "$work/recalls.csv"
out=$(printf 'rph password 1\n' | a recall import "$work/recalls.csv" --by rph) || fail "recall import: $out"
expect "import" "$out" "2 recall\(s\) imported"
out=$(a recall list); expect "every lot" "$out" "every lot  leaking seams"
out=$(a recall affected); expect "affected" "$out" "no preparation used a recalled lot"
out=$(a trace --lot LOT-A); expect "trace" "$out" "no preparation used this lot"
out=$(printf 'rph password 1\n' | a recall remove 1 --reason "entered in error" --by rph) || fail "recall remove"
out=$(a recall list); [ "$(wc -l <<<"$out")" -eq 1 ] || fail "expected one recall left: $out"
out=$(a audit verify 2>&1) || fail "audit chain broken: $out"
echo "cli site: formulary, orders and recalls behave"
