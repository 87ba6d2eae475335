#!/usr/bin/env bash
# Builds the Debian packages (admix, admix-station) from the release preset into build/release/packages/:
# only the two programs are built (not the test suites), then CPack's DEB generator packs them.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${ADMIX_BUILD_JOBS:-2}"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs" --target admix admix-station
rm -rf build/release/packages
(cd build/release && cpack -G DEB -B "$PWD/packages" >/dev/null)
rm -rf build/release/packages/_CPack_Packages
ls -1 build/release/packages/*.deb
