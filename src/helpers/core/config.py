"""Where things are, and the project's configuration files (YAML under data/)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
from pathlib import Path

import yaml

from helpers.core.errors import PipelineError


def _find_root() -> Path:
    env = os.environ.get("EWCS_REPORT_ROOT")
    if env:
        return Path(env).resolve()
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for p in (start, *start.parents):
            if (p / "data" / "codebook").is_dir() and (p / "src" / "helpers").is_dir():
                return p
    raise PipelineError(
        "cannot find the project root (a folder with data/codebook and src/helpers);"
        " run from the repository or set EWCS_REPORT_ROOT"
    )


ROOT = _find_root()
DATA = ROOT / "data"
CODEBOOK_DIR = DATA / "codebook"
# The tests point these at temporary folders (the notebooks' kernels inherit the environment).
RAW_DIR = Path(os.environ.get("EWCS_RAW_DIR") or DATA / "raw")
PROCESSED_DIR = Path(os.environ.get("EWCS_PROCESSED_DIR") or DATA / "processed")
BUILD_DIR = Path(os.environ.get("EWCS_BUILD_DIR") or ROOT / "build")
NOTEBOOKS_DIR = ROOT / "notebooks"


# PyYAML's safe loader in C (libyaml) where PyYAML was built with it: the same values, several times
# faster (the codebook and catalogues are read by every process of the build)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path):
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=SAFE_LOADER)
    except FileNotFoundError:
        raise PipelineError("configuration file is missing", file=path) from None
    except yaml.YAMLError as exc:
        raise PipelineError(f"not valid YAML ({exc})".replace("\n", " "), file=path) from None


@functools.cache
def settings() -> dict:
    return load_yaml(DATA / "settings.yaml")


# The parts of data/settings.yaml that only the book reads: the publication's particulars (cover,
# colophon, footer), the accessibility statement and the date every generated file carries. The
# notebooks and the estimates never read them (tests/unit/grid/test_keys.py holds their code to
# it), so their cache keys leave them out: filling in the legal deposit number, or dating the next
# edition, re-executes no notebook and recomputes no estimate.
BOOK_SETTINGS = (("publication",), ("accessibility",), ("report", "date"))


def analysis_settings_digest() -> str:
    """SHA-256 of what the notebooks and estimates read of data/settings.yaml: its values (an edited
    comment changes nothing) but those of :data:`BOOK_SETTINGS`."""
    values = json.loads(json.dumps(settings(), default=str))  # a deep copy, dates as text
    for *parents, key in BOOK_SETTINGS:
        section = values
        for name in parents:
            section = section.get(name) if isinstance(section, dict) else None
        if isinstance(section, dict):
            section.pop(key, None)
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def edition_wave() -> int:
    """The survey wave the edition reports on (``report.wave``): the one place that reads it."""
    value = settings()["report"].get("wave")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PipelineError(
            f"report.wave {value!r} is not a survey wave",
            file=DATA / "settings.yaml",
            expected="the year of a wave in data/codebook/waves.yaml, such as 2024",
        ) from None


def source_notebooks() -> list[str]:
    """Notebooks of chapters made of other published sources only (``report.source_notebooks``):
    run once per language, for the edition's wave."""
    return list(settings()["report"].get("source_notebooks") or [])


def build_date() -> dt.datetime:
    """The date every generated file carries: ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds
    convention), else the edition's ``report.date`` in data/settings.yaml. Never the clock's, so two
    builds from the same inputs are byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise PipelineError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a time", expected="whole seconds since 1970-01-01 UTC"
            ) from None
    value = settings()["report"].get("date")
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        raise PipelineError(
            f"report.date {value!r} is not a date",
            file=DATA / "settings.yaml",
            expected="a date such as 2026-12-01",
        ) from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
