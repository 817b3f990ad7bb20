"""The researchers' front end: JupyterLab, as requirements.txt installs it, opens the theme notebooks.

nbval (the `.ipynb` files collected by pytest) runs every notebook top to bottom with its default
parameters, as JupyterLab's "Run all" does; these tests check that the front end itself is there,
at the pinned version, and serves the notebooks with the kernel they run on."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from helpers.core import config
from helpers.publish import preview

JUPYTER = Path(sys.executable).with_name("jupyter")


def _pinned(name: str) -> str:
    text = (config.ROOT / "requirements.txt").read_text(encoding="utf-8")
    m = re.search(rf"^{re.escape(name)}==(\S+)", text, flags=re.M)
    assert m, f"{name} is not pinned in requirements.txt"
    return m.group(1)


def _jupyter() -> str:
    found = str(JUPYTER) if JUPYTER.exists() else shutil.which("jupyter")
    assert found, "the `jupyter` command is missing: pip install -r requirements.txt installs JupyterLab"
    return found


def test_jupyter_lab_is_installed_at_the_pinned_version():
    r = subprocess.run([_jupyter(), "lab", "--version"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == _pinned("jupyterlab")


def _get(url: str, deadline: float, server: subprocess.Popen) -> bytes:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read()
        except (urllib.error.URLError, ConnectionError):
            if server.poll() is not None:
                pytest.fail(f"jupyter lab ended with {server.returncode}: {server.stderr.read()[-2000:]}")
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_jupyter_lab_serves_the_theme_notebooks(tmp_path):
    """`jupyter lab` started in the project (loopback, no browser) serves the lab page, every theme
    notebook with its parameters cell, and the `python3` kernel the notebooks name."""
    port, token = preview.free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    server = subprocess.Popen(
        [
            _jupyter(),
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={config.ROOT}",
            # CI's containers run as root, which Jupyter refuses unless told
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        status = json.loads(_get(f"{base}/api/status?token={token}", deadline, server))
        assert "started" in status
        lab = _get(f"{base}/lab?token={token}", deadline, server).decode()
        assert "JupyterLab" in lab
        specs = json.loads(_get(f"{base}/api/kernelspecs?token={token}", deadline, server))
        notebooks = sorted((config.ROOT / "notebooks").glob("*.ipynb"))
        assert notebooks
        for nb in notebooks:
            url = f"{base}/api/contents/notebooks/{nb.name}?token={token}"
            model = json.loads(_get(url, deadline, server))
            content = model["content"]
            assert model["type"] == "notebook"
            assert content["metadata"]["kernelspec"]["name"] in specs["kernelspecs"], nb.name
            tags = [c.get("metadata", {}).get("tags", []) for c in content["cells"]]
            assert any("parameters" in t for t in tags), f"{nb.name}: no parameters cell"
    finally:
        preview.stop(server)
    if server.returncode not in (0, -15):
        pytest.fail(f"jupyter lab ended with {server.returncode}: {server.stderr.read()[-2000:]}")
