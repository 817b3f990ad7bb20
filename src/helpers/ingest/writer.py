"""The ingest stage: data/raw/*.sav -> data/processed/<wave>.parquet (+ quality table and manifest).

All waves are read, validated and harmonised into a staging folder first; only when every wave
succeeded are the processed files replaced (os.replace, atomic per file, the manifest last). A
failure leaves the previous processed files as they were. The manifest holds the SHA-256 of the
files it was written with, so a crash between two replacements, like any other change of the
files, shows as a mismatch and the wave is ingested again. Raw files are only read.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from pathlib import Path

from helpers.core import config, layout, processes, stages, workdir
from helpers.core.errors import PipelineError
from helpers.ingest import processed, surveyfile
from helpers.ingest.harmonise import harmonise, harmonise_countries
from helpers.ingest.processed import MANIFEST_VERSION, read_manifest
from helpers.metadata import codebook as codebook_mod


def code_fingerprint() -> str:
    """Hash of the codebook and of the code that turns raw files into processed data: the ingest
    stage and every stage it may import (helpers.core.stages)."""
    return workdir.hash_files(
        [*config.CODEBOOK_DIR.glob("*.yaml"), *stages.code_files("ingest")], name=workdir.project_name
    )


def is_current(wave: int, raw: Path, out_dir: Path, fingerprint: str) -> bool:
    """The wave's processed files are those ingest wrote from this raw file with this code: the
    manifest says so, and the files are the bytes it describes (processed.problem)."""
    m = read_manifest(out_dir, wave)
    return bool(
        m
        and m.get("code") == fingerprint
        and m.get("source_sha256") == workdir.sha256(raw)
        and processed.problem(out_dir, wave) is None
    )


def _plan(files: dict, cb, raw_dir: Path, out_dir: Path, fingerprint: str, force: bool, log):
    """Which waves to ingest: the manifest of each wave that is current, and the waves to write."""
    results: dict[int, dict] = {}
    todo = []
    for wave, raw in files.items():
        if raw is None:
            log(f"wave {wave}: no file in {raw_dir} matching {' or '.join(cb.waves[wave]['files'])}; skipped")
        elif not force and is_current(wave, raw, out_dir, fingerprint):
            results[wave] = read_manifest(out_dir, wave)
            log(f"wave {wave}: up to date ({raw.name})")
        else:
            found = processed.problem(out_dir, wave) if read_manifest(out_dir, wave) else None
            if found is not None and not force:
                log(f"wave {wave}: {found[0]} {found[1]}: ingested again")
            todo.append(wave)
    return results, todo


def _stage_wave(
    wave: int, *, files: dict, staging: Path, out_dir: Path, code: str
) -> tuple[dict, list[tuple[Path, Path]], list[str], str]:
    """Read, check and harmonise one wave's file into ``staging``: its manifest, the (staged, final)
    paths of its files, the reader's notices and the line that sums it up."""
    cb = codebook_mod.load()
    raw = files[wave]
    sf = surveyfile.read(raw, wave, cb)
    respondents, quality = harmonise(sf.data, wave, cb)
    countries = harmonise_countries(sf.everyone, wave, cb)
    manifest = {
        "version": MANIFEST_VERSION,
        "wave": wave,
        "source": raw.name,
        "source_sha256": workdir.sha256(raw),
        "synthetic": sf.synthetic,
        "file_label": sf.file_label,
        "rows_in_file": sf.rows_total,
        "rows_belgium": len(respondents),
        "rows_by_country": {
            str(k): int(v) for k, v in countries["country"].value_counts().sort_index().items()
        },
        "code": code,
    }
    target = layout.processed(out_dir, wave)
    tmp = layout.processed(staging, wave)
    with workdir.naming(target["data"]):
        respondents.to_parquet(tmp["data"], index=False)
    with workdir.naming(target["countries"]):
        countries.to_parquet(tmp["countries"], index=False)
    with workdir.naming(target["quality"]):
        quality.to_csv(tmp["quality"], index=False, lineterminator="\n")
    # the manifest vouches for the bytes written: a reader checks them (processed.problem)
    for key in processed.CHECKED:
        manifest[f"{key}_sha256"] = workdir.sha256(tmp[key])
    with workdir.naming(target["manifest"]):
        tmp["manifest"].write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    worst = quality.sort_values("nonresponse_pct", ascending=False).iloc[0]
    summary = (
        f"wave {wave}: {raw.name}{' (synthetic)' if sf.synthetic else ''}: "
        f"{len(respondents)} Belgian rows of {sf.rows_total} in {countries['country'].nunique()} "
        "countries; highest item non-response "
        f"{worst['nonresponse_pct']:.1f}% ({worst['name']})"
    )
    pairs = [(tmp[k], target[k]) for k in ("data", "countries", "quality", "manifest")]
    return manifest, pairs, list(sf.notices), summary


def ingest(
    waves=None, *, raw_dir: Path | None = None, out_dir: Path | None = None, force: bool = True, log=print
) -> dict[int, dict]:
    """Ingest the given waves (default all). Returns the manifest of each wave written or current.

    With ``force=False`` a wave whose raw file and codebook/code are unchanged is left alone. A wave
    asked for by name must have its file. Without names, a wave without a file is skipped with a
    notice, and if its file is gone its processed data is removed with the others' update, so no
    report shows a wave whose source is gone. Nothing is written when everything is current.
    """
    cb = codebook_mod.load()
    raw_dir = Path(raw_dir or config.RAW_DIR)
    out_dir = Path(out_dir or config.PROCESSED_DIR)
    named = waves is not None
    waves = [cb.check_wave(w) for w in (waves or cb.wave_names())]
    surveyfile.refuse_unreadable(raw_dir, cb)
    files = {w: surveyfile.locate(w, cb, raw_dir) for w in waves}
    absent = [w for w in waves if files[w] is None]
    if named and absent:
        w = absent[0]
        raise PipelineError(
            f"no file for wave {w} (names tried: {', '.join(cb.waves[w]['files'])}); "
            f"{surveyfile.describe(raw_dir)}",
            file=raw_dir,
            wave=w,
            expected="the wave's .sav file, or `python -m helpers synth` for the synthetic default",
        )
    if len(absent) == len(waves):
        raise PipelineError(
            f"holds no survey file ({surveyfile.describe(raw_dir)})",
            file=raw_dir,
            expected="the licensed .sav files named as in data/codebook/waves.yaml, "
            "or run `python -m helpers synth` for the synthetic default",
        )
    fingerprint = code_fingerprint()
    with workdir.exclusive(out_dir, log):
        results, todo = _plan(files, cb, raw_dir, out_dir, fingerprint, force, log)
        gone = [w for w in absent if any(p.exists() for p in layout.processed(out_dir, w).values())]
        if not todo and not gone:
            return results
        staging = workdir.staging(out_dir)
        try:
            # the waves side by side (helpers.core.processes), each into the staging folder
            one = functools.partial(
                _stage_wave, files=files, staging=staging, out_dir=out_dir, code=fingerprint
            )
            staged: list[tuple[Path, Path]] = []
            for wave, (manifest, pairs, notices, summary) in zip(todo, processes.map_forked(one, todo)):
                for notice in notices:
                    log(notice)
                staged += pairs
                results[wave] = manifest
                log(summary)
            for src, dst in staged:  # every wave succeeded: publish them together
                os.replace(src, dst)
            for wave in gone:  # the manifest first: without it the wave counts as not ingested
                for path in (
                    layout.processed(out_dir, wave)[k] for k in ("manifest", "data", "countries", "quality")
                ):
                    path.unlink(missing_ok=True)
                log(f"wave {wave}: its raw file is gone from {raw_dir}; its processed data was removed")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return results
