"""Benchmark: the data explorer's weight and how fast it answers, in headless Chromium.

Run by hand from the repository root after `python -m helpers build` (with Quarto on PATH):
    python benchmarks/bench_explorer.py
Needs Playwright (requirements.txt) and a Chromium (`apt-get install chromium`, or CHROMIUM=path).
Serves _site/ on a loopback port and reports, per language: the size of the two files of the store
the page loads, estimates and changes (raw and gzip-compressed, as a web server would send them),
and of the page's scripts;
the time from opening the page until the explorer is ready; and the time from a changed selection
until the page has drawn the answer (both charts, tables, summary; two animation frames), over 40
changes of indicator, breakdown and wave, median and maximum.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import http.server
import os
import shutil
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_site"
SCRIPTS = [
    "assets/vendor/d3-7.9.2/d3.min.js",
    "assets/vendor/plot-0.6.17/plot.umd.min.js",
    "assets/explorer/explorer.js",
]

CHANGE = """async ([control, value]) => {
  const s = document.getElementById('ex-' + control);
  const t0 = performance.now();
  s.value = value;
  s.dispatchEvent(new Event('change'));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}"""


def kb(n: int) -> str:
    return f"{n / 1024:.0f}"


def main() -> None:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not (SITE / "nl" / "chapters" / "nl" / "explorer.html").exists() or chromium is None:
        sys.exit(
            "needs the rendered site (python -m helpers build) and a Chromium (apt-get install chromium)"
        )
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0),
        functools.partial(
            type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None}),
            directory=str(SITE),
        ),
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    script_bytes = sum((ROOT / s).stat().st_size for s in SCRIPTS)
    script_gz = sum(len(gzip.compress((ROOT / s).read_bytes(), 6)) for s in SCRIPTS)
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for lang in ("nl", "fr"):
            folder = SITE / lang / "build" / "store" / lang
            raw = (folder / "estimates.csv").read_bytes()
            changes = (folder / "changes.csv").read_bytes()
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            loads = []
            for _ in range(5):
                page.goto("about:blank")
                page.goto(f"{base}/{lang}/chapters/{lang}/explorer.html")
                page.wait_for_selector("#explorer[data-ready]")
                loads.append(page.evaluate("performance.now()"))
            conf = page.evaluate("JSON.parse(document.getElementById('explorer-config').textContent)")
            answers = []
            inds = [i for i in conf["indicators"] if len(i["waves"]) > 1]
            for k in range(40):
                ind = inds[k % len(inds)]
                page.evaluate(CHANGE, ["theme", ind["theme"]])
                answers.append(page.evaluate(CHANGE, ["indicator", ind["code"]]))
                answers.append(
                    page.evaluate(
                        CHANGE, ["breakdown", conf["breakdowns"][k % len(conf["breakdowns"])]["code"]]
                    )
                )
                answers.append(page.evaluate(CHANGE, ["wave", str(ind["waves"][k % len(ind["waves"])])]))
            page.close()
            rows.append(
                (
                    lang,
                    raw.count(b"\n") - 1,
                    changes.count(b"\n") - 1,
                    len(raw) + len(changes),
                    len(gzip.compress(raw, 6)) + len(gzip.compress(changes, 6)),
                    statistics.median(loads),
                    statistics.median(answers),
                    max(answers),
                    len(answers),
                )
            )
        browser.close()
    server.shutdown()
    print(
        f"### bench_explorer.py — {dt.date.today()} · {os.cpu_count()} cores · Python "
        f"{sys.version.split()[0]}\n"
    )
    print(
        f"Scripts the page loads (d3, Plot, explorer.js): {kb(script_bytes)} KB, {kb(script_gz)} KB "
        f"gzip-compressed.\n"
    )
    print(
        "| language | estimates | changes | store KB | store KB gzip | page ready ms (median of 5) "
        "| answer to a changed selection ms, median | max | selections |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for lang, n, nc, size, gz, load, med, top, count in rows:
        print(
            f"| {lang} | {n} | {nc} | {kb(size)} | {kb(gz)} | {load:.0f} | {med:.1f} | {top:.1f} | {count} |"
        )


if __name__ == "__main__":
    main()
