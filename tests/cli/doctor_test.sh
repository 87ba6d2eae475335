#!/usr/bin/env bash
# admix doctor: one line per check, exit 1 when something needs action. A healthy station (database,
# a fresh verified backup, a certificate valid for a year, no devices, no camera) passes; a missing
# backup, a certificate about to expire, a printer that does not answer (asked with ~HS, not the
# print queue's idle status) and a camera without frames are each named and make it exit 1.
set -uo pipefail
admix="$1"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
data="$tmp/data"; backups="$tmp/backups"
cat > "$tmp/ok.toml" <<TOML
[station]
data_dir = "$data"
[camera]
source = ""
TOML
"$admix" --config "$tmp/ok.toml" db info >/dev/null || fail "db info"

# No backup yet: that needs action, and the other checks still report.
out=$("$admix" --config "$tmp/ok.toml" doctor --backup-dir "$backups"); rc=$?
echo "$out"
[ "$rc" -eq 1 ] || fail "doctor without a backup exited $rc, not 1"
echo "$out" | grep -Eq '^ACTION +backup +no verified backup' || fail "no ACTION line for the missing backup"
echo "$out" | grep -Eq '^ok +database .*schema [0-9]+ \(current\), quick check ok, audit trail intact' || fail "database line"
echo "$out" | grep -Eq '^ACTION +site +nothing can be prepared yet: No users; No pharmacist; No technician; No formulary; No room is registered; No PEC' ||
  fail "the empty site is not named as needing set-up"
echo "$out" | grep -Eq '^ok +disk +[0-9.]+ GB free' || fail "disk line"
echo "$out" | grep -Eq '^(ok|ACTION|unknown) +time ' || fail "time line"
echo "$out" | grep -Eq '^ok +certificate +none yet' || fail "certificate line"
echo "$out" | grep -Eq '^ok +devices +none configured' || fail "devices line"
echo "$out" | grep -Eq '^ok +camera +none configured' || fail "camera line"

# The site set up as the README does it (users, an approved formulary, a room and a PEC).
site_formulary="$(dirname "$0")/../data/site_formulary"
printf 'admin password 1\n' | "$admix" --config "$tmp/ok.toml" users add --username admin --name Admin --role admin --password >/dev/null || fail "users add admin"
printf '7350\nrph password 1\nadmin password 1\n' | "$admix" --config "$tmp/ok.toml" users add --username rph --name "R. Pharm" \
  --role pharmacist --badge B-2001 --pin --password --admin admin >/dev/null || fail "users add rph"
printf 'rph password 1\n' | "$admix" --config "$tmp/ok.toml" formulary import "$site_formulary" --pharmacist rph >/dev/null || fail "formulary import"
out=$("$admix" --config "$tmp/ok.toml" doctor --backup-dir "$backups")
echo "$out" | grep -Eq '^ACTION +site +nothing can be prepared yet: No approved recipe; No room is registered; No PEC' ||
  fail "a formulary of drafts and no room are not named: $(echo "$out" | grep site)"
printf 'rph password 1\n' | "$admix" --config "$tmp/ok.toml" formulary approve famotidine-ns-50 --pharmacist rph >/dev/null || fail "approve"
"$admix" --config "$tmp/ok.toml" site room-add BUF-1 --iso 7 --pressure positive --user admin >/dev/null || fail "room-add"
"$admix" --config "$tmp/ok.toml" site pec-add LAFW-1 --room BUF-1 --type lafw --categories 1,2 --user admin >/dev/null || fail "pec-add"

# A verified backup just made and a certificate valid for a year: healthy (time may be unknown here).
"$admix" --config "$tmp/ok.toml" backup "$backups" >/dev/null || fail "backup"
mkdir -p "$data/remote/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -days 365 \
  -keyout "$data/remote/tls/key.pem" -out "$data/remote/tls/cert.pem" 2>/dev/null || fail "openssl"
out=$("$admix" --config "$tmp/ok.toml" doctor --backup-dir "$backups"); rc=$?
echo "$out"
if echo "$out" | grep -q '^ACTION +time'; then
  [ "$rc" -eq 1 ] || fail "an unsynchronised clock did not exit 1"
else
  [ "$rc" -eq 0 ] || fail "a healthy station exited $rc"
fi
echo "$out" | grep -Eq '^ok +backup .*admix-backup-.*: 0\.[0-9] hours old' || fail "backup age line"
echo "$out" | grep -Eq '^ok +certificate .*expires in 36[45] days' || fail "certificate expiry line"
echo "$out" | grep -Eq '^ok +site +formulary version 1, 1 approved recipe version\(s\); users, rooms and PECs registered$' || fail "site line"
[ "$(echo "$out" | wc -l)" -ge 9 ] || fail "fewer than 9 lines"
"$admix" --json --config "$tmp/ok.toml" doctor --backup-dir "$backups" | python3 -c '
import json, sys
checks = {c["check"]: c["status"] for c in json.loads(sys.stdin.read())}
assert checks["database"] == "ok" and checks["backup"] == "ok", checks
assert set(checks) >= {"config", "database", "site", "disk", "time", "certificate", "devices", "camera", "backup"}, checks
assert checks["site"] == "ok", checks
' || fail "JSON output"

# A certificate about to expire, a printer that does not answer, a camera without frames.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -days 10 \
  -keyout "$data/remote/tls/key.pem" -out "$data/remote/tls/cert.pem" 2>/dev/null || fail "openssl"
cat > "$tmp/bad.toml" <<TOML
[station]
data_dir = "$data"
room = "BUF-9"
pec = "LAFW-1"
[camera]
source = "images:$tmp/no-such-folder"

[[devices]]
name = "label printer"
kind = "printer"
transport = "tcp"
host = "127.0.0.1"
tcp_port = 1
TOML
out=$("$admix" --config "$tmp/bad.toml" doctor --backup-dir "$backups" --device-wait 2); rc=$?
echo "$out"
[ "$rc" -eq 1 ] || fail "doctor with problems exited $rc"
echo "$out" | grep -Eq '^ACTION +certificate .*expires in (9|10) days \(renew it' || fail "certificate about to expire not flagged"
echo "$out" | grep -Eq '^ACTION +site +nothing can be prepared yet: Room BUF-9 \(station.room\) is not registered' ||
  fail "this station's unregistered room is not named"
# A hood station (room and PEC set) with a printer but no balance: no weigh step could pass.
echo "$out" | grep -Eq '^ACTION +devices +this hood station .* has no balance in \[\[devices\]\]' ||
  fail "a hood station without a balance is not flagged"
echo "$out" | grep -q 'has no label printer' && fail "the configured printer was not seen"
# The printer is asked itself (~HS), not the print queue, which is "idle" until its first job fails.
echo "$out" | grep -Eq "^ACTION +printer +label printer \(printer\): cannot reach the printer" ||
  fail "the printer nobody answers for is not flagged"
echo "$out" | grep -Eq '^ACTION +camera ' || fail "the camera without frames not flagged"
echo "$out" | grep -Eq '^ok +database' || fail "the database line changed"

# A printer that answers ~HS with no error flags (the simulator) is ready.
cat > "$tmp/printer.toml" <<TOML
[station]
data_dir = "$data"
[camera]
source = ""

[[devices]]
name = "hood printer"
kind = "printer"
transport = "simulated"
TOML
out=$("$admix" --config "$tmp/printer.toml" doctor --backup-dir "$backups" --device-wait 2)
echo "$out"
echo "$out" | grep -Eq '^ok +printer +hood printer \(printer\): ready \(~HS: no error flags' ||
  fail "the ready printer is not reported ready"

# A damaged configuration is named and needs action.
printf '[station]\nnot_a_key = 1\n' > "$tmp/typo.toml"
out=$("$admix" --config "$tmp/typo.toml" doctor --backup-dir "$backups"); rc=$?
[ "$rc" -eq 1 ] || fail "a bad config exited $rc"
echo "$out" | grep -Eq '^ACTION +config .*not_a_key' || fail "the bad key is not named: $out"
echo PASS
