#!/bin/sh
# window-bad-file.sh — issue 12, item 14: the window given a file that fails to open (broken JSON) or an
# experiment whose training cannot start (a missing CSV) shows its error page, --screenshot captures it
# and the process exits with status 2 (run under xvfb-run by meson: window-bad-file FITTAPE).
set -u
app=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '{"a": [\n' >"$dir/broken.json"
printf '{"dataset": {"name": "csv", "path": "nope.csv", "label": "label"}, "model": {"input_shape": [2], "layers": [{"type": "Dense", "units": 2}]}}\n' >"$dir/missing-csv.json"
failed=0
for f in broken missing-csv; do
  timeout 120 "$app" "$dir/$f.json" --screenshot "$dir/$f.png" >"$dir/$f.log" 2>&1
  status=$?
  if [ "$status" -ne 2 ]; then
    echo "not ok: $f.json: exit status $status, expected 2"; cat "$dir/$f.log"; failed=1
  elif [ ! -s "$dir/$f.png" ]; then
    echo "not ok: $f.json: no screenshot"; cat "$dir/$f.log"; failed=1
  else
    echo "ok: $f.json: exit 2 with the error page captured"
  fi
done
exit $failed
