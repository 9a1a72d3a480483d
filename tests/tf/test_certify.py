"""tf suite: one parity certificate (fittape-cli certify CASE.json --mode both) must pass its targets: every
per-epoch log within 1e-5 relative, the same stopping epoch, final weights within 1e-4, in fit and tape mode.
Usage: test_certify.py CASE.json"""
import json
import os
import subprocess
import sys
import tempfile

case = sys.argv[1]
with tempfile.TemporaryDirectory(prefix="fittape-certify-") as out:
    p = subprocess.run([os.environ["FITTAPE_CLI"], "certify", case, "--mode", "both", "--out", out,
                        "--python", sys.executable], capture_output=True, text=True, timeout=1200)
print(p.stdout)
print(p.stderr, file=sys.stderr)
assert p.returncode in (0, 1), "certify could not run (exit %d)" % p.returncode
result = json.loads(p.stdout.strip().splitlines()[-1])
for mode in ("fit", "tape"):
    c = result[mode]
    print("%s: worst log %s (epoch %d) %.3g, weights %.3g, epochs %d/%d" % (
        mode, c["worst_log"], c["worst_epoch"], c["worst_log_rel"], c["weights_rel"], c["epochs_fittape"], c["epochs_keras"]))
    assert c["epochs_fittape"] >= 1 and c["rows"], mode + ": nothing was compared"
    assert c["epochs_fittape"] == c["epochs_keras"], mode + ": stopping epochs differ"
    assert c["worst_log_rel"] is not None and c["worst_log_rel"] <= 1e-5, mode + ": " + c["verdict"]
    assert c["weights_rel"] is not None and c["weights_rel"] <= 1e-4, mode + ": " + c["verdict"]
    assert c["pass"], mode + ": " + c["verdict"]
    # The exported script's own samples (Playground generator, Debian's Fashion-MNIST files) are FitTape's,
    # bit for bit, and every epoch's permutation was replayed.
    assert not c["notes"], mode + ": " + "; ".join(c["notes"])
assert p.returncode == 0 and result["pass"]
