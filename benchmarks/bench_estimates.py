"""Benchmark: the estimate stage alone (every indicator by every breakdown of the four waves, and
the six pairs of waves' changes), at scale 1 and at EU size (`synth --scale 16`).

Run by hand from the repository root:
    python benchmarks/bench_estimates.py [--scales 1 16] [--repeat 3]
For each scale, synthetic data is written and ingested into a temporary folder; then, median of
``--repeat`` runs each, the time of ``precompute.compute_wave`` for the four waves and of
``compute_changes`` for the six pairs: with the sample design the synthetic files carry (strata and
PSUs for 2010, 2015, 2024; strata for 2021), and with the design columns dropped (every respondent
a PSU of one stratum, the Kish floor: what a wave without design costs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import itertools, os, statistics, sys, time
from pathlib import Path
from helpers.ingest import processed
from helpers.estimate import precompute
from helpers.metadata import codebook
cb = codebook.load()
out = Path(os.environ["EWCS_PROCESSED_DIR"])
data = {w: processed.load(w, out) for w in (2010, 2015, 2021, 2024)}
repeat = int(sys.argv[1])
for design in (True, False):
    drop = lambda d: d.drop(columns=[c for c in ("stratum", "psu") if c in d])
    frames = data if design else {w: drop(d) for w, d in data.items()}
    waves, pairs = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        est = {w: precompute.compute_wave(d, w, cb) for w, d in frames.items()}
        waves.append(time.perf_counter() - t)
        t = time.perf_counter()
        for a, b in itertools.combinations(sorted(est), 2):
            precompute.compute_changes(est[a], est[b], cb)
        pairs.append(time.perf_counter() - t)
    rows = sum(len(d) for d in frames.values())
    name = "with design" if design else "design dropped"
    print(f"{name}|{rows}|{statistics.median(waves):.2f}|{statistics.median(pairs):.2f}")
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", nargs="+", type=float, default=[1, 16])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"estimate stage, {dt.date.today()}, {os.cpu_count()} cores, median of {args.repeat}\n")
    print("| scale | design | respondents (4 waves) | estimates of 4 waves, s | changes of 6 pairs, s |")
    print("|---|---|---|---|---|")
    for scale in args.scales:
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ)
            for name in ("RAW", "PROCESSED", "BUILD"):
                env[f"EWCS_{name}_DIR"] = str(Path(tmp) / name.lower())
            for cmd in (["synth", "--scale", f"{scale:g}"], ["ingest"]):
                subprocess.run(
                    [sys.executable, "-m", "helpers", *cmd], env=env, check=True, capture_output=True
                )
            res = subprocess.run(
                [sys.executable, "-c", CHILD, str(args.repeat)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            for line in res.stdout.splitlines():
                design, rows, waves, pairs = line.split("|")
                print(f"| {scale:g} | {design} | {int(rows):,} | {waves} | {pairs} |")


if __name__ == "__main__":
    main()
