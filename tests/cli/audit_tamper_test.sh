#!/usr/bin/env bash
# Editing, deleting or inserting an audit row with the sqlite3 shell makes `admix audit verify` fail
# and name that row. (The triggers that refuse UPDATE/DELETE are dropped first, as a determined
# tamperer with file access would.)
set -u
admix="$1"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/xdg" XDG_CONFIG_HOME="$work/config"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

fresh() {  # a station with a few audit rows (an admin, five technicians, the admin's sign-ins)
  rm -rf "$work/station" "$work/station-keys"
  printf 'admin password 1\n' | "$admix" --data-dir "$work/station" users add --username admin --name Admin --role admin --password >/dev/null
  for i in 1 2 3 4 5; do
    printf '48213\nadmin password 1\n' | "$admix" --data-dir "$work/station" users add --username "t$i" --name "Tech $i" \
      --role technician --badge "B$i" --pin --admin admin >/dev/null
  done
  db="$work/station/admix.sqlite3"
  # Rows named by what they are (the trail also records the audit key's creation).
  row_t1=$(sqlite3 "$db" "SELECT id FROM audit_log WHERE action = 'user.add' AND subject = 't1';")
  row_t2=$(sqlite3 "$db" "SELECT id FROM audit_log WHERE action = 'user.add' AND subject = 't2';")
  "$admix" --data-dir "$work/station" audit verify >/dev/null || fail "fresh trail does not verify"
  sqlite3 "$db" "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
}

expect_broken_at() {  # $1 row id, $2 what was done
  local out status
  out=$("$admix" audit verify --db "$db" --json 2>"$work/err"); status=$?
  [ "$status" -ne 0 ] || fail "$2: verify exited 0"
  grep -q "\"first_bad_id\":$1" <<<"$out" || fail "$2: expected row $1 named, got: $out"
  grep -q "row $1" "$work/err" || fail "$2: stderr does not name row $1: $(cat "$work/err")"
}

fresh
sqlite3 "$db" "UPDATE audit_log SET actor = 'someone else' WHERE id = $row_t2;"
expect_broken_at "$row_t2" "edited actor"

fresh
sqlite3 "$db" "UPDATE audit_log SET details = replace(details, 'technician', 'pharmacist') WHERE id = $row_t1;"
[ "$(sqlite3 "$db" "SELECT details LIKE '%pharmacist%' FROM audit_log WHERE id = $row_t1;")" = 1 ] || fail "details edit did not apply"
expect_broken_at "$row_t1" "edited details"

fresh
sqlite3 "$db" "DELETE FROM audit_log WHERE id = 3;"
expect_broken_at 4 "deleted row 3 (the next row no longer links)"

fresh
# Insert a forged row between 2 and 3: renumber 3.. up by one, then put the forgery at 3.
sqlite3 "$db" "UPDATE audit_log SET id = id + 100 WHERE id >= 3; UPDATE audit_log SET id = id - 99 WHERE id >= 103;
  INSERT INTO audit_log(id, at_utc, actor, action, subject, details, prev_hash, hash)
  SELECT 3, at_utc, 'admin', 'user.add', 'ghost', '{}', hash, hex(randomblob(32)) FROM audit_log WHERE id = 2;"
expect_broken_at 3 "inserted row 3"

fresh
last=$(sqlite3 "$db" "SELECT max(id) FROM audit_log;")
sqlite3 "$db" "INSERT INTO audit_log(at_utc, actor, action, subject, details, prev_hash, hash)
  VALUES ('2026-01-01T00:00:00Z', 'admin', 'user.add', 'ghost', '{}', 'ab', 'cd');"
expect_broken_at $((last + 1)) "appended forged row"

fresh
# The newest rows cut off (with the checkpoints that signed them): the head kept outside the
# database names the missing rows.
last=$(sqlite3 "$db" "SELECT max(id) FROM audit_log;")
sqlite3 "$db" "DROP TRIGGER audit_checkpoints_no_delete; DELETE FROM audit_log WHERE id > $((last - 3));
  DELETE FROM audit_checkpoints WHERE upto_id > $((last - 3));"
expect_broken_at $((last - 2)) "removed the newest 3 rows"
grep -q "were removed (truncated)" "$work/err" || fail "truncation not named: $(cat "$work/err")"

fresh
# Verified against another key directory, nothing is trusted: fail closed.
out=$("$admix" audit verify --db "$db" --key-dir "$work/nowhere" 2>"$work/err"); status=$?
[ "$status" -ne 0 ] || fail "verify without trusted keys exited 0"
grep -q "no trusted audit key" "$work/err" || fail "missing keys not named: $(cat "$work/err")"

# File modes: the data directory, database, WAL/SHM, key directory and its files are the owner's
# only, even under a permissive umask, and an existing open directory is tightened.
rm -rf "$work/station" "$work/station-keys"
( umask 022; printf 'admin password 1
' | "$admix" --data-dir "$work/station" users add --username admin --name Admin --role admin --password >/dev/null )
for f in "$work/station/admix.sqlite3" "$work/station-keys/audit-signing.key" "$work/station-keys/audit-head.json" \
         "$work/station-keys/pin-pepper" "$work/station-keys/trusted-keys"; do
  [ -e "$f" ] || { fail "missing $f"; continue; }
  [ "$(stat -c %a "$f")" = 600 ] || fail "$f is $(stat -c %a "$f"), not 600"
done
for d in "$work/station" "$work/station-keys" "$work/station/images"; do
  [ "$(stat -c %a "$d")" = 700 ] || fail "$d is $(stat -c %a "$d"), not 700"
done
chmod 755 "$work/station"; chmod 644 "$work/station/admix.sqlite3"
"$admix" --data-dir "$work/station" users list >/dev/null || fail "users list failed"
[ "$(stat -c %a "$work/station")" = 700 ] || fail "open data directory not tightened"
[ "$(stat -c %a "$work/station/admix.sqlite3")" = 600 ] || fail "open database file not tightened"
for f in "$work"/station/admix.sqlite3-wal "$work"/station/admix.sqlite3-shm; do
  [ ! -e "$f" ] || [ "$(stat -c %a "$f")" = 600 ] || fail "$f is $(stat -c %a "$f")"
done
# The PIN hash needs the pepper kept outside the database, the badge is not stored in clear.
printf '48213\nadmin password 1\n' | "$admix" --data-dir "$work/station" users add --username t1 --name T1 --role technician --badge B-777 --pin --admin admin >/dev/null || fail "add t1"
[ "$(sqlite3 "$work/station/admix.sqlite3" "SELECT count(*) FROM users WHERE badge = 'B-777';")" = 0 ] || fail "badge stored in clear"
sqlite3 "$work/station/admix.sqlite3" "SELECT pin_hash FROM users WHERE username = 't1';" | grep -q '^\$admix-peppered\$' || fail "PIN hash not peppered"

if [ "$failures" -eq 0 ]; then echo "audit tamper: every edit, deletion and insertion named"; exit 0; fi
exit 1
