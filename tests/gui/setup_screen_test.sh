#!/usr/bin/env bash
# A station started without --demo on a fresh data directory shows "Setup needed" as its first screen,
# naming what is missing and the command that adds it, and nothing demo. Then, with users, an
# approved site formulary, a room and a PEC in place, the same station opens on the sign-in screen, and a
# station already running leaves the setup screen by itself, and returns to it when the pharmacist
# retires the only approved recipe (the formulary is read again while it runs).
set -u
station="$1"; admix="$2"; outdir="$3"
mkdir -p "$outdir"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" LIBGL_ALWAYS_SOFTWARE=1
data="$work/site"
fail() { echo "FAIL: $*"; exit 1; }

run_station() { # $1: screenshot name; extra args follow
  local shot="$outdir/$1.png"; shift
  rm -f "$work/map.json"
  xvfb-run -a -s "-screen 0 1280x800x24" "$station" --data-dir "$data" --screenshot "$shot" --frames 10 \
    --ui-map "$work/map.json" "$@" >"$work/out" 2>&1 || { cat "$work/out"; fail "admix-station exited $?"; }
  [ -s "$work/map.json" ] || fail "no ui map written"
}

run_station setup-needed-fresh
map=$(cat "$work/map.json")
for want in '"screen":"Setup needed"' 'No users' 'admix users add' 'No formulary' 'admix formulary import' \
            'No room is registered' 'admix site room-add' 'No PEC' 'admix site pec-add' 'station.room and station.pec'; do
  grep -qF "$want" <<<"$map" || fail "first screen does not say: $want ($map)"
done
grep -qi 'demo' <<<"$map" && fail "a station without --demo shows demo content: $map"

# Set the site up with the commands the screen names.
printf 'admin password 1\n' | "$admix" --data-dir "$data" users add --username admin --name Admin --role admin --password >/dev/null || fail "users add admin"
printf '7350\nrph password 1\nadmin password 1\n' | "$admix" --data-dir "$data" users add --username rph --name "R. Pharm" \
  --role pharmacist --badge B-2001 --pin --password --admin admin >/dev/null || fail "users add rph"
printf '4821\nadmin password 1\n' | "$admix" --data-dir "$data" users add --username tech --name "T. Tech" --role technician \
  --badge B-1001 --pin --admin admin >/dev/null || fail "users add tech"
run_station setup-needed-users
grep -qF 'No users' "$work/map.json" && fail "still says no users"
grep -qF 'No formulary' "$work/map.json" || fail "no longer says the formulary is missing"

printf 'rph password 1\n' | "$admix" --data-dir "$data" formulary import "$(dirname "$0")/../data/site_formulary" --pharmacist rph \
  >/dev/null || fail "formulary import"
run_station setup-needed-draft
grep -qF 'No approved recipe' "$work/map.json" || fail "a formulary of drafts is not reported: $(cat "$work/map.json")"
cat >"$work/station.toml" <<TOML
[station]
name = "Hood 1"
room = "BUF-1"
pec = "LAFW-1"
TOML

# The rest happens while one station runs: it follows its site without a restart.
xvfb-run -a -s "-screen 0 1280x800x24" "$station" --data-dir "$data" --config "$work/station.toml" \
  --ui-map "$work/live.json" >"$work/running.out" 2>&1 &
running=$!
# The station itself is stopped (xvfb-run does not pass a signal on to its program, which would be
# left running); xvfb-run then ends and takes its Xvfb with it.
stop_running() { pkill -TERM -P "$running" -x admix-station 2>/dev/null; wait "$running" 2>/dev/null; }
trap 'stop_running; rm -rf "$work"' EXIT
wait_map() { # $1: fixed text the map must come to hold; $2: what it means
  for _ in $(seq 1 150); do
    grep -qF "$1" "$work/live.json" 2>/dev/null && return 0
    kill -0 "$running" 2>/dev/null || { cat "$work/running.out"; fail "admix-station exited while waiting: $2"; }
    sleep 0.2
  done
  cat "$work/running.out"; fail "$2 (map: $(cat "$work/live.json" 2>/dev/null))"
}
wait_map 'No approved recipe' "the running station does not start on the setup screen"

printf 'rph password 1\n' | "$admix" --data-dir "$data" formulary approve famotidine-ns-50 --pharmacist rph >/dev/null || fail "approve"
"$admix" --data-dir "$data" site room-add BUF-1 --iso 7 --pressure positive --user admin >/dev/null || fail "room-add"
"$admix" --data-dir "$data" site pec-add LAFW-1 --room BUF-1 --type lafw --categories 1,2 --user admin >/dev/null || fail "pec-add"
wait_map '"screen":"Sign in"' "the running station did not leave the setup screen once the site was set up"
"$admix" --data-dir "$data" audit tail -n 40 > "$work/audit" 2>&1 || fail "audit tail"
grep -q 'station.formulary' "$work/audit" || fail "reading the formulary again is not in the audit trail: $(cat "$work/audit")"
# A station started afresh on the set-up site opens on sign-in too.
run_station signin-ready --config "$work/station.toml"
grep -qF '"screen":"Sign in"' "$work/map.json" || fail "a set-up station does not open on sign-in: $(cat "$work/map.json")"

# A pharmacist retires the only approved recipe: the running station can start nothing from it (it
# shows the setup screen again, naming the missing approved recipe), fail closed.
printf 'rph password 1\n' | "$admix" --data-dir "$data" formulary retire famotidine-ns-50 --pharmacist rph \
  --reason "wrong diluent volume" >/dev/null || fail "retire"
wait_map 'No approved recipe' "the running station still offers a retired recipe"
grep -q 'formulary: .*no preparation can be started' "$work/running.out" || fail "the station log does not say why"
stop_running
pgrep -f -- "--ui-map $work/live.json" >/dev/null && fail "the running station or its xvfb-run did not stop"
echo "gui setup screen: names what is missing, follows the site while it runs, then opens on sign-in"
