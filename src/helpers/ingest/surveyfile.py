"""Reading and validating survey files (.sav) against the codebook.

Every problem stops with one ``PipelineError`` naming the file, the wave, the variable and what
was expected. Files are only ever opened for reading.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from helpers.core.errors import PipelineError
from helpers.core.schema import BELGIUM
from helpers.metadata.codebook import Codebook

SAV_EXPECTED = "an SPSS system file (.sav) as delivered by the UK Data Service"


@dataclass
class SurveyFile:
    wave: int
    path: Path
    data: pd.DataFrame  # Belgian rows, the codebook's variables only
    rows_total: int
    # every row, Belgium's included, the codebook's variables and `country` (ISO code, countries.yaml)
    everyone: pd.DataFrame
    synthetic: bool
    file_label: str
    notices: list[str] = field(default_factory=list)  # what ingest read otherwise than named


def locate(wave: int, codebook: Codebook, raw_dir: Path) -> Path | None:
    """The file of ``wave`` in ``raw_dir``: the first pattern of waves.yaml that matches.

    Something named like a wave's file that is not a readable file (a folder, a link to nothing,
    a file this user may not read) stops with a message naming it, never counts as "no file"."""
    for pattern in codebook.waves[wave]["files"]:
        hits = _matching(raw_dir, pattern)
        for p in hits:
            if not p.is_file():
                what = "a folder" if p.is_dir() else "not a regular file (a link to nothing?)"
                raise PipelineError(
                    f"is named like the wave's survey file but is {what}",
                    file=p,
                    wave=wave,
                    expected=SAV_EXPECTED,
                )
            try:
                with open(p, "rb"):
                    pass
            except OSError as exc:
                raise PipelineError(
                    f"cannot be read ({exc.strerror})",
                    file=p,
                    wave=wave,
                    expected="a file the user running the pipeline may read",
                ) from None
        if len(hits) > 1:
            raise PipelineError(
                f"several files match {pattern!r}: " + ", ".join(p.name for p in hits),
                file=raw_dir,
                wave=wave,
                expected="exactly one file per wave",
            )
        if hits:
            return hits[0]
    return None


# SPSS system files, plain or compressed (.zsav): pyreadstat reads both
SPSS_SUFFIXES = (".sav", ".zsav")
# other files that hold survey data but are not read: a copy in another format must be saved as
# .sav, never silently skipped (data/raw/ would then count as empty and get the synthetic default)
OTHER_FORMATS = {
    ".dta": "a Stata file",
    ".por": "an SPSS portable file",
    ".csv": "a CSV file",
    ".tsv": "a tab-separated file",
    ".xlsx": "an Excel workbook",
}


def _matching(raw_dir: Path, pattern: str) -> list[Path]:
    """Entries of ``raw_dir`` whose name matches ``pattern`` whatever its case (Windows tools and
    downloads leave ``EWCS6_2015_UKDA_1904.SAV``), a ``.sav`` pattern also matching the compressed
    ``.zsav``; links to nothing included (which ``Path.glob`` leaves out, so a broken link would
    pass for a missing file)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        return []
    pattern = pattern.casefold()
    patterns = [pattern]
    if pattern.endswith(".sav"):
        patterns.append(pattern[: -len(".sav")] + ".zsav")
    return sorted(
        p for p in raw_dir.iterdir() if any(fnmatch.fnmatchcase(p.name.casefold(), x) for x in patterns)
    )


def _named_like_a_wave(path: Path, codebook: Codebook) -> bool:
    stem = path.name.casefold()[: -len(path.suffix)]
    return any(
        fnmatch.fnmatchcase(stem, pattern.casefold().rsplit(".", 1)[0])
        for w in codebook.wave_names()
        for pattern in codebook.waves[w]["files"]
    )


def refuse_unreadable(raw_dir: Path, codebook: Codebook) -> None:
    """Stop, naming the file, when ``raw_dir`` holds survey data that ingest would not read: an SPSS
    file that no wave's file names match, any Stata or SPSS portable file, or a CSV, TSV or Excel
    file named like a wave's file. Such a file is real data in the wrong name or format; skipping
    it would report on other data (or, in a folder with nothing else, on the synthetic default)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        return
    known = {
        p
        for w in codebook.wave_names()
        for pattern in codebook.waves[w]["files"]
        for p in _matching(raw_dir, pattern)
    }
    for p in sorted(raw_dir.iterdir()):
        suffix = p.suffix.casefold()
        if suffix in SPSS_SUFFIXES and p not in known:
            raise PipelineError(
                "is an SPSS file that matches no wave's file name, so it would not be read",
                file=p,
                expected="a name of `files` in data/codebook/waves.yaml (e.g. ewcs6_2015_ukda_1904.sav), "
                "or add this file's name there",
            )
        if suffix in (".dta", ".por") or (suffix in OTHER_FORMATS and _named_like_a_wave(p, codebook)):
            raise PipelineError(
                f"is {OTHER_FORMATS[suffix]}, which ingest does not read",
                file=p,
                expected="the wave's SPSS system file (.sav or .zsav) as delivered by the UK Data Service; "
                "save this one as .sav, or move it out of the folder",
            )


def describe(raw_dir: Path) -> str:
    """What a folder holds, for a message: its SPSS files, or that it is empty or absent."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        return "the folder does not exist"
    savs = sorted(p.name for p in raw_dir.iterdir() if p.suffix.casefold() in SPSS_SUFFIXES)
    return ("it holds " + ", ".join(savs)) if savs else "it holds no .sav file"


def _metadata(path: Path, wave: int):
    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError, or OSError
        raise PipelineError(
            f"cannot be read as SPSS data ({exc})", file=path, wave=wave, expected=SAV_EXPECTED
        ) from None
    return meta


def belgium_code(
    meta, wave: int, codebook: Codebook, path: Path, spelling: dict[str, str] | None = None
) -> float:
    spec = codebook.waves[wave]["country"]
    var, wanted = spec["var"], spec["label"].strip().casefold()
    labels = (meta.variable_value_labels or {}).get((spelling or {}).get(var, var)) or {}
    codes = [code for code, text in labels.items() if str(text).strip().casefold() == wanted]
    if len(codes) != 1:
        raise PipelineError(
            f"no single value label {spec['label']!r} on the country variable ({len(labels)} labels found)",
            file=path,
            wave=wave,
            variable=var,
            expected=f"one code labelled {spec['label']!r}",
        )
    return float(codes[0])


def read(path: Path, wave: int, codebook: Codebook) -> SurveyFile:
    """Read the codebook's variables of one wave, keep Belgium, validate codes and weights."""
    path = Path(path)
    meta = _metadata(path, wave)
    needed = codebook.variables(wave)
    id_var = codebook.waves[wave]["id"]["var"]
    spelling, notices = _spelling(list(needed) + [id_var], meta.column_names, path, wave)
    absent = [v for v in [*needed, id_var] if v not in spelling]
    if absent:
        design = set(codebook.design(wave).values()) & set(absent)
        raise PipelineError(
            "missing from the file",
            file=path,
            wave=wave,
            variable=", ".join(absent),
            expected="the variables named in data/codebook for this wave"
            + (
                " (the sample design's strata and PSU variables: name the file's own in `design` of "
                "data/codebook/waves.yaml, or remove `design` for this wave)"
                if design
                else ""
            ),
        )
    be = belgium_code(meta, wave, codebook, path, spelling)
    try:
        df, _ = pyreadstat.read_sav(
            str(path), usecols=list(dict.fromkeys(spelling.values())), user_missing=True
        )
    except Exception as exc:
        raise PipelineError(
            f"cannot be read as SPSS data ({exc})", file=path, wave=wave, expected=SAV_EXPECTED
        ) from None
    # the codebook's spelling from here on (SPSS names are case-insensitive)
    df = pd.DataFrame({var: df[spelling[var]] for var in dict.fromkeys([*needed, id_var])})
    country = codebook.waves[wave]["country"]["var"]
    for var in needed:
        if not pd.api.types.is_numeric_dtype(df[var]):
            raise PipelineError(
                f"is stored as text ({df[var].dtype})",
                file=path,
                wave=wave,
                variable=var,
                expected="a numeric variable",
            )
    rows_total = len(df)
    everyone = df.assign(
        country=_country_codes(df[country], meta, wave, codebook, path, spelling.get(country, country))
    )
    df = df.loc[df[country] == be].reset_index(drop=True)
    if df.empty:
        raise PipelineError(
            f"has no Belgian rows (code {be:g}) among {rows_total} rows",
            file=path,
            wave=wave,
            variable=country,
            expected="respondents from Belgium",
        )
    _check_ids(df[id_var], wave, path, spelling[id_var])
    _check_weights(df, wave, codebook, path)
    _check_design(df, wave, codebook, path)
    others = everyone.loc[everyone["country"] != BELGIUM]
    for code, rows in others.groupby("country", sort=True):
        _check_weights(rows, wave, codebook, path, f"{code} rows")
        _check_design(rows, wave, codebook, path, f"{code} rows")
    for var, scale_name in needed.items():  # every country's answers, Belgium's included
        if scale_name:
            _check_codes(everyone[var], codebook, wave, scale_name, path, var)
    label = (meta.file_label or "").strip()
    return SurveyFile(
        wave=wave,
        path=path,
        data=df,
        rows_total=rows_total,
        everyone=everyone.reset_index(drop=True),
        synthetic="SYNTHETIC" in label.upper(),
        file_label=label,
        notices=notices,
    )


def _country_codes(values: pd.Series, meta, wave: int, codebook: Codebook, path: Path, var: str) -> pd.Series:
    """Each row's country as its ISO code, read from the file's own value labels of the country
    variable (numeric codes differ from wave to wave): a code without a label, or a label that is
    no country of data/codebook/countries.yaml, stops with one line."""
    labels = (meta.variable_value_labels or {}).get(var) or {}
    iso = {float(code): codebook.country_of_label(text) for code, text in labels.items()}
    present = {float(x) for x in values.dropna().unique()}
    unknown = sorted({str(labels[c]) for c, v in iso.items() if v is None and c in present})
    unlabelled = sorted(x for x in present if x not in iso)
    if unknown or unlabelled or values.isna().any():
        what = (
            f"labels {unknown} name no country of data/codebook/countries.yaml"
            if unknown
            else f"codes {[f'{x:g}' for x in unlabelled[:5]]} have no value label"
            if unlabelled
            else f"{int(values.isna().sum())} rows have no country"
        )
        raise PipelineError(
            what,
            file=path,
            wave=wave,
            variable=var,
            expected="every row's country coded and labelled, each label a spelling in countries.yaml",
        )
    return values.astype(float).map(iso)


def _check_weights(
    df: pd.DataFrame, wave: int, codebook: Codebook, path: Path, rows: str = "Belgian rows"
) -> None:
    weights = {**codebook.waves[wave]["weights"], "cross_national": codebook.cross_national_weight(wave)}
    for kind, var in weights.items():
        w = df[var]
        if kind in ("core", "cross_national"):
            bad = w.isna() | ~(w > 0)
        else:  # a module weight is missing for respondents outside the module, positive otherwise
            bad = w.notna() & ~(w > 0)
        if bad.any():
            examples = ", ".join(sorted({f"{x:g}" for x in w[bad].dropna().head(50)})[:5]) or "missing"
            raise PipelineError(
                f"{int(bad.sum())} {rows} have a missing or non-positive weight ({examples})",
                file=path,
                wave=wave,
                variable=var,
                expected="a positive weight for every respondent",
            )


def _spelling(
    wanted: list[str], columns: list[str], path: Path, wave: int
) -> tuple[dict[str, str], list[str]]:
    """The file's own name of each variable the codebook names, matched as SPSS does, whatever
    the case (``COUNTRY`` for ``Country``), and a notice for each name spelt otherwise. A name that
    the file holds twice in different cases is an error: which one the codebook means is unknown."""
    by_fold: dict[str, list[str]] = {}
    for c in columns:
        by_fold.setdefault(c.casefold(), []).append(c)
    spelling, notices = {}, []
    for var in dict.fromkeys(wanted):
        hits = by_fold.get(var.casefold(), [])
        if len(hits) > 1:
            raise PipelineError(
                f"is in the file more than once, in different cases ({', '.join(hits)})",
                file=path,
                wave=wave,
                variable=var,
                expected="one variable per name: SPSS names are case-insensitive",
            )
        if hits:
            spelling[var] = hits[0]
            if hits[0] != var:
                notices.append(f"notice: {path.name} spells {var} as {hits[0]} (wave {wave}); read as {var}")
    return spelling, notices


def _check_ids(ids: pd.Series, wave: int, path: Path, var: str) -> None:
    """Every Belgian respondent once: a respondent counted twice would weigh twice in every estimate."""
    dup = ids[ids.duplicated(keep=False)]
    if ids.isna().any() or not dup.empty:
        examples = ", ".join(
            f"{x:g}" if isinstance(x, float) else str(x) for x in dup.drop_duplicates().head(5)
        )
        raise PipelineError(
            f"{int(ids.isna().sum())} Belgian rows have no respondent id and {len(dup)} rows share "
            f"{dup.nunique()} ids" + (f" (e.g. {examples})" if examples else ""),
            file=path,
            wave=wave,
            variable=var,
            expected="one row per respondent, each with its own respondent id "
            "(`id` in data/codebook/waves.yaml)",
        )


def _check_design(
    df: pd.DataFrame, wave: int, codebook: Codebook, path: Path, rows: str = "Belgian rows"
) -> None:
    """Every Belgian respondent has a stratum and a PSU code (whole numbers) where the codebook names
    them: a design with holes would put respondents in no PSU."""
    for var in codebook.design(wave).values():
        v = df[var]
        bad = v.isna() | (v != v.round())
        if bad.any():
            raise PipelineError(
                f"{int(bad.sum())} {rows} have no usable sample-design code",
                file=path,
                wave=wave,
                variable=var,
                expected="a whole-number stratum or PSU code for every respondent",
            )


def _check_codes(
    values: pd.Series, codebook: Codebook, wave: int, scale_name: str, path: Path, var: str
) -> None:
    scale = codebook.scale(scale_name)
    missing = codebook.missing_codes(wave, scale)
    v = values.dropna()
    if scale.is_numeric:
        lo, hi = scale.numeric
        ok = v.between(lo, hi) | v.isin(list(missing))
        expected = f"a value from {lo:g} to {hi:g}"
    else:
        ok = v.isin(list(scale.valid) + list(missing))
        expected = "one of the codes " + ", ".join(f"{c:g}" for c in scale.valid)
    if missing:
        expected += " or a missing code " + ", ".join(f"{c:g}" for c in missing)
    if not ok.all():
        bad = v[~ok]
        counts = bad.value_counts().sort_index()
        found = ", ".join(f"{code:g} ({n} rows)" for code, n in counts.head(5).items())
        raise PipelineError(
            f"has codes outside the codebook: {found}",
            file=path,
            wave=wave,
            variable=var,
            expected=expected + f" (scale {scale_name})",
        )


def value_kind(values: pd.Series, codebook: Codebook, wave: int, scale_name: str) -> pd.Series:
    """Per value: 'valid', 'nonresponse' (DK/refusal/not applicable codes) or 'not_asked' (blank)."""
    missing = list(codebook.missing_codes(wave, scale_name))
    kind = np.where(values.isna(), "not_asked", np.where(values.isin(missing), "nonresponse", "valid"))
    return pd.Series(kind, index=values.index)
