#!/bin/sh
# The whole test suite: installs what is missing, builds, runs every CTest test.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
ctest --test-dir build --output-on-failure -j2
