"""Where things are, and the project's configuration files (YAML under data/)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import yaml

from helpers.errors import PipelineError


def _find_root() -> Path:
    env = os.environ.get("EWCS_REPORT_ROOT")
    if env:
        return Path(env).resolve()
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for p in (start, *start.parents):
            if (p / "data" / "codebook").is_dir() and (p / "src" / "helpers").is_dir():
                return p
    raise PipelineError("cannot find the project root (a folder with data/codebook and src/helpers);"
                        " run from the repository or set EWCS_REPORT_ROOT")


ROOT = _find_root()
DATA = ROOT / "data"
CODEBOOK_DIR = DATA / "codebook"
# The tests point these at temporary folders (the notebooks' kernels inherit the environment).
RAW_DIR = Path(os.environ.get("EWCS_RAW_DIR") or DATA / "raw")
PROCESSED_DIR = Path(os.environ.get("EWCS_PROCESSED_DIR") or DATA / "processed")
BUILD_DIR = Path(os.environ.get("EWCS_BUILD_DIR") or ROOT / "build")
NOTEBOOKS_DIR = ROOT / "notebooks"


def load_yaml(path: Path):
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise PipelineError("configuration file is missing", file=path) from None
    except yaml.YAMLError as exc:
        raise PipelineError(f"not valid YAML ({exc})".replace("\n", " "), file=path) from None


@functools.lru_cache(maxsize=None)
def settings() -> dict:
    return load_yaml(DATA / "settings.yaml")
