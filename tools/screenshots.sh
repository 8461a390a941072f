#!/bin/sh
# Remakes the screenshots of the viewer in the README and docs/viewer.md (docs/img/*.png) from
# the shipped scenarios, headless under Xvfb. Run after tools/build.sh (about two minutes: the
# comparison is made with --robustness, so that its picture shows each difference's robustness).
set -eu
cd "$(dirname "$0")/.."
P=build/sim/percorsi
mkdir -p results docs/img
$P compare scenarios/piemonte/step_model.yaml scenarios/piemonte/housing_first.yaml \
  --robustness --quiet --force --out results/step_vs_housing_first.h5 > /dev/null
$P run scenarios/piemonte/baseline_3y.yaml scenarios/piemonte/lockdown_2020.yaml \
  --quiet --force --out results/lockdown.h5 > /dev/null
$P run scenarios/toscana/sweep_follow_up_scouting.yaml --quiet --force --out results/sweep.h5 > /dev/null
shot() {  # shot NAME OPTIONS... FILES...
  name=$1
  shift
  xvfb-run -a -s "-screen 0 1920x1200x24" build/viz/percorsi-viz --screenshot "docs/img/viewer-$name.png" \
    --size 1280x720 "$@"
}
for view in charts stacked compare people; do
  shot "$view" --view "$view" results/step_vs_housing_first.h5
done
shot levers --view levers --scenario scenarios/piemonte/housing_first.yaml results/step_vs_housing_first.h5
shot lockdown --view charts --indicator case_waiting results/lockdown.h5
shot room-compare --view compare --presentation --indicator employed_12m results/sweep.h5
shot room-lockdown --view charts --presentation --theme light --indicator case_waiting results/lockdown.h5
