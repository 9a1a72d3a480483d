#!/bin/bash
# window-vs-cli.sh — the window's training speed against the command line's, in Compare mode (issue 15's
# "window ≥ 90 % of the CLI"): PAIRS times, the window (under Xvfb, 1280×800, Fashion-MNIST MLP, fit() and the
# tape loop side by side, EPOCHS epochs, its samples a second as --screenshot prints them) and then
# `fittape-cli run --mode both` on the same experiment (60,000 samples / seconds per epoch, both runs summed).
# Prints each pair's ratio. Usage: bench/window-vs-cli.sh BUILD_DIR [EPOCHS [PAIRS]]
set -euo pipefail
BUILD=$(cd "${1:?usage: $0 BUILD_DIR [EPOCHS [PAIRS]]}" && pwd)
EPOCHS=${2:-5}
PAIRS=${3:-5}
SRC=$(cd "$(dirname "$0")/.." && pwd)
EXP="$SRC/data/fashion-mnist-mlp.json"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/config/glib-2.0/settings"
printf '[org/fittape/FitTape]\nwindow-width=1280\nwindow-height=800\nwindow-maximized=false\n' \
  > "$WORK/config/glib-2.0/settings/keyfile"
echo "window against fittape-cli, Compare mode, $(basename "$EXP"), $EPOCHS epochs, $PAIRS pairs"
for pair in $(seq "$PAIRS"); do
  window=$(GSETTINGS_BACKEND=keyfile XDG_CONFIG_HOME="$WORK/config" timeout 900 \
    xvfb-run -a -s "-screen 0 1280x800x24" "$BUILD/app/fittape" "$EXP" -m both -t --after-epochs "$EPOCHS" \
    --screenshot "$WORK/shot.png" 2>/dev/null | sed -n 's/.*"samples_per_second": \([0-9]*\).*/\1/p')
  cli=$(cd "$WORK" && timeout 900 "$BUILD/app/fittape-cli" run "$EXP" --mode both --epochs "$EPOCHS" --quiet \
    --out "$WORK/out" 2>/dev/null | tail -1)
  /usr/bin/python3 - "$window" "$cli" "$pair" <<'PY'
import json, sys
window, cli, pair = float(sys.argv[1] or 0), json.loads(sys.argv[2]), sys.argv[3]
rate = sum(60000 / cli[m]["seconds_per_epoch"] for m in ("fit", "tape"))
print(f"  pair {pair}: window {window:9.0f} samples/s   cli {rate:9.0f} samples/s   {100 * window / rate:5.1f} %"
      f"   (target ≥ 90 %)")
PY
done
