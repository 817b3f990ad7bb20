"""Profile: where a worker of the notebook grid spends its time.

Run by hand from the repository root (needs data/processed and build/estimates: run
`python -m helpers build --no-render` first):
    python benchmarks/profile_grid.py [--wave 2024] [--lang fr] [--top 25]
Executes the code cells of the four theme notebooks for one wave and language in one warm IPython
shell, as a worker's kernel runs them (imports paid before the clock starts, inline backend), once
to warm the per-process caches (font subsets, wrapped notes), then again under cProfile. Prints the
wall time of each run and the most expensive functions, cumulative (they overlap). The profiler
inflates Python-heavy code: compare the two runs' shares, not their seconds with the grid's.
Tables go to benchmarks/_work/profile/ (ignored by git).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THEMES = ["psychosocial_risks", "mental_health", "covid_impact", "burnout"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wave", type=int, default=2024)
    parser.add_argument("--lang", default="fr")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("module://matplotlib_inline.backend_inline")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("from helpers.notebook import report", silent=True)
    cells = {
        theme: [
            c
            for c in json.loads((ROOT / "notebooks" / f"{theme}.ipynb").read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code" and "parameters" not in c["metadata"].get("tags", [])
        ]
        for theme in THEMES
    }

    def run_all() -> float:
        t0 = time.perf_counter()
        for theme in THEMES:
            tables = ROOT / "benchmarks" / "_work" / "profile" / theme
            shell.run_cell(
                f"wave = {args.wave}; lang = {args.lang!r}; processed_dir = None; "
                f"tables_dir = {str(tables)!r}; estimates_dir = None",
                silent=True,
            )
            for cell in cells[theme]:
                r = shell.run_cell("".join(cell["source"]), silent=True)
                if not r.success:
                    raise SystemExit(f"{theme}: a cell failed: {r.error_in_exec or r.error_before_exec}")
        return time.perf_counter() - t0

    first = run_all()
    profile = cProfile.Profile()
    profile.enable()
    second = run_all()
    profile.disable()
    print(
        f"four theme notebooks, {args.wave} {args.lang}: {first:.1f} s cold caches, "
        f"{second:.1f} s warm under the profiler"
    )
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
