"""The grid's jobs (a theme notebook for one wave and language) and where each one's files are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from helpers.core import layout


@dataclass(frozen=True)
class Job:
    theme: str
    wave: int
    lang: str

    def name(self) -> str:
        return f"{self.theme} · {self.wave} · {self.lang}"


@dataclass(frozen=True)
class Paths:
    """The folders one run of the grid reads and writes (``helpers.core.layout`` for the files in them)."""

    notebooks: Path
    build: Path
    processed: Path

    def notebook(self, job: Job) -> Path:
        return self.notebooks / f"{job.theme}.ipynb"

    def executed(self, job: Job) -> Path:
        return layout.executed(self.build, job.wave, job.lang, job.theme)

    def stamp(self, job: Job) -> Path:
        return layout.executed_stamp(self.build, job.wave, job.lang, job.theme)

    def tables(self, job: Job) -> Path:
        return layout.tables(self.build, job.wave, job.lang, job.theme)

    @property
    def estimates(self) -> Path:
        return layout.estimates(self.build)
