#!/usr/bin/env bash
# Command (1) of the README: installs what is missing, builds, and starts the station in demo mode on
# its embedded SQLite database. Extra arguments go to admix-station (e.g. --fullscreen).
# Without a display (a server, CI) it runs under Xvfb and saves the first screen as a PNG instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release admix-station admix
station=build/release/bin/admix-station
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$station" --demo "$@"
fi
mkdir -p build/screenshots
shot=build/screenshots/demo-first-screen.png
echo "demo: no display here; running under Xvfb and saving the first screen to $shot"
xvfb-run -a -s "-screen 0 1280x800x24" "$station" --demo --screenshot "$shot" --frames 30 "$@"
echo "demo: the station rendered its first screen: $shot"
