"""Shared fixtures: synthetic raw files and processed data in temporary folders."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pyreadstat
import pytest

from helpers import pipeline
from helpers.book import inputs
from helpers.core import config
from helpers.metadata import codebook


@pytest.fixture(scope="session")
def cb():
    return codebook.load()


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The four synthetic waves at scale 1, written once per session by the root conftest.py."""
    return config.RAW_DIR


@pytest.fixture(scope="session")
def processed_dir() -> Path:
    return config.PROCESSED_DIR


@pytest.fixture
def raw_copy(raw_dir, tmp_path) -> Path:
    """A private copy of the raw folder that a test may damage."""
    d = tmp_path / "raw"
    shutil.copytree(raw_dir, d)
    return d


def as_from_a_terminal() -> None:
    """``preexec_fn`` of a command a test interrupts with Ctrl-C (SIGINT): the signal's default
    disposition, as in a terminal. A session started in the background by a shell without job
    control (``nohup ... &``, some CI runners) ignores SIGINT, its children inherit that, and Python
    then never raises KeyboardInterrupt: the command would run on as if nobody had pressed Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def rewrite_sav(path: Path, modify=None, meta_modify=None) -> None:
    """Rewrite a .sav in place after ``modify(df)`` (and ``meta_modify(value_labels)``), keeping labels."""
    df, meta = pyreadstat.read_sav(str(path), user_missing=True)
    if modify is not None:
        df = modify(df)
    labels = {k: dict(v) for k, v in meta.variable_value_labels.items() if k in df.columns}
    if meta_modify is not None:
        labels = meta_modify(labels)
    pyreadstat.write_sav(
        df,
        str(path),
        file_label=meta.file_label,
        variable_value_labels=labels,
        column_labels={k: v for k, v in meta.column_names_to_labels.items() if k in df.columns and v},
    )


@pytest.fixture(scope="session")
def published() -> Path:
    """The full grid (every theme x 4 waves x 2 languages, and each source notebook once per
    language), executed once per session."""

    result = pipeline.run(log=lambda *_: None, progress=False, ingest_first=False)
    cb = codebook.load()
    grid = len(cb.themes) * len(cb.wave_names()) * 2 + len(config.source_notebooks()) * 2
    assert len(result.executed) + len(result.skipped) == grid == 42
    return config.BUILD_DIR


@pytest.fixture(scope="session")
def prepared(published) -> Path:
    """The published grid plus the book's numbers and figure blocks, in the tests' build folder."""
    inputs.write_book_inputs(published, log=lambda *_: None)
    return published


# ---------------------------------------------------------------------- a clean copy, rendered
needs_quarto = pytest.mark.skipif(
    shutil.which("quarto") is None,
    reason="the quarto binary is not on PATH (pip install quarto-cli, or quarto.org; here "
    "../shared/tools/quarto/bin): the real render of both profiles is not tested here",
)


def project_copy(dest: Path) -> Path:
    """The repository's files (tracked and new, not ignored) in ``dest``: a clean clone, locally."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=config.ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for rel in filter(None, files):
        src = config.ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)  # keeps mtimes: the notebooks stay cached
    return dest


def clean_build(root: Path) -> subprocess.CompletedProcess:
    """`python -m helpers build` in a clean copy: its own data and build folders, no EWCS_* overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EWCS_") and k != "SOURCE_DATE_EPOCH"}
    return subprocess.run(
        [sys.executable, "-m", "helpers", "build"], cwd=root, capture_output=True, text=True, env=env
    )


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> Path:
    """A clean copy of the project built and rendered with the real Quarto, once per session (the
    render tests and the browser tests read it)."""
    if os.environ.get("EWCS_RENDERED"):  # a project already built and rendered (while working on the site)
        return Path(os.environ["EWCS_RENDERED"])
    if shutil.which("quarto") is None:
        pytest.skip("the quarto binary is not on PATH: nothing is rendered on this machine")
    root = project_copy(tmp_path_factory.mktemp("render") / "repo")
    r = clean_build(root)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (root / "build.log").write_text(r.stdout + r.stderr)
    return root


# ---------------------------------------------------------------------- the rendered site in a browser
class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(rendered):
    """The rendered site served on a loopback port (the browser tests' base address)."""
    handler = functools.partial(_Quiet, directory=str(rendered / "_site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (the tests that use it skip without them)."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install -r requirements.txt)"
    )
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip(
            "no Chromium on this machine (apt-get install chromium): the site is not tested in a browser here"
        )
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()


# ---------------------------------------------------------------------- tiers
INTEGRATION = Path(__file__).resolve().parent / "integration"


def pytest_collection_modifyitems(config, items):
    """The slow tier: tests/integration/ (renders, browsers, double builds), the notebooks run by
    nbval, and every test that needs the whole grid executed (the `published` fixture, about a
    minute of notebooks on two cores). `python -m pytest -m "not slow"` leaves them out."""
    for item in items:
        path = Path(str(item.path)).resolve()
        grid = "published" in getattr(item, "fixturenames", ())
        if path.is_relative_to(INTEGRATION) or path.suffix == ".ipynb" or grid:
            item.add_marker(pytest.mark.slow)
