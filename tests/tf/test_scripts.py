"""tf suite: an experiment's exported scripts run on real TensorFlow/Keras. Exports EXPERIMENT.json in fit and
in tape mode, runs each to completion with FITTAPE_EPOCHS / FITTAPE_LIMIT cutting the run short, and checks
that the test accuracy each reports lies in the range FitTape reaches on the same cut (FitTape trained with
three seeds, the range widened by a margin: the script draws its own initial weights and shuffles).
Usage: test_scripts.py EXPERIMENT.json EPOCHS [LIMIT]"""
import json
import os
import re
import subprocess
import sys
import tempfile

experiment, epochs = sys.argv[1], int(sys.argv[2])
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 0
cli = os.environ["FITTAPE_CLI"]
MARGIN = 0.08

with open(experiment) as f:
    exp = json.load(f)
exp["fit"]["epochs"] = epochs
if limit:
    exp.setdefault("dataset", {})["limit"] = limit

with tempfile.TemporaryDirectory(prefix="fittape-scripts-") as tmp:
    cut = os.path.join(tmp, "cut.json")
    for mode in ("fit", "tape"):
        # FitTape's range on the cut.
        accs = []
        for seed in (exp.get("seed", 42), 1, 2):
            exp["seed"] = seed
            with open(cut, "w") as f:
                json.dump(exp, f)
            p = subprocess.run([cli, "run", cut, "--mode", mode, "--quiet", "--out", os.path.join(tmp, "ft")],
                               capture_output=True, text=True, timeout=600)
            assert p.returncode == 0, p.stderr
            accs.append(json.loads(p.stdout.strip().splitlines()[-1])["test_accuracy"])
        # The script, exported from the experiment as shipped, cut by the environment.
        script = os.path.join(tmp, "train-%s.py" % mode)
        p = subprocess.run([cli, "export-script", experiment, "--mode", mode, "--out", script],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        env = dict(os.environ, FITTAPE_EPOCHS=str(epochs))
        if limit:
            env["FITTAPE_LIMIT"] = str(limit)
        p = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=900, cwd=tmp, env=env)
        print(p.stdout[-1500:])
        assert p.returncode == 0, "%s mode: the script failed:\n%s" % (mode, p.stderr[-3000:])
        m = re.search(r"^Test: .*accuracy: ([0-9.]+)", p.stdout, re.M)
        assert m, mode + ": the script printed no test accuracy"
        acc = float(m.group(1))
        lo, hi = min(accs) - MARGIN, max(accs) + MARGIN
        print("%s mode: Keras test accuracy %.4f; FitTape %s (range with margin %.3f .. %.3f)"
              % (mode, acc, ", ".join("%.4f" % a for a in accs), lo, hi))
        assert lo <= acc <= hi, "%s mode: Keras' test accuracy %.4f is outside FitTape's range" % (mode, acc)
