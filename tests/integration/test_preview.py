"""`python -m helpers preview` (issue 26): Quarto's live preview of one language, with the pipeline
kept current. In a copy of the rendered project: an edited chapter, then an edited notebook, reach
the served page; a chapter whose front matter is broken is reported in one line and the preview
goes on; Ctrl-C ends it and Quarto with it. How fast: benchmarks/bench_preview.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import as_from_a_terminal
from helpers.publish import preview

FIGURE = "fig-burnout-exhaustion-sector"


def alt_of(page: str, label: str) -> str | None:
    """The text alternative of a figure on a rendered page."""
    m = re.search(rf'id="{label}".*?<img [^>]*alt="([^"]*)"', page, flags=re.S)
    return m.group(1) if m else None


class Preview:
    """The command in a subprocess; its output collected line by line."""

    def __init__(self, root: Path):
        self.port = preview.free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "helpers",
                "preview",
                "--lang",
                "nl",
                "--port",
                str(self.port),
                "--no-browser",
            ],
            cwd=root,
            # the project's own folders, not the test session's (EWCS_BUILD_DIR, ...)
            env={k: v for k, v in os.environ.items() if not k.startswith("EWCS_")},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            preexec_fn=as_from_a_terminal,  # it is stopped with Ctrl-C
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def tail(self) -> str:
        """The command's last lines, without Quarto's log of each request."""
        return "\n".join([line for line in self.lines if "GET: " not in line][-40:])

    def wait_for_line(self, pattern: str, timeout: float, after: int = 0) -> str:
        """The first line matching ``pattern`` among those from line ``after`` on."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            for line in self.lines[after:]:
                if re.search(pattern, line):
                    return line
            assert self.proc.poll() is None, self.tail()
            time.sleep(0.2)
        raise AssertionError(f"no line matching {pattern!r}:\n" + self.tail())

    def page(self, rel: str) -> str:
        return f"http://127.0.0.1:{self.port}/{rel}"


@pytest.fixture(scope="module")
def project(rendered, tmp_path_factory) -> Path:
    """A copy of the rendered project: the preview edits its files."""
    root = tmp_path_factory.mktemp("preview") / "repo"
    shutil.copytree(rendered, root, symlinks=True)
    return root


def _edit_notebook(path: Path, old: str, new: str) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if old in "".join(c["source"])]
    assert len(cells) == 1
    cells[0]["source"] = "".join(cells[0]["source"]).replace(old, new)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def test_an_edit_reaches_the_served_page(project):
    run = Preview(project)
    try:
        run.wait_for_line(r"^preview: http://127\.0\.0\.1:\d+/", timeout=600)
        url = run.page("chapters/nl/burnout.html")
        first = preview.until_served(url, lambda page: alt_of(page, FIGURE) is not None, timeout=60)
        assert first is not None, "the chapter is not served"
        with urllib.request.urlopen(url) as r:
            alt = alt_of(r.read().decode(), FIGURE)

        # a chapter: Quarto renders it when it is saved
        chapter = project / "chapters" / "nl" / "burnout.qmd"
        marker = f"Een zin die de preview moet tonen {time.time_ns()}."
        text = chapter.read_text(encoding="utf-8")
        chapter.write_text(text.replace("\n## ", f"\n{marker}\n\n## ", 1), encoding="utf-8")
        assert preview.until_served(url, lambda page: marker in page, timeout=60) is not None
        with urllib.request.urlopen(url) as r:  # and the post-render step decorated it
            assert 'class="language-bar"' in r.read().decode()

        # a notebook: its jobs for the language run, the book's inputs follow, the page is rendered
        notebook = project / "notebooks" / "burnout.ipynb"
        _edit_notebook(
            notebook, f'"{FIGURE}", ["exhaustion", "stress"]', f'"{FIGURE}", ["fatigue", "exhaustion"]'
        )
        assert preview.until_served(url, lambda page: alt_of(page, FIGURE) not in (None, alt), timeout=180), (
            run.tail()
        )
        run.wait_for_line(r"^preview: pipeline [\d.]+ s; re-rendering .*chapters/nl/burnout\.qmd", timeout=30)
        executed = [line for line in run.lines if line.startswith("notebooks: executed")]
        assert executed and executed[-1].startswith("notebooks: executed 4,"), executed  # nl only

        # the codebook: every Dutch job it reaches runs on fresh kernels (they cache the codebook)
        indicators = project / "data" / "codebook" / "indicators.yaml"
        codebook_text = indicators.read_text(encoding="utf-8")
        label = "Had in de voorbije 12 maanden last van algemene vermoeidheid"
        assert label in codebook_text
        short = 'short: {nl: "Algemene vermoeidheid"'
        assert short in codebook_text
        edited = codebook_text.replace(label, label + " (bewerkt)", 1).replace(
            short, short[:-1] + ' (bewerkt)"'
        )
        seen = len(run.lines)
        indicators.write_text(edited, encoding="utf-8")
        assert preview.until_served(url, lambda page: "(bewerkt)" in page, timeout=300), run.tail()
        # what the preview's own process writes (the explorer) reads the edited codebook too
        run.wait_for_line(r"^preview: pipeline .*chapters/nl/explorer\.qmd", timeout=120, after=seen)
        explorer = (project / "build" / "quarto" / "nl" / "explorer.qmd").read_text(encoding="utf-8")
        assert "Algemene vermoeidheid (bewerkt)" in explorer
        # (the codebook stays edited: restoring it would run every Dutch job once more, and nothing
        # below depends on it)

        # a broken front matter: one line, and the preview goes on
        broken = project / "chapters" / "nl" / "foreword.qmd"
        original = broken.read_text(encoding="utf-8")
        broken.write_text("---\ntitle: [unclosed\n---\n\n" + original, encoding="utf-8")
        line = run.wait_for_line(r"^error: .*foreword\.qmd", timeout=30)
        assert "front matter" in line
        # (Quarto's own preview may end on it: it is started again once the chapter is fixed)
        broken.write_text(original, encoding="utf-8")
        chapter.write_text(text, encoding="utf-8")
        assert preview.until_served(url, lambda page: marker not in page, timeout=300) is not None, run.tail()
        assert run.proc.poll() is None
    finally:
        run.proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = run.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            run.proc.kill()
            raise
    assert code == 0 and run.lines[-1] == "preview: stopped", run.lines[-5:]
    # Quarto ended with it: nothing answers at the preview's address
    assert preview.until_served(run.page(""), lambda page: True, timeout=3) is None
