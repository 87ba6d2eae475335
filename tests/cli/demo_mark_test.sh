#!/usr/bin/env bash
# Demo data stays in the demo: `admix serve --demo` without --data-dir seeds <default>/demo (never the
# real default directory), the seeded database is marked demo and refused without --demo, and a real
# station's database is refused by --demo.
set -u
admix="$1"
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export XDG_DATA_HOME="$work/xdg" XDG_CONFIG_HOME="$work/config"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

serve_demo() {  # starts `admix [args] serve --demo` until it says "serving", then stops it
  "$admix" "$@" serve --demo --plain-http-for-loopback-tests --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
  server=$!
  for _ in $(seq 1 600); do
    grep -q "^serving" "$work/serve.out" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  local ok=1; grep -q "^serving" "$work/serve.out" || ok=0
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; server=""
  return $((1 - ok))
}

serve_demo || fail "serve --demo without --data-dir did not start: $(cat "$work/serve.err")"
[ -e "$work/xdg/admix/demo/admix.sqlite3" ] || fail "demo data not in the demo directory"
[ ! -e "$work/xdg/admix/admix.sqlite3" ] || fail "demo data written into the real default directory"
grep -q "data $work/xdg/admix/demo" "$work/serve.out" || fail "serve does not say it uses the demo directory: $(cat "$work/serve.out")"

# The demo database is refused without --demo, accepted with it.
"$admix" --data-dir "$work/xdg/admix/demo" users list >/dev/null 2>"$work/err" && fail "demo database opened without --demo"
grep -q "holds demo data" "$work/err" || fail "refusal does not say why: $(cat "$work/err")"
"$admix" --demo --data-dir "$work/xdg/admix/demo" users list >"$work/out" 2>"$work/err" || fail "demo database refused with --demo: $(cat "$work/err")"
grep -q "rph" "$work/out" || fail "demo users not listed"

# A real station's database is refused by --demo, and nothing is seeded into it.
printf 'admin password 1\n' | "$admix" --data-dir "$work/real" users add --username admin --name Admin --role admin --password >/dev/null ||
  fail "real station setup"
serve_demo --data-dir "$work/real" && fail "serve --demo started on a real station's database"
grep -q "real station's database" "$work/serve.err" || fail "refusal does not say why: $(cat "$work/serve.err")"
[ "$("$admix" --data-dir "$work/real" --json users list | wc -l)" = 1 ] || fail "demo users were added to the real station"
"$admix" --demo --data-dir "$work/real" users list >/dev/null 2>&1 && fail "--demo opened a real station's database"

if [ "$failures" -eq 0 ]; then echo "demo mark: demo data only in the demo, each refused by the other"; exit 0; fi
exit 1
