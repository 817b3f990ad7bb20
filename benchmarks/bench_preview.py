"""Benchmark: how long an edit takes to reach the page `python -m helpers preview` serves.

Run by hand from the repository root, with Quarto on PATH:
    python benchmarks/bench_preview.py [--repeat 3]
In a fresh clone of HEAD (benchmarks/_work/preview/), the preview of the Dutch edition is started
(its first start builds the pipeline and renders every page); then each edit is made and the
served page polled every 0.1 s until it shows the change, then the edit undone and the page
polled until the change is gone (both count as one edit each):

* a chapter: a sentence added to chapters/nl/burnout.qmd (Quarto renders the page; goal 5 s);
* a notebook: the first indicator of one figure of notebooks/burnout.ipynb changed (the 4 Dutch
  burn-out jobs run, the book's inputs are written, the page is rendered; goal 20 s);
* the codebook: an indicator's Dutch label changed in data/codebook/indicators.yaml (every Dutch
  job whose inputs changed runs: all of them, as the codebook is in every job's key).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from helpers.publish import preview

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "_work" / "preview"
FIGURE = "fig-burnout-exhaustion-sector"
PAGE = "chapters/nl/burnout.html"


def alt_of(page: str) -> str | None:
    m = re.search(rf'id="{FIGURE}".*?<img [^>]*alt="([^"]*)"', page, flags=re.S)
    return m.group(1) if m else None


def start(clone: Path) -> tuple[subprocess.Popen, str, float]:
    port = preview.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EWCS_")}
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpers", "preview", "--lang", "nl", "--port", str(port), "--no-browser"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    ready = threading.Event()

    def read():
        for line in proc.stdout:
            if line.startswith("preview: http"):
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(1200):
        proc.kill()
        sys.exit("the preview did not start")
    return proc, f"http://127.0.0.1:{port}/{PAGE}", time.monotonic() - t0


def timed(url: str, write, shows, settle: float) -> float:
    write()
    seconds = preview.until_served(url, shows, timeout=300, interval=0.1)
    if seconds is None:
        sys.exit("an edit did not reach the page in 300 s")
    # Quarto goes on working for about 2.5 s after a page is served again: an edit saved within
    # that time waits for it (a chapter edit then takes about 6.5 s instead of 4)
    time.sleep(settle)
    return seconds


def chapter(clone: Path, url: str, settle: float) -> list[float]:
    path = clone / "chapters" / "nl" / "burnout.qmd"
    text = path.read_text(encoding="utf-8")
    marker = f"Een toegevoegde zin {time.time_ns()}."
    edited = text.replace("\n## ", f"\n{marker}\n\n## ", 1)
    return [
        timed(url, lambda: path.write_text(edited, encoding="utf-8"), lambda p: marker in p, settle),
        timed(url, lambda: path.write_text(text, encoding="utf-8"), lambda p: marker not in p, settle),
    ]


def notebook(clone: Path, url: str, before: str, settle: float) -> list[float]:
    path = clone / "notebooks" / "burnout.ipynb"
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if f'"{FIGURE}", ["exhaustion", "stress"]' in source:
            cell["source"] = source.replace('["exhaustion", "stress"]', '["fatigue", "exhaustion"]')
    edited = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    return [
        timed(
            url,
            lambda: path.write_text(edited, encoding="utf-8"),
            lambda p: alt_of(p) not in (None, before),
            settle,
        ),
        timed(url, lambda: path.write_text(text, encoding="utf-8"), lambda p: alt_of(p) == before, settle),
    ]


def codebook(clone: Path, url: str, settle: float) -> list[float]:
    path = clone / "data" / "codebook" / "indicators.yaml"
    text = path.read_text(encoding="utf-8")
    label = "Had in de voorbije 12 maanden last van algemene vermoeidheid"
    assert label in text
    edited = text.replace(label, label + " (bewerkt)", 1)
    return [
        timed(url, lambda: path.write_text(edited, encoding="utf-8"), lambda p: "(bewerkt)" in p, settle),
        timed(url, lambda: path.write_text(text, encoding="utf-8"), lambda p: "(bewerkt)" not in p, settle),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="edits of a chapter and of a notebook")
    parser.add_argument("--settle", type=float, default=4.0, help="seconds between one edit and the next")
    args = parser.parse_args()
    if shutil.which("quarto") is None:
        sys.exit("quarto is not on PATH")
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "-q", str(ROOT), str(WORK)], check=True)
    proc, url, cold = start(WORK)
    procs = [proc]
    try:
        before = alt_of(get(url))
        rows = {"chapter": [], "notebook": [], "codebook": []}
        for _ in range(args.repeat):
            rows["chapter"] += chapter(WORK, url, args.settle)
        for _ in range(args.repeat):
            rows["notebook"] += notebook(WORK, url, before, args.settle)
        rows["codebook"] += codebook(WORK, url, args.settle)
        preview.stop(proc)
        again, _, warm = start(WORK)  # a second start: nothing to build or render again
        procs.append(again)
    finally:
        for p in procs:
            preview.stop(p)
    goals = {"chapter": "5 s", "notebook": "20 s", "codebook": ""}
    print(
        f"### bench_preview.py — {dt.date.today()} · {os.cpu_count()} cores · "
        f"Python {sys.version.split()[0]} · {args.settle:g} s between edits\n"
    )
    print("| edit | times, s | median s | goal |\n|---|---|---|---|")
    for name, times in rows.items():
        shown = ", ".join(f"{t:.1f}" for t in times)
        print(f"| {name} | {shown} | {statistics.median(times):.1f} | {goals[name]} |")
    print(f"| start (first: pipeline and every page) | {cold:.1f} | | |")
    print(f"| start again | {warm:.1f} | | |")


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode()


if __name__ == "__main__":
    main()
