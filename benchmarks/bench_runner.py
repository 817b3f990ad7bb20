"""Benchmark: the notebook runner against a plain serial loop of the papermill command line.

Run by hand from the repository root (needs data/processed; run `python -m helpers ingest`):
    python benchmarks/bench_runner.py
Measures on the full grid (5 themes x 4 waves x 2 languages, and the occupational-risks notebook
for the edition's wave in 2 languages: 42 notebooks; 34 before the exposures theme of 2026-12-06),
in this order: clean runner run, no-op run (the CLI, process start included), run after touching one notebook
(8 jobs), and the serial papermill CLI loop. Builds go to benchmarks/_work/ (ignored by git).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "_work"


def timed(cmd, env=None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    shutil.rmtree(WORK / "build", ignore_errors=True)
    shutil.rmtree(WORK / "serial", ignore_errors=True)
    env = {**os.environ, "EWCS_BUILD_DIR": str(WORK / "build")}
    cli = [sys.executable, "-m", "helpers", "run"]
    sys.path.insert(0, str(ROOT / "src"))
    from helpers.grid import runner

    jobs = runner.grid()
    rows = [(f"runner, clean ({len(jobs)} jobs)", timed(cli, env))]
    rows.append(("runner, no change (0 jobs, process start included)", timed(cli, env)))
    nb = ROOT / "notebooks" / "burnout.ipynb"
    st = nb.stat()
    os.utime(nb)
    try:
        rows.append(("runner, one notebook touched (8 jobs)", timed(cli, env)))
    finally:
        os.utime(nb, ns=(st.st_atime_ns, st.st_mtime_ns))
    # the loop a researcher would write on a clean clone: no estimates precomputed by a build (its
    # notebooks estimate in memory, as the runner's precompute step does once for the grid)
    serial_env = {**os.environ, "EWCS_BUILD_DIR": str(WORK / "serial-build")}
    shutil.rmtree(WORK / "serial-build", ignore_errors=True)
    t0 = time.perf_counter()
    for job in jobs:  # the same notebooks as the runner's
        out = WORK / "serial" / str(job.wave) / job.lang
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "papermill",
                f"notebooks/{job.theme}.ipynb",
                str(out / f"{job.theme}.ipynb"),
                "-p",
                "wave",
                str(job.wave),
                "-p",
                "lang",
                job.lang,
                "-p",
                "tables_dir",
                str(out / job.theme),
                "-k",
                "python3",
                "--no-progress-bar",
            ],
            cwd=ROOT,
            env=serial_env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    serial = time.perf_counter() - t0
    rows.append((f"serial papermill CLI loop ({len(jobs)} jobs)", serial))
    print(f"{dt.date.today()} · {os.cpu_count()} cores · Python {sys.version.split()[0]}")
    print("| run | seconds | vs serial loop |")
    print("|---|---|---|")
    for name, secs in rows:
        print(f"| {name} | {secs:.1f} | {serial / secs:.2f}× |")


if __name__ == "__main__":
    main()
