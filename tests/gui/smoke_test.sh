#!/usr/bin/env bash
# Starts the demo station under Xvfb, renders 30 frames, saves a screenshot and checks that it shows
# a screen: the configured size, many colours (anti-aliased text), and a fair share of non-background.
set -u
station="$1"; stats="$2"; outdir="$3"
mkdir -p "$outdir"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" LIBGL_ALWAYS_SOFTWARE=1
shot="$outdir/first-screen.png"
rm -f "$shot"
start=$(date +%s.%N)
xvfb-run -a -s "-screen 0 1280x800x24" "$station" --demo --screenshot "$shot" --frames 30 || {
  echo "FAIL: admix-station exited $?"; exit 1; }
end=$(date +%s.%N)
echo "screenshot in $(echo "$end - $start" | bc 2>/dev/null || echo '?') s: $shot"
[ -s "$shot" ] || { echo "FAIL: no screenshot written"; exit 1; }
line=$("$stats" "$shot") || { echo "FAIL: screenshot is not a PNG"; exit 1; }
echo "$line"
eval "$(sed 's/ /;/g' <<<"$line")"
ok=1
[ "$width" -eq 1280 ] && [ "$height" -eq 800 ] || { echo "FAIL: size ${width}x${height}"; ok=0; }
[ "$colors" -ge 64 ] || { echo "FAIL: only $colors colours: blank or flat"; ok=0; }
awk -v f="$foreground" 'BEGIN { exit !(f >= 0.05) }' || { echo "FAIL: foreground $foreground: nearly blank"; ok=0; }
[ "$ok" -eq 1 ] && echo "gui smoke: screenshot shows a screen" && exit 0
exit 1
