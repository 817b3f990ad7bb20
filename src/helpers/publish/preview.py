"""Quarto's live preview of one language, its pages kept current (``python -m helpers preview``).

Quarto's own ``quarto preview`` serves the language's website (HTML only, on the loopback address)
from ``build/preview/<lang>/``, so ``_site/`` stays what the last build made, and re-renders a
chapter the moment it is saved. What Quarto does not see are the files a chapter takes from the
pipeline: the figure blocks and tables it includes (``build/quarto/<lang>/``), the executed notebooks
those embed, and the numbers of ``_variables.yml``. ``helpers.pipeline.preview`` brings those up to
date when a notebook, the codebook or a catalogue changes, then asks this module which pages read
something that changed (:func:`digests`) and has Quarto re-render just those
(:func:`request_render`: the render request of Quarto's preview server, as RStudio sends it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from helpers.core import config, layout, workdir
from helpers.core.errors import PipelineError
from helpers.publish import check, render

# Quarto's render request (kQuartoRenderCommand, src/command/render/constants.ts): a GET of
# /<this>/<page relative to the project> renders that page and reloads the browsers showing it
RENDER_REQUEST = "90B3C9E8-0DBC-4BC0-B164-AA2D5C031B28"
HOST = "127.0.0.1"


def pages(lang: str) -> list[Path]:
    """The language's pages, as its profile lists them (chapters, then appendices)."""
    conf = yaml.safe_load((config.ROOT / f"_quarto-{lang}.yml").read_text(encoding="utf-8")) or {}
    return [config.ROOT / f for f in check.book_files(conf.get("book") or {})]


def _output(page: Path, lang: str, build: Path) -> Path:
    return layout.preview_site(build, lang) / page.relative_to(config.ROOT).with_suffix(".html")


def digests(lang: str, build: Path | None = None) -> dict[str, str]:
    """Per page, the hash of what it takes from the pipeline: its includes (as Quarto resolves them),
    the notebooks those embed, and the language's numbers when it quotes any. Not the page's own
    text: Quarto follows that itself."""
    build = Path(build or config.BUILD_DIR)
    checker = check.Checker(build)
    numbers = None
    out = {}
    for page in pages(lang):
        text = checker.text_of(page, lang)
        h = hashlib.sha256(text.encode())
        for rel in sorted({m.group(1) for m in check.EMBED.finditer(text)}):
            notebook = checker.build_path(page.parent / rel)
            h.update(notebook.read_bytes() if notebook.exists() else b"missing")
        if check.VAR.search(text):
            if numbers is None:
                variables = layout.variables_path(build)
                values = yaml.safe_load(variables.read_text(encoding="utf-8")) if variables.exists() else {}
                numbers = json.dumps((values or {}).get(lang), sort_keys=True, default=str)
            h.update(numbers.encode())
        out[page.relative_to(config.ROOT).as_posix()] = h.hexdigest()
    return out


def _state(lang: str, build: Path) -> Path:
    return layout.preview_site(build, lang).with_suffix(".json")


def save_digests(lang: str, build: Path, values: dict[str, str]) -> None:
    workdir.write_text(_state(lang, build), json.dumps(values, indent=1, sort_keys=True) + "\n")


def forget_stale_pages(lang: str, build: Path) -> list[str]:
    """Remove the preview's output of every page whose inputs changed since the last preview (or
    that no preview recorded): Quarto's preview renders at start only the pages whose output is
    older than their source, and a page's includes do not count. Returns those pages."""
    try:
        before = json.loads(_state(lang, build).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        before = {}
    now = digests(lang, build)
    stale = [page for page, value in now.items() if before.get(page) != value]
    for page in stale:
        _output(config.ROOT / page, lang, build).unlink(missing_ok=True)
    save_digests(lang, build, now)
    return stale


def changed_pages(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [page for page, value in after.items() if before.get(page) != value]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def has_display() -> bool:
    """Whether a browser can be opened here: a desktop session (or a system that always has one)."""
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def command(quarto: str, lang: str, port: int, build: Path, *, browser: bool) -> list[str]:
    out = os.path.relpath(layout.preview_site(build, lang), config.ROOT)
    return [
        *render.die_with_build(),
        quarto,
        "preview",
        "--profile",
        lang,
        "--to",
        "html",
        "--host",
        HOST,
        "--port",
        str(port),
        "--output-dir",
        out,
        *([] if browser else ["--no-browser"]),
    ]


def start(quarto: str, lang: str, port: int, build: Path, env: dict, *, browser: bool) -> subprocess.Popen:
    """``quarto preview`` of ``lang``, its output in this terminal."""
    return subprocess.Popen(command(quarto, lang, port, build, browser=browser), cwd=config.ROOT, env=env)


def wait_until_serving(proc: subprocess.Popen, port: int, timeout: float = 600) -> str:
    """The preview's address once it answers; one error line if Quarto ends before."""
    url = f"http://{HOST}:{port}/"
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise PipelineError(
                f"`quarto preview` ended (exit {proc.returncode}) before it served the pages; its "
                "output is above",
                expected="a book Quarto can render (`python -m helpers build` shows the same error)",
            )
        try:
            with urllib.request.urlopen(url, timeout=5):
                return url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise PipelineError(
                    f"`quarto preview` did not answer at {url} within {timeout:.0f} s"
                ) from None
            time.sleep(0.5)


def request_render(port: int, page: str) -> None:
    """Have the preview re-render ``page`` (relative to the project) and reload it in the browser."""
    url = f"http://{HOST}:{port}/{RENDER_REQUEST}/{page}"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise PipelineError(
            f"Quarto's preview did not take the request to render it ({exc})",
            file=config.ROOT / page,
            expected="a running preview; save the page again, or restart `python -m helpers preview`",
        ) from None


def until_served(url: str, shows, timeout: float = 120, interval: float = 0.2) -> float | None:
    """Seconds until the page at ``url`` satisfies ``shows(html)``, polled every ``interval`` (None
    after ``timeout``): how the test and the benchmark see an edit reach the served page."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if shows(response.read().decode("utf-8", errors="replace")):
                    return time.monotonic() - t0
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(interval)
    return None


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def quarto() -> str:
    found = shutil.which("quarto")
    if found is None:
        raise PipelineError(
            "the preview needs the `quarto` command, which is not installed",
            expected="Quarto on PATH (`pip install quarto-cli`, or https://quarto.org)",
        )
    return found
