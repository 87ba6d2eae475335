#!/usr/bin/env bash
# admix --help / version / unknown command / db info / a newer database refused and left unchanged.
set -u
admix="$1"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

out=$("$admix" --help 2>&1) || fail "--help exited $?"
for cmd in version db audit; do grep -q "$cmd" <<<"$out" || fail "--help does not list '$cmd'"; done

out=$("$admix" version) || fail "version exited $?"
grep -Eq '^admix [0-9]+\.[0-9]+\.[0-9]+ \(database schema [0-9]+' <<<"$out" || fail "version printed '$out'"
out=$("$admix" version --json) || fail "version --json exited $?"
grep -q '"admix":"' <<<"$out" || fail "version --json printed '$out'"

"$admix" frobnicate >"$work/out" 2>"$work/err"; status=$?
[ "$status" -ne 0 ] || fail "unknown command exited 0"
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "unknown command: expected one line on stderr, got: $(cat "$work/err")"
grep -q frobnicate "$work/err" || fail "unknown command message does not name it: $(cat "$work/err")"
[ ! -s "$work/out" ] || fail "unknown command wrote to stdout"

"$admix" >"$work/out" 2>"$work/err"; [ $? -ne 0 ] || fail "no command exited 0"

out=$("$admix" --data-dir "$work/station" db info --json) || fail "db info exited $?"
grep -q '"journal_mode":"wal"' <<<"$out" || fail "db info: $out"
[ -f "$work/station/admix.sqlite3" ] || fail "db info did not create the database"
out=$("$admix" --data-dir "$work/station" audit verify) || fail "audit verify exited $?"

# A database from a newer build: refused with a clear message, not modified.
sqlite3_file="$work/station/admix.sqlite3"
"$admix" --data-dir "$work/station" db info >/dev/null
if command -v sqlite3 >/dev/null; then
  sqlite3 "$sqlite3_file" "PRAGMA user_version = 999; PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
  before=$(sha256sum "$sqlite3_file")
  "$admix" --data-dir "$work/station" db info >"$work/out" 2>"$work/err"; status=$?
  [ "$status" -ne 0 ] || fail "newer database opened"
  grep -q "newer" "$work/err" || fail "newer database message: $(cat "$work/err")"
  [ "$(sha256sum "$sqlite3_file")" = "$before" ] || fail "newer database was modified"
fi

# A config with a typo names the key and the line.
printf '[display]\nwidht = 3\n' >"$work/bad.toml"
"$admix" --config "$work/bad.toml" db info >"$work/out" 2>"$work/err"; status=$?
[ "$status" -ne 0 ] || fail "bad config accepted"
grep -q "bad.toml:2:1: display.widht" "$work/err" || fail "bad config message: $(cat "$work/err")"

if [ "$failures" -eq 0 ]; then echo "cli core: all checks passed"; exit 0; fi
exit 1
