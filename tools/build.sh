#!/bin/sh
# Configures and builds Percorsi in build/ (Release; warnings as errors under CI).
set -eu
cd "$(dirname "$0")/.."
WERROR=OFF; [ "${CI:-}" = "true" ] && WERROR=ON
cmake -S . -B build -G Ninja -DPERCORSI_WERROR=$WERROR
cmake --build build
