#!/usr/bin/env bash
# The usp797 commands as a user runs them: site, import (all-or-nothing, every bad line named),
# report, BUD, the gate blocked by an open excursion until QA closes it with a re-authenticated
# signature, and the audit trail showing both. Usage: cli_usp797_test.sh path/to/admix
set -u
admix="$1"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
A=("$admix" --data-dir "$work/station")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

printf 'adminpass123\n' | "${A[@]}" users add --username admin --name Admin --role admin --password >/dev/null || fail "add admin"
for u in qa01:quality pharm01:pharmacist tech01:technician; do
  printf 'secretpass1\nadminpass123\n' | "${A[@]}" users add --username "${u%%:*}" --name "${u%%:*}" --role "${u##*:}" --password --admin admin >/dev/null ||
    fail "add ${u%%:*}"
done
"${A[@]}" site demo --user admin --certified 2026-01-01 >/dev/null || fail "site demo"

# A bad file: every bad line reported, nothing imported.
cat >"$work/bad.csv" <<'CSV'
at_utc,kind,room,location,value,litres,person,device_or_lot,notes
2026-02-01T10:00:00Z,surface,BUF-1,BUF-1/floor,1,,qa01,TSA-1,
2026-02-01T10:00:00Z,surface,NOPE,NOPE/floor,1,,qa01,TSA-1,
2026-02-01T11:00:00Z,viable_air,BUF-1,LAFW-1,0,500,qa01,TSA-1,
CSV
"${A[@]}" em import "$work/bad.csv" --user qa01 >"$work/out" 2>"$work/err"; status=$?
[ "$status" -ne 0 ] || fail "bad import exited 0"
grep -q "bad.csv: line 3, column room" "$work/err" || fail "bad import does not name line 3: $(cat "$work/err")"
grep -q "bad.csv: line 4, column litres" "$work/err" || fail "bad import does not name line 4: $(cat "$work/err")"
out=$("${A[@]}" em report --from 2026-01-01 --to 2026-12-31 --format json)
grep -q '"count":0' <<<"$out" || fail "bad import left rows behind: ${out:0:200}"

# A generated year imports; the report answers.
"${A[@]}" em generate --site demo --days 365 --start 2025-01-01 --out "$work/year.csv" >/dev/null || fail "generate"
out=$("${A[@]}" --json em import "$work/year.csv" --user qa01) || fail "import year exited $?"
grep -q '"excursions":5' <<<"$out" || fail "year import: $out"
out=$("${A[@]}" em report --from 2025-01-01 --to 2025-12-31 --room BUF-1 --format csv) || fail "report csv"
[ "$(head -1 <<<"$out" | cut -d, -f1-3)" = "id,at_utc,kind" ] || fail "report csv header: $(head -1 <<<"$out")"
grep -q ',ANTE-1,' <<<"$out" && fail "report --room BUF-1 shows ANTE-1 rows"

# BUD
out=$("${A[@]}" bud --category 2 --method aseptic --storage room --prepared-at 2026-03-01T08:00:00Z --json) || fail "bud"
[ "$out" != "${out/\"bud\":\"2026-03-05T08:00:00Z\"/}" ] || fail "bud Cat 2 room: $out"
grep -q '"days":4' <<<"$out" || fail "bud days: $out"
out=$("${A[@]}" bud --category immediate --storage room --prepared-at 2026-03-01T08:00:00Z --json)
grep -q '"hours":4' <<<"$out" || fail "bud immediate: $out"
"${A[@]}" bud --category 3 --storage room >/dev/null 2>&1 && fail "Cat 3 without a sterility test accepted"

# The gate: excursion #1 (BUF-1 surface) blocks LAFW-1 until QA closes it.
out=$("${A[@]}" --json compliance gate --person tech01 --category 2 --pec LAFW-1 2>/dev/null) && fail "gate allowed with open excursions"
grep -q '"code":"open_excursion"' <<<"$out" || fail "gate does not name the excursion: ${out:0:300}"
# Site policy forbids overriding an open excursion: the one override path refuses it, naming the reason.
dec=$(sed -n 's/.*"decision":\([0-9]*\).*/\1/p' <<<"$out")
[ -n "$dec" ] || fail "gate printed no decision number: ${out:0:300}"
err=$(printf 'secretpass1\n' | "${A[@]}" compliance override "$dec" --pharmacist pharm01 --reason "STAT dose" 2>&1 >/dev/null) &&
  fail "a pharmacist overrode an open excursion"
grep -q "open_excursion" <<<"$err" || fail "override refusal does not name open_excursion: $err"
"${A[@]}" excursion close 1 --user qa01 --reason "done" </dev/null >/dev/null 2>&1 && fail "closed an incomplete excursion"
rid=$(printf 'secretpass1\n' | "${A[@]}" --json em record --kind surface --room BUF-1 --location BUF-1/pass-through --value 0 --device TSA-9 --user qa01 |
  sed -n 's/.*"id":\([0-9]*\).*/\1/p')
[ -n "$rid" ] || fail "re-sample not recorded"
"${A[@]}" excursion update 1 --user qa01 --investigation "wipes" --genus Bacillus --remediation "sporicidal" --resample "$rid" >/dev/null ||
  fail "update excursion"
printf 'secretpass1\n' | "${A[@]}" excursion close 1 --user tech01 --reason "done" >/dev/null 2>&1 && fail "a technician closed an excursion"
printf 'wrongpass11\n' | "${A[@]}" excursion close 1 --user qa01 --reason "done" >/dev/null 2>&1 && fail "closed with a wrong password"
printf 'secretpass1\n' | "${A[@]}" excursion close 1 --user qa01 --reason "investigated, re-sampled clean" >/dev/null || fail "QA close"
out=$("${A[@]}" --json audit tail -n 400)
grep -q '"action":"gate.blocked"' <<<"$out" || fail "gate.blocked not audited"
grep -q '"action":"excursion.close"' <<<"$out" || fail "excursion.close not audited"
"${A[@]}" audit verify >/dev/null || fail "audit chain broken"

# Garbing, cleaning and qualification entry.
[ "$("${A[@]}" garb procedure --hd | wc -l)" -eq 9 ] || fail "USP <800> procedure is not 9 steps"
sid=$("${A[@]}" --json garb start --user tech01 --room HD-1 | sed -n 's/.*"session":\([0-9]*\).*/\1/p')
[ -n "$sid" ] || fail "garb start"
"${A[@]}" garb step --session "$sid" --step mask >/dev/null 2>"$work/err" && fail "garbing step out of order accepted"
grep -q "next step is shoe_covers" "$work/err" || fail "out-of-order message: $(cat "$work/err")"
for step in shoe_covers head_cover mask; do "${A[@]}" garb step --session "$sid" --step $step >/dev/null || fail "step $step"; done
"${A[@]}" garb step --session "$sid" --step hand_wash --seconds 29 >/dev/null 2>"$work/err" && fail "29 s hand wash accepted"
grep -q "at least 30 s" "$work/err" || fail "hand wash message: $(cat "$work/err")"
"${A[@]}" garb step --session "$sid" --step hand_wash --seconds 30 >/dev/null || fail "30 s hand wash refused"
"${A[@]}" garb exit --session "$sid" >/dev/null || fail "garb exit"
"${A[@]}" garb step --session "$sid" --step hd_gown >/dev/null 2>&1 && fail "step after exit accepted"
printf 'secretpass1\n' | "${A[@]}" cleaning log --area HD-1 --task daily --actions cleaning,disinfection --agent Peridox --lot P1 --user tech01 \
  >/dev/null 2>"$work/err" && fail "HD daily cleaning without deactivation accepted"
grep -q "deactivation,decontamination,cleaning,disinfection" "$work/err" || fail "HD cleaning message: $(cat "$work/err")"
printf 'secretpass1\n' | "${A[@]}" cleaning log --area HD-1 --task daily --actions deactivation,decontamination,cleaning,disinfection --agent Peridox \
  --lot P1 --user tech01 >/dev/null || fail "HD daily cleaning refused"
printf 'secretpass1\n' | "${A[@]}" qual record --person tech01 --kind initial_fingertip --date 2025-06-01 --cfu 0 --user qa01 >/dev/null || fail "qual record"
printf 'secretpass1\n' | "${A[@]}" qual record --person tech01 --kind training --date 2025-06-01 --pass --user tech01 >/dev/null 2>&1 &&
  fail "a technician recorded a qualification"
out=$("${A[@]}" --json compliance status --person tech01)
grep -q '"initial gloved fingertip sampling: 1 of 3 passes"' <<<"$out" || fail "status does not show the fingertip count: ${out:0:300}"

# Records in someone's name need that person's PIN or password on standard input (issue 14): without
# it, or with a wrong one, each is refused and nothing is recorded.
for secret in "" "wrongpass11"; do
  for args in "site certify BUF-1 --date 2026-01-01 --user qa01" \
              "qual record --person tech01 --kind media_fill --date 2025-06-02 --pass --user qa01" \
              "cleaning log --area BUF-1 --task daily --actions cleaning,disinfection --agent Peridox --lot P2 --user tech01" \
              "em record --kind temperature --room BUF-1 --value 19 --user qa01"; do
    # shellcheck disable=SC2086
    if [ -z "$secret" ]; then "${A[@]}" $args </dev/null >"$work/out" 2>"$work/err"; else printf '%s\n' "$secret" | "${A[@]}" $args >"$work/out" 2>"$work/err"; fi
    status=$?
    [ "$status" -eq 1 ] || fail "'$args' with secret '$secret' exited $status (expected 1)"
    [ -n "$secret" ] || grep -q "standard input" "$work/err" || fail "'$args' without a secret: $(cat "$work/err")"
  done
done
printf 'secretpass1\n' | "${A[@]}" site certify BUF-1 --date 2026-01-01 --user qa01 >/dev/null || fail "certify with the password refused"
out=$("${A[@]}" --json audit tail -n 50)
grep -q '"action":"esign"' <<<"$out" || fail "the certification's signature is not audited"

if [ "$failures" -eq 0 ]; then echo "cli usp797: all checks passed"; exit 0; fi
exit 1
