"""Rendering the book: ``quarto render`` for every language profile (``python -m helpers build``)."""

from __future__ import annotations

import os
import shutil
import subprocess

from helpers import config
from helpers.errors import PipelineError


def render(quarto: str, langs) -> None:
    """``quarto render`` every language profile; the previous _site is restored if any render fails."""
    site = config.ROOT / "_site"
    backup = config.ROOT / ".site-previous"
    shutil.rmtree(backup, ignore_errors=True)
    if site.exists():
        os.replace(site, backup)
    # Typst (the PDF) and the post-render step date their output by SOURCE_DATE_EPOCH: the edition's
    # date, so two renders of the same inputs are identical
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(config.build_date().timestamp()))}
    try:
        for lang in langs:
            r = subprocess.run([quarto, "render", "--profile", lang], cwd=config.ROOT, env=env)
            if r.returncode != 0:
                raise PipelineError(f"`quarto render --profile {lang}` failed (exit {r.returncode}); "
                                    "the previous site was kept", file=config.ROOT / f"_quarto-{lang}.yml")
    except BaseException:
        shutil.rmtree(site, ignore_errors=True)
        if backup.exists():
            os.replace(backup, site)
        raise
    shutil.rmtree(backup, ignore_errors=True)
