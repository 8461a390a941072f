#!/bin/sh
# Remakes the README's screenshots of the viewer (docs/img/*.png) from the main job's results,
# headless under Xvfb. Run after tools/build.sh.
set -eu
cd "$(dirname "$0")/.."
build/sim/percorsi compare scenarios/piemonte/step_model.yaml scenarios/piemonte/housing_first.yaml \
  --quiet --force --out results/step_vs_housing_first.h5 > /dev/null
mkdir -p docs/img
for view in charts stacked compare people; do
  xvfb-run -a -s "-screen 0 1280x800x24" build/viz/percorsi-viz --screenshot "docs/img/viewer-$view.png" \
    --view "$view" --size 1280x720 results/step_vs_housing_first.h5
done
