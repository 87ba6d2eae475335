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
  rm -rf "$work/station"
  printf 'admin password 1\n' | "$admix" --data-dir "$work/station" users add --username admin --name Admin --role admin --password >/dev/null
  for i in 1 2 3 4 5; do
    printf '12345\nadmin password 1\n' | "$admix" --data-dir "$work/station" users add --username "t$i" --name "Tech $i" \
      --role technician --badge "B$i" --pin --admin admin >/dev/null
  done
  db="$work/station/admix.sqlite3"
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
sqlite3 "$db" "UPDATE audit_log SET actor = 'someone else' WHERE id = 4;"
expect_broken_at 4 "edited actor"

fresh
sqlite3 "$db" "UPDATE audit_log SET details = replace(details, 'technician', 'pharmacist') WHERE id = 3;"
expect_broken_at 3 "edited details"

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

if [ "$failures" -eq 0 ]; then echo "audit tamper: every edit, deletion and insertion named"; exit 0; fi
exit 1
