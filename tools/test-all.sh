#!/bin/sh
# The whole test suite: installs what is missing, builds, runs every CTest test.
# Under CI (CI=true) it also builds the engine and its tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (build-asan/) and runs them there: every test but the model studies
# that rerun whole regions many times (labels calibration, lessons and docs: the shipped
# calibrations, the lessons and the pages regenerated from them, tens of minutes under the
# sanitizers), which the Release build above checks. The code they run is the code the unit,
# trial, sensitivity and ensemble tests run under the sanitizers.
# Under CI it also runs the ThreadSanitizer job (tools/tsan.sh: the tests labelled `threads` in
# build-tsan/) and the fuzzers of the loaders for 30 s each (tools/fuzz.sh: build-fuzz/, clang);
# docs/fuzzing.md gives what each covers and its measured time.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
ctest --test-dir build --output-on-failure -j2
if [ "${CI:-}" = "true" ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPERCORSI_SANITIZE=ON -DPERCORSI_BUILD_VIZ=OFF \
    -DPERCORSI_MPI=OFF -DCMAKE_CXX_FLAGS=-O1
  cmake --build build-asan
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j2 -LE "calibration|lessons|docs|threads"
  tools/tsan.sh
  tools/fuzz.sh 30
fi
