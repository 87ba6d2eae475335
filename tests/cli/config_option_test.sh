#!/usr/bin/env bash
# Every command reads the --config it is given (issue 14): a missing or bad file is an error (exit 1,
# the message names the file) whatever the command, and a good one's data_dir is where commands work.
set -u
admix="$1"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

echo '{"id":"x","recipe":"cefazolin-ns","dose":{"value":2,"unit":"g"}}' >"$work/order.json"
printf '[station]\nname = "Hood 9"\ndata_dir = "%s"\n' "$work/from-config" >"$work/good.toml"
printf '[station]\nnmae = "typo"\n' >"$work/bad.toml"
printf '[station\n' >"$work/broken.toml"

# Commands that need no data directory, and commands that do: all refuse a missing or bad file.
for args in "version" "plan $work/order.json" "gs1 parse ]d20100304093977035" "db info" "audit verify" "queue"; do
  for cfg in "$work/missing.toml" "$work/bad.toml" "$work/broken.toml"; do
    # shellcheck disable=SC2086
    "$admix" --config "$cfg" $args >"$work/out" 2>"$work/err"; status=$?
    [ "$status" -eq 1 ] || fail "'$args' with --config $cfg exited $status (expected 1): $(cat "$work/err")"
    grep -q "$(basename "$cfg")" "$work/err" || fail "'$args' with --config $cfg: message does not name the file: $(cat "$work/err")"
    [ ! -s "$work/out" ] || fail "'$args' with --config $cfg wrote to stdout: $(cat "$work/out")"
  done
done
[ ! -e "$work/data/admix" ] || fail "a refused command created the default data directory"

# A good file: its data directory is used.
out=$("$admix" --config "$work/good.toml" db info --json) || fail "db info with a good --config exited $?"
grep -q "$work/from-config/admix.sqlite3" <<<"$out" || fail "db info did not use the config's data_dir: $out"
# The demo recipe: the demo formulary only with --demo (a real station plans from its stored one).
"$admix" --demo --config "$work/good.toml" plan "$work/order.json" >/dev/null || fail "plan with a good --config exited $?"

[ "$failures" -eq 0 ] && echo "config option: every command honours --config" || exit 1
