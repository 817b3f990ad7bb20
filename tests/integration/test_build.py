"""`python -m helpers build` without Quarto: notebooks built, then a clear stop."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers.grid import runner


def build(*args, path=None):
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "helpers", "build", *args], capture_output=True, text=True, env=env
    )


def test_no_render_stops_after_the_notebooks(published):
    r = build("--no-render")
    assert r.returncode == 0, r.stderr
    jobs = len(runner.grid())  # every theme x wave x language, and the source notebooks
    assert f"all {jobs} up to date" in r.stdout and "--no-render" in r.stdout


def test_missing_quarto_is_explained(published, tmp_path):
    # a PATH with python but no quarto
    r = build(path=str(tmp_path))
    assert r.returncode == 2
    assert "quarto" in r.stderr and "pip install quarto-cli" in r.stderr
    assert r.stderr.strip().count("\n") == 0
