"""The grid's cache keys: a job is skipped when nothing it depends on changed.

What every job depends on (:func:`shared_fingerprint`): the code the notebooks run and the code
that finalises them, found from the package's layout (the ``notebook`` and ``grid`` stages and
every stage they may import, ``helpers.core.stages``: a new module is covered the moment it
exists), the codebook, catalogues, the analysis settings (all of data/settings.yaml but what only
the book reads, ``config.BOOK_SETTINGS``), reference tables, pinned requirements and the processed
data. A job adds its notebook (its content, and like make its modification time, so
``touch`` forces a re-run) and its parameters. The book's side (``book``, ``publish``, ``cli``,
``pipeline``) is not part of it: editing the post-render step re-executes no notebook.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from helpers.core import config, stages, workdir
from helpers.grid.jobs import Job, Paths
from helpers.metadata import sources

# the stages whose code decides what an executed notebook holds
NOTEBOOK_STAGES = ("notebook", "grid")


def code_files() -> list[Path]:
    """The Python files an executed notebook depends on."""
    return stages.code_files(*NOTEBOOK_STAGES)


def shared_fingerprint(paths: Paths) -> str:
    """What every job depends on: code, configuration, data, pinned requirements."""
    conf = [
        *config.CODEBOOK_DIR.glob("*.yaml"),
        *(config.DATA / "i18n").glob("*.yaml"),
        *sources.files(),
        config.ROOT / "requirements.txt",
    ]
    data = [
        *paths.processed.glob("*.parquet"),
        *paths.processed.glob("*.json"),
        *paths.processed.glob("*.csv"),
    ]
    parts = [
        workdir.hash_files(code_files(), name=workdir.project_name),
        workdir.hash_files(conf, name=workdir.project_name),
        config.analysis_settings_digest(),
        workdir.hash_files(data),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _relative(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(config.ROOT))
    except ValueError:
        return str(p.resolve())


def parameters(job: Job, paths: Paths) -> dict:
    """The parameters papermill gives a job's notebook (paths relative to the project root)."""
    return {
        "wave": job.wave,
        "lang": job.lang,
        "processed_dir": _relative(paths.processed),
        "tables_dir": _relative(paths.tables(job)),
        "estimates_dir": _relative(paths.estimates),
    }


def job_key(job: Job, paths: Paths, shared: str) -> str:
    nb = paths.notebook(job)
    h = hashlib.sha256()
    h.update(shared.encode())
    h.update(nb.read_bytes())
    h.update(str(nb.stat().st_mtime_ns).encode())
    h.update(json.dumps(parameters(job, paths), sort_keys=True).encode())
    return h.hexdigest()


def is_current(job: Job, paths: Paths, key: str) -> bool:
    try:
        stamp = json.loads(paths.stamp(job).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    return stamp.get("key") == key and paths.executed(job).exists() and paths.tables(job).is_dir()
