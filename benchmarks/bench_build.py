"""Benchmark: the whole build from a fresh clone, at scale 1 and at EU scale (`synth --scale 16`).

Run by hand from the repository root, with Quarto on PATH (here
`export PATH="$(realpath ../shared/tools/quarto/bin):$PATH"`):
    python benchmarks/bench_build.py [--scales 1 16] [--commit REV]
For each scale: `git clone` of HEAD (or of REV) into benchmarks/_work/clone-<scale>/ (ignored by git), then
1. clean build: `synth --scale S` (scale 1: the build writes the default itself) and `build`
   (ingest, estimates, notebooks, both languages rendered with their PDF);
2. `build` again with nothing changed;
3. `build` after one line is added to a French chapter (only French should render).
Wall time of each, and peak memory of the build and every process under it (kernels, Quarto,
Typst), sampled every 0.1 s: the largest sum of their proportional set size (PSS: a page shared by
n processes counts 1/n in each, so the sum is the memory the tree uses), and the largest sum of
their resident set size (RSS: shared pages counted in every process, an upper bound).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "_work"


def _pss(pid: int) -> int:
    """Proportional set size (bytes) of ``pid``, from /proc/<pid>/smaps_rollup; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree_memory(pid: int) -> tuple[int, int]:
    """PSS and RSS (bytes) of ``pid`` and all its descendants, summed, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    pss_total, rss_total, todo = 0, 0, [pid]
    while todo:
        p = todo.pop()
        rss_total += rss.get(p, 0)
        pss_total += _pss(p)
        todo += children.get(p, [])
    return pss_total, rss_total


def measured(cmd, cwd: Path) -> tuple[float, tuple[float, float], str]:
    """Seconds, peak memory (PSS, RSS; MB) of the process tree, and the output."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # the clone's own code: `python -m helpers` would otherwise import the working copy's
        # (the editable install), whatever the clone's commit
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("EWCS_")},
            "PYTHONPATH": str(Path(cwd).resolve() / "src"),
        },
    )
    peak = [0, 0]

    def sample():
        while proc.poll() is None:
            pss, rss = _tree_memory(proc.pid)
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    secs = time.perf_counter() - t0
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}:\n{out[-3000:]}")
    return secs, (peak[0] / 2**20, peak[1] / 2**20), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", nargs="+", type=float, default=[1.0, 16.0])
    parser.add_argument(
        "--commit", default="HEAD", help="the commit to build (an earlier one: to compare on the same day)"
    )
    args = parser.parse_args()
    if shutil.which("quarto") is None:
        raise SystemExit("quarto is not on PATH: the build's render is part of what this measures")
    py = [sys.executable, "-m", "helpers"]
    rows = []
    for scale in args.scales:
        clone = WORK / f"clone-{scale:g}"
        shutil.rmtree(clone, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", args.commit], check=True)
        t_synth, m_synth = 0.0, (0.0, 0.0)
        if scale != 1:
            t_synth, m_synth, _ = measured([*py, "synth", "--scale", f"{scale:g}"], clone)
        secs, mem, out = measured([*py, "build"], clone)
        rows.append(
            (
                scale,
                "clean build (synth, ingest, estimates, 42 notebooks, 2 languages + PDF)",
                secs + t_synth,
                tuple(map(max, mem, m_synth)),
            )
        )
        secs, mem, out = measured([*py, "build"], clone)
        assert "nothing to render" in out, out[-2000:]
        rows.append((scale, "build, nothing changed", secs, mem))
        with open(clone / "chapters" / "fr" / "foreword.qmd", "a", encoding="utf-8") as fh:
            fh.write("\nUne phrase ajoutée pour la mesure.\n")
        secs, mem, out = measured([*py, "build"], clone)
        assert "render: nl up to date" in out and "rendered fr" in out, out[-2000:]
        rows.append((scale, "build after editing one French chapter (French re-rendered only)", secs, mem))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", args.commit], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    print(f"{dt.date.today()} · {os.cpu_count()} cores · Python {sys.version.split()[0]} · commit {commit}")
    print("| scale | run | seconds | peak memory MiB (PSS) | peak RSS sum MiB (upper bound) |")
    print("|---|---|---|---|---|")
    for scale, name, secs, (pss, rss) in rows:
        print(f"| {scale:g} | {name} | {secs:.1f} | {pss:.0f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
