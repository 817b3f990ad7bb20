"""Benchmark: synthetic generation and ingest of the four waves, at scale 1 and at EU size.

Run by hand from the repository root:  python benchmarks/bench_data.py [--scales 1 16] [--repeat 3]
Each measurement runs in a fresh child process, so its peak memory (ru_maxrss) is its own.
Writes benchmarks/_work/ (ignored by git) and prints a Markdown table for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"


def child(stage: str, scale: float) -> None:
    from helpers.ingest import processed, synth, writer

    raw, out = WORK / f"raw-{scale:g}", WORK / f"processed-{scale:g}"
    t0 = time.perf_counter()
    if stage == "synth":
        synth.synth(out_dir=raw, scale=scale, log=lambda *_: None)
    else:
        writer.ingest(raw_dir=raw, out_dir=out, log=lambda *_: None)
    seconds = time.perf_counter() - t0
    rows = 0
    if stage == "ingest":
        rows = sum(processed.read_manifest(out, w)["rows_in_file"] for w in (2010, 2015, 2021, 2024))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": rows}))


def measure(stage: str, scale: float) -> dict:
    r = subprocess.run(
        [sys.executable, __file__, "--child", stage, "--scale", str(scale)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", nargs="+", type=float, default=[1, 16])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", choices=["synth", "ingest"])
    ap.add_argument("--scale", type=float)
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.scale)
    WORK.mkdir(exist_ok=True)
    print(f"{dt.date.today()} · {os.cpu_count()} cores · Python {sys.version.split()[0]}")
    print(f"| stage | scale | rows in the four files | median s (of {args.repeat}) | peak memory MB |")
    print("|---|---|---|---|---|")
    for scale in args.scales:
        rows = None
        for stage in ("synth", "ingest"):
            runs = [measure(stage, scale) for _ in range(args.repeat)]
            secs = sorted(r["seconds"] for r in runs)[len(runs) // 2]
            peak = max(r["peak_mb"] for r in runs)
            rows = runs[-1]["rows"] or rows
            print(f"| {stage} | {scale:g} | {rows or '':} | {secs:.2f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
