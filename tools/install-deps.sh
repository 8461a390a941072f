#!/bin/sh
# Installs the Debian 12 packages Percorsi needs (only those missing). Run as root.
# tesseract-ocr, tesseract-ocr-eng and xdotool: the viewer's tests read its screenshots by OCR and
# drive its window with the mouse and keys (tests/test_viz.cpp, VizWindow.*).
# clang and libclang-rt-14-dev (the libFuzzer and sanitizer runtimes of clang 14): tools/fuzz.sh,
# the fuzzing of the loaders (docs/fuzzing.md). ThreadSanitizer (tools/tsan.sh) comes with g++.
set -eu
PKGS="cmake ninja-build g++ pkg-config libboost-dev librandom123-dev libtbb-dev libhdf5-dev hdf5-tools
libyaml-cpp-dev libimgui-dev libglfw3-dev libgl-dev libstb-dev libgtest-dev libcli11-dev libopenmpi-dev
openmpi-bin xvfb xauth libgl1-mesa-dri python3 python3-h5py python3-pandas python3-matplotlib
r-base-core r-cran-hdf5r
slurm-wlm munge
tesseract-ocr tesseract-ocr-eng xdotool
clang libclang-rt-14-dev"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi
