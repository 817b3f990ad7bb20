"""Where an edition comes from: its data version, code version and date, printed alike in the PDF's
colophon and in every web page's footer (``build/quarto/provenance.json``, written by ``prepare``).

* data version: the first 12 hex digits of a SHA-256 over the raw inputs (each survey file's name
  and SHA-256, as the notebooks recorded them, and each reference table under data/reference/);
  the colophon lists every file with its full SHA-256;
* code version: the version of the pipeline that made the numbers and figures (its Python code,
  notebooks, codebook, catalogues, settings, pinned requirements): the git commit (``+modified``
  when tracked files of the pipeline differ from it), or, outside a git checkout (an unpacked
  archive), ``tree-`` and a SHA-256 over those files. The prose and the page layout (chapters/,
  assets/, the Quarto profiles) are not part of it: editing a French chapter changes the French
  edition only, and a build re-renders that language alone (helpers.render);
* date: the edition's build date (helpers.config.build_date), never the clock's.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from helpers.core import config, layout, workdir
from helpers.metadata import sources

DATA_DIGITS = 12
# what the code version covers: the pipeline, not the prose
CODE_PARTS = (
    "src",
    "notebooks",
    "requirements.txt",
    "pyproject.toml",
    "data/codebook",
    "data/i18n",
    "data/settings.yaml",
)


def inputs(samples: dict) -> list[dict]:
    """The raw inputs: each survey wave's file (from the notebooks' sample facts) and each
    reference table and its metadata (data/reference/<source>/), with its SHA-256."""
    out = [
        {"kind": "survey", "wave": int(w), "file": Path(s["source"]).name, "sha256": s["source_sha256"]}
        for w, s in sorted(samples.items())
    ]
    for path in sources.files():
        out.append(
            {
                "kind": "reference",
                "wave": None,
                "file": path.relative_to(config.DATA).as_posix(),
                "sha256": workdir.sha256(path),
            }
        )
    return out


def data_version(files: list[dict]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f"{f['file']}\t{f['sha256']}\n".encode())
    return h.hexdigest()[:DATA_DIGITS]


def code_version(root: Path | None = None) -> str:
    root = Path(root or config.ROOT)
    git = shutil.which("git")
    if git and (root / ".git").exists():
        head = subprocess.run(
            [git, "rev-parse", "--short=10", "HEAD"], cwd=root, capture_output=True, text=True
        )
        if head.returncode == 0:
            dirty = subprocess.run(
                [git, "status", "--porcelain", "--untracked-files=no", "--", *CODE_PARTS],
                cwd=root,
                capture_output=True,
                text=True,
            ).stdout.strip()
            return head.stdout.strip() + ("+modified" if dirty else "")
    h = hashlib.sha256()
    for part in CODE_PARTS:
        base = root / part
        files = (
            sorted(p for p in base.rglob("*") if p.is_file())
            if base.is_dir()
            else [base]
            if base.exists()
            else []
        )
        for f in files:
            if "__pycache__" in f.parts:
                continue
            h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return "tree-" + h.hexdigest()[:10]


def provenance(samples: dict) -> dict:
    files = inputs(samples)
    return {
        "edition": int(config.settings()["publication"]["edition"]),
        "data_version": data_version(files),
        "code_version": code_version(),
        "date": config.build_date().date().isoformat(),
        "inputs": files,
        "synthetic": any(s["synthetic"] for s in samples.values()),
    }


def read(build_dir: Path) -> dict:
    return json.loads(layout.provenance_path(build_dir).read_text(encoding="utf-8"))
