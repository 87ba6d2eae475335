#!/usr/bin/env bash
# Command (2) of the README, and what CI runs: installs what is missing, builds the dev preset with
# warnings as errors, and runs the whole suite through CTest (doctest suites per layer, CLI tests,
# fuzz corpus replays, the GUI smoke test under Xvfb).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh dev
# The package test (label `package`) builds the release preset and installs on this machine: run it
# on its own with `ctest --preset dev -L package` (see README).
ctest --preset dev -j "$(nproc)" -LE package
