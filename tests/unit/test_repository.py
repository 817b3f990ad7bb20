"""What the repository holds: code, text and small assets, never binaries or microdata."""

from __future__ import annotations

import subprocess

import pytest

from helpers.core import config

BINARY_SUFFIXES = (".whl", ".tar.gz", ".zip", ".so", ".exe", ".parquet", ".sav", ".dta", ".pdf")
MAX_BYTES = 1 << 20  # the before-stop hook's limit too


def tracked() -> list[str]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=config.ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: nothing to say about what is tracked")
    return [p for p in out.split("\0") if p]


def test_no_binary_or_data_file_is_tracked():
    bad = [p for p in tracked() if p.lower().endswith(BINARY_SUFFIXES)]
    assert not bad, f"binaries or data files are tracked: {bad}"


def test_no_tracked_file_over_one_megabyte():
    big = [
        p for p in tracked() if (config.ROOT / p).is_file() and (config.ROOT / p).stat().st_size > MAX_BYTES
    ]
    assert not big, f"files over 1 MB are tracked: {big}"


def vendored_font(p: str) -> bool:
    """The report's typeface, vendored with its licence (assets/vendor/README.md): WOFF2 for the
    site, TTF for the figures and the PDF."""
    return p.startswith("assets/vendor/") and p.endswith((".woff2", ".ttf"))


def test_files_without_a_text_encoding_are_only_images_and_vendored_fonts():
    """A NUL byte marks a binary: only the README's images and the site's vendored fonts may be one."""
    binaries = []
    for p in tracked():
        f = config.ROOT / p
        if f.is_file() and not p.endswith(".png") and not vendored_font(p) and b"\0" in f.read_bytes()[:8192]:
            binaries.append(p)
    assert not binaries, f"binary files are tracked: {binaries}"


def test_notebooks_are_stored_without_outputs_or_placeholders():
    """What a researcher edits: no outputs, no execution counts, and no caption, alt text or label
    options (the grid writes them from the figure's own output, so each is written once)."""
    import json

    for nb in sorted((config.ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(nb.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] != "code":
                continue
            assert not cell.get("outputs") and cell.get("execution_count") is None, (nb.name, i)
            source = "".join(cell["source"])
            assert not [
                ln for ln in source.splitlines() if ln.startswith(("#| label", "#| fig-", "#| tbl-cap"))
            ], (
                nb.name,
                i,
            )
