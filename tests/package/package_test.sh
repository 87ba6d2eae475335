#!/usr/bin/env bash
# The Debian packages, end to end, on this machine (CI runs as root): build them from the release
# preset, lintian, install with dpkg -i, check the user, the data directory, the conffile and the
# units (systemd-analyze verify), start admix-serve's own command line as the admix user and fetch a
# page over HTTPS, take a backup as the timer would, then dpkg --purge and check that no file is left
# outside /var/lib/admix and /etc/admix. Skipped (exit 77) where it cannot run: not root, no dpkg
# tools, or Admix already installed here for real (the test would remove it).
# Usage: package_test.sh SOURCE_DIR [DEB_DIR]   (DEB_DIR: use packages built already)
set -uo pipefail
src="$1"; debs="${2:-}"
skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg -i); CI runs it as root"
for tool in dpkg-deb dpkg-shlibdeps dpkg cpack curl setpriv systemd-analyze; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
done
if dpkg-query -W -f='${Status}' admix 2>/dev/null | grep -q installed ||
   dpkg-query -W -f='${Status}' admix-station 2>/dev/null | grep -q installed; then
  skip "admix is installed on this machine; the test would purge it"
fi

if [ -z "$debs" ]; then
  echo "== building the packages (release preset: admix, admix-station)"
  bash "$src/scripts/package.sh" || fail "the packages did not build"
  debs="$src/build/release/packages"
fi
admix_deb=$(ls "$debs"/admix_*.deb) || fail "no admix package in $debs"
station_deb=$(ls "$debs"/admix-station_*.deb) || fail "no admix-station package in $debs"

echo "== contents"
# Each listing is read into a file first: under pipefail, `producer | grep -q` fails whenever grep
# stops reading early and the producer dies of SIGPIPE.
work_lists=$(mktemp -d)
dpkg-deb -c "$admix_deb" | awk '{print $6}' > "$work_lists/admix.files" || fail "dpkg-deb -c $admix_deb"
dpkg-deb -c "$station_deb" | awk '{print $6}' > "$work_lists/station.files" || fail "dpkg-deb -c $station_deb"
dpkg-deb -I "$admix_deb" conffiles > "$work_lists/conffiles" || fail "the admix package has no conffiles"
has() { grep -qx -- "$2" "$work_lists/$1"; }
has admix.files ./etc/admix/admix.toml || fail "admix.toml is not in /etc/admix"
grep -q '^./usr/local' "$work_lists/admix.files" "$work_lists/station.files" && fail "files under /usr/local: was the prefix /usr?"
has conffiles /etc/admix/admix.toml || fail "admix.toml is not a conffile"
# The nginx front's server block (issue 19), made by `admix nginx-config` at packaging time.
has conffiles /etc/admix/admix-nginx.conf || fail "admix-nginx.conf is not a conffile"
dpkg-deb --fsys-tarfile "$admix_deb" | tar -xO ./etc/admix/admix-nginx.conf > "$work_lists/nginx.conf" ||
  fail "cannot read admix-nginx.conf from the package"
grep -q 'proxy_pass http://127.0.0.1:8443;' "$work_lists/nginx.conf" ||
  fail "admix-nginx.conf does not pass to admix serve on 127.0.0.1:8443"
dpkg-deb -f "$admix_deb" Recommends | grep -qw nginx || fail "the admix package does not recommend nginx"
for f in ./usr/bin/admix ./usr/share/admix/labels/iv_label.toml ./usr/share/admix/web/login.html \
         ./usr/share/admix/web/node_modules/uplot/dist/uPlot.iife.min.js \
         ./usr/share/doc/admix/copyright ./lib/systemd/system/admix-serve.service \
         ./lib/systemd/system/admix-hl7.service ./lib/systemd/system/admix-backup.timer; do
  has admix.files "$f" || fail "$f missing from the admix package"
done
has station.files ./usr/bin/admix-station || fail "admix-station missing"
has station.files ./usr/bin/admix && fail "the station package holds admix"
# The release binaries are hardened as Debian builds packages: full RELRO (BIND_NOW) and fortify.
dpkg-deb -x "$admix_deb" "$work_lists/root" && dpkg-deb -x "$station_deb" "$work_lists/root" || fail "dpkg-deb -x"
for bin in admix admix-station; do
  readelf -d "$work_lists/root/usr/bin/$bin" > "$work_lists/$bin.dyn" || fail "readelf $bin"
  grep -Eq 'BIND_NOW|FLAGS.*NOW' "$work_lists/$bin.dyn" || fail "$bin is not linked with -z now (full RELRO)"
  readelf -lW "$work_lists/root/usr/bin/$bin" | grep -q GNU_RELRO || fail "$bin has no RELRO segment"
  readelf -sW --dyn-syms "$work_lists/root/usr/bin/$bin" > "$work_lists/$bin.syms" || fail "readelf -s $bin"
  grep -q '__[a-z_]*_chk@' "$work_lists/$bin.syms" || fail "$bin calls no fortified libc function (_FORTIFY_SOURCE)"
done
rm -rf "$work_lists"

if command -v lintian >/dev/null 2>&1; then
  echo "== lintian"
  lintian --tag-display-limit 0 "$admix_deb" "$station_deb" > "$work_lists.lintian" 2>&1
  out=$(grep -E '^(E|W):' "$work_lists.lintian")
  rm -f "$work_lists.lintian"
  [ -z "$out" ] || fail "lintian: $out"
  echo "lintian: no errors or warnings"
else
  echo "lintian not installed: not checked (scripts/setup.sh installs it)"
fi

# What exists before, outside the two folders the packages may leave behind.
snapshot() {
  find /etc /usr /lib /opt /srv /var/lib /var/backups -xdev \
    \( -path /var/lib/admix -o -path /etc/admix -o -path /var/lib/dpkg -o -path /var/lib/apt \
       -o -path /var/lib/ucf -o -path /var/cache -o -path /etc/ld.so.cache -o -path /var/lib/systemd/catalog \) -prune \
    -o -print 2>/dev/null | grep -v -E '^/etc/(passwd|group|shadow|gshadow)-?$|^/etc/\.pwd\.lock$|^/var/lib/(man-db|sgml-base|lintian)' | sort
}
had_user=0; getent passwd admix >/dev/null && had_user=1
had_data=0; [ -e /var/lib/admix ] && had_data=1
work=$(mktemp -d); server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  dpkg --purge admix-station admix >/dev/null 2>&1
  [ "$had_data" -eq 0 ] && rm -rf /var/lib/admix
  if [ "$had_user" -eq 0 ] && getent passwd admix >/dev/null; then
    deluser --system --quiet admix >/dev/null 2>&1; delgroup --system --quiet admix >/dev/null 2>&1
  fi
  rm -rf "$work"
}
trap cleanup EXIT
snapshot > "$work/before"

echo "== dpkg -i"
dpkg -i "$admix_deb" "$station_deb" > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i failed"; }
getent passwd admix >/dev/null || fail "no admix user"
[ "$(getent passwd admix | cut -d: -f7)" != /bin/bash ] || fail "the admix user has a login shell"
[ "$(stat -c %U:%a /var/lib/admix)" = "admix:700" ] || fail "/var/lib/admix is $(stat -c %U:%a /var/lib/admix), not admix:700"
[ "$(stat -c %U:%G:%a /etc/admix/admix.toml)" = "root:admix:640" ] || fail "admix.toml is $(stat -c %U:%G:%a /etc/admix/admix.toml)"

echo "== systemd-analyze verify"
units="/lib/systemd/system/admix-serve.service /lib/systemd/system/admix-backup.service /lib/systemd/system/admix-backup.timer /lib/systemd/system/admix-kiosk.service"
# admix-hl7 needs `admix hl7 listen`; verified too once the command exists.
/usr/bin/admix hl7 --help >/dev/null 2>&1 && units="$units /lib/systemd/system/admix-hl7.service"
systemd-analyze verify $units > "$work/verify.log" 2>&1 || { cat "$work/verify.log"; fail "systemd-analyze verify refused a unit"; }
[ -s "$work/verify.log" ] && { cat "$work/verify.log"; fail "systemd-analyze verify complained"; }
grep -q '^ProtectSystem=strict' /lib/systemd/system/admix-serve.service || fail "admix-serve is not ProtectSystem=strict"
grep -q '^ExecStart=/usr/bin/cage .*-- /usr/bin/admix-station .*--fullscreen' /lib/systemd/system/admix-kiosk.service ||
  fail "the kiosk does not start admix-station --fullscreen under cage"

echo "== admix-serve as the admix user, over HTTPS"
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/admix-serve.service)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The unit's own command line, as the unit's user (systemd is not PID 1 here), on a free port.
( cd / && exec setpriv --reuid=admix --regid=admix --init-groups -- $exec_start --listen "127.0.0.1:$port" ) \
  > "$work/serve.log" 2>&1 &
server=$!
ok=0
for _ in $(seq 1 300); do
  if curl -skf "https://127.0.0.1:$port/login.html" -o "$work/login.html"; then ok=1; break; fi
  kill -0 "$server" 2>/dev/null || break
  sleep 0.2
done
[ "$ok" -eq 1 ] || { cat "$work/serve.log"; fail "admix-serve did not answer HTTPS on port $port"; }
grep -qi '<html' "$work/login.html" || fail "login.html is not a page"
serve_pid=$(pgrep -P "$server" -x admix || echo "$server")
[ "$(ps -o user= -p "$serve_pid" | tr -d ' ')" = admix ] || fail "admix serve does not run as admix"
curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/api/v1/queue" | grep -qx 401 || fail "the API answers without a session"
[ -f /var/lib/admix/remote/tls/cert.pem ] || fail "no self-signed certificate in /var/lib/admix/remote/tls"
kill "$server"; wait "$server" 2>/dev/null; server=""
echo "admix-serve answered https://127.0.0.1:$port/ as user admix"

echo "== nightly backup command, as the timer runs it"
backup_cmd=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/admix-backup.service)
(cd / && setpriv --reuid=admix --regid=admix --init-groups -- $backup_cmd) > "$work/backup.log" 2>&1 ||
  { cat "$work/backup.log"; fail "the backup service's command failed"; }
grep -q verified "$work/backup.log" || fail "the backup did not say it verified"
ls -d /var/backups/admix/admix-backup-* >/dev/null || fail "no backup in /var/backups/admix"
rm -rf /var/backups/admix/admix-backup-*   # the test's own backup: not a record

echo "== dpkg --purge"
dpkg --purge admix-station admix > "$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg --purge failed"; }
snapshot > "$work/after"
left=$(comm -13 "$work/before" "$work/after")
[ -z "$left" ] || fail "files left after purge outside /var/lib/admix and /etc/admix: $left"
gone=$(comm -23 "$work/before" "$work/after")
[ -z "$gone" ] || fail "files that existed before are gone: $gone"
[ ! -e /etc/admix/admix.toml ] || fail "the conffile survived the purge"
echo "purge left nothing outside /var/lib/admix and /etc/admix"
echo "PASS"
