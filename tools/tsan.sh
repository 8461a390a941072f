#!/bin/sh
# The ThreadSanitizer job (docs/fuzzing.md): configures build-tsan/ (g++, PERCORSI_TSAN=ON, no
# viewer, no MPI), builds only the targets holding the tests labelled `threads` (test_threads and
# the libraries it links) and runs that label. A data race fails the test (halt_on_error); the
# reports that remain inside Debian's uninstrumented libtbb are suppressed by tests/tsan.supp.
set -eu
cd "$(dirname "$0")/.."
B=build-tsan
WERROR=OFF; [ "${CI:-}" = "true" ] && WERROR=ON
mkdir -p "$B"
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPERCORSI_TSAN=ON -DPERCORSI_BUILD_VIZ=OFF \
  -DPERCORSI_MPI=OFF -DPERCORSI_WERROR=$WERROR >"$B/configure.log" 2>&1 || { cat "$B/configure.log"; exit 1; }
cmake --build "$B" --target test_threads
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp" \
  ctest --test-dir "$B" --output-on-failure -j2 -L threads
