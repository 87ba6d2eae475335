#!/usr/bin/env bash
# Installs every Debian 12 package Admix needs to build, test and run. Idempotent: packages already
# present are left alone, so a second run only checks. Works as root or through sudo.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config git
  # compiler cache: a second checkout (CI's clean clone, a worktree) compiles only what differs
  ccache
  # libraries (Debian 12)
  libimgui-dev libstb-dev libglfw3-dev libgl-dev libgl1-mesa-dri
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-videoio-dev
  libzxing-dev libusb-1.0-0-dev libsqlite3-dev doctest-dev
  libspdlog-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  libcpp-httplib-dev libssl-dev libsodium-dev libbenchmark-dev
  # fonts for the touchscreen
  fonts-dejavu-core
  # tests: headless display, input events, screenshots, fuzzing, reference encoders/decoders
  xvfb xauth xdotool x11-apps clang libclang-rt-14-dev zint libdmtx-dev sqlite3 python3
  # HL7 interface tests: an independent MLLP peer (mllp_send, MLLPClient, its asyncio MLLP server)
  python3-hl7
  # vision field test set: libzint encodes GS1 DataMatrix the reader was not tuned on (linked by vision/)
  libzint-dev
  # vision: dmtxwrite/dmtxread, to check field-set codes by hand against libdmtx's own tools
  dmtx-utils
  # format and lint checks (scripts/lint.sh, the lint:format test)
  clang-format
  clang-tidy
  # remote web: Chromium for the browser tests, Node.js for npm (uPlot, playwright-core)
  chromium nodejs
  # packaging: lintian checks the Debian packages that the package test builds
  lintian
  # packaging: cage, the kiosk compositor that admix-station depends on (the package test installs it)
  cage
  # remote web: nginx, the HTTPS front for admix serve (admix nginx-config; the remote:slow-clients test)
  nginx
)
command -v npm >/dev/null 2>&1 || packages+=(npm) # a Node.js build that bundles npm needs no Debian npm

# npm packages of the web pages (uPlot, served by `admix serve`) and of the browser tests
# (playwright-core), pinned by assets/web/package-lock.json, from the npm registry only; installed
# only when node_modules is missing or older than the lock file.
web_packages() {
  local web; web="$(cd "$(dirname "$0")/.." && pwd)/assets/web"
  if [ ! -f "$web/node_modules/.package-lock.json" ] || [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in assets/web"
    (cd "$web" && npm ci --no-audit --no-fund --registry=https://registry.npmjs.org/)
  else
    echo "setup: assets/web/node_modules up to date"
  fi
}

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  web_packages
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1
  fi
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
web_packages
