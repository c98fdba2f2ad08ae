#!/usr/bin/env bash
# Builds costream and runs every test: installs missing packages (Debian 12, as root), then
# configures the `dev` preset (Debug, tests and examples, build/dev), builds everything and
# runs the whole suite with ctest. Exits non-zero on any failure.
#
#   bash scripts/test.sh
#
# COSTREAM_JOBS sets the build and test parallelism (default: 2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=${COSTREAM_JOBS:-2}
bash scripts/install-deps.sh
cmake --preset dev
cmake --build --preset dev -j "$jobs"
ctest --preset dev --output-on-failure --no-tests=error -j "$jobs"
# A test whose name doctest cannot match runs nothing and passes: fail on that too.
bash scripts/check-tests-ran.sh build/dev
