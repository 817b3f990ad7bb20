"""The checks of ``data/settings.yaml`` against what the project knows (its waves, indicators,
breakdowns and languages): a key of the wrong type, out of range or naming something unknown
stops every command in one line naming the key, before anything reads it.

``helpers.metadata.codebook.load`` runs :func:`check` with the codebook's names, so every stage
that reads settings has them checked; ``SOURCE_DATE_EPOCH`` is checked with them
(:func:`check_environment`): it dates every generated file, and a bad value used to surface only
as a kernel that did not start.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable

from helpers.core import config
from helpers.core.errors import PipelineError

MULTIPLE_COMPARISONS = ("benjamini-hochberg",)


def _fail(key: str, value, expected: str) -> None:
    raise PipelineError(
        f"{key}: {value!r} is not valid", file=config.DATA / "settings.yaml", expected=expected
    )


def _get(settings: dict, key: str):
    node = settings
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise PipelineError(
                f"{key} is missing", file=config.DATA / "settings.yaml", expected=f"a value for {key}"
            )
        node = node[part]
    return node


def _number(settings: dict, key: str, ok: Callable[[float], bool], expected: str, whole: bool = False):
    value = _get(settings, key)
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not ok(value):
        _fail(key, value, expected)
    return value


def _names(settings: dict, key: str, known: Iterable, what: str) -> list:
    value = _get(settings, key)
    known = list(known)
    if not isinstance(value, list):
        _fail(key, value, f"a list of {what}")
    for item in value:
        if item not in known:
            _fail(key, item, f"{what}: one of " + ", ".join(map(str, known)))
    return value


def check(
    settings: dict, *, waves: Iterable[int], indicators: Iterable[str], breakdowns: Iterable[str]
) -> None:
    """Stop at the first key of ``settings`` that is not what the project can use."""
    waves = list(waves)
    if not isinstance(settings, dict):
        _fail("settings", settings, "a mapping of settings")
    _check_disclosure(settings)
    _number(settings, "confidence_level", lambda x: 0 < x < 1, "a level between 0 and 1, such as 0.95")
    if _get(settings, "multiple_comparisons") not in MULTIPLE_COMPARISONS:
        _fail("multiple_comparisons", settings["multiple_comparisons"], " or ".join(MULTIPLE_COMPARISONS))
    _check_design_factors(settings, waves)
    _number(
        settings, "publish.decimals", lambda x: 0 <= x <= 6, "a whole number of decimals, 0 to 6", whole=True
    )
    _check_languages(settings)
    _check_report(settings, waves, list(indicators), list(breakdowns))


def _check_disclosure(settings: dict) -> None:
    for key in ("min_n", "min_n_eff", "low_reliability_n", "low_reliability_n_eff", "min_df"):
        _number(settings, f"disclosure.{key}", lambda x: x >= 0, "a whole number, 0 or more", whole=True)
    for key in ("max_width", "min_width"):
        _number(settings, f"disclosure.{key}", lambda x: 0 <= x <= 100, "percentage points, 0 to 100")
    for key in ("max_relative_width", "max_rse"):
        _number(settings, f"disclosure.{key}", lambda x: x > 0, "a positive number (1.3 = 130 %)")
    d = settings["disclosure"]
    if d["low_reliability_n"] < d["min_n"] or d["low_reliability_n_eff"] < d["min_n_eff"]:
        _fail("disclosure", d, "low_reliability_n (_eff) at least min_n (_eff)")


def _check_design_factors(settings: dict, waves: list[int]) -> None:
    factors = (settings.get("variance") or {}).get("design_factor") or {}
    if not isinstance(factors, dict):
        _fail("variance.design_factor", factors, "a mapping of wave to design factor, such as {2021: 1.3}")
    for wave, factor in factors.items():
        if wave not in waves:
            _fail("variance.design_factor", wave, "survey waves: one of " + ", ".join(map(str, waves)))
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor <= 0:
            _fail(f"variance.design_factor.{wave}", factor, "a positive number, such as 1.3")


def _check_languages(settings: dict) -> None:
    langs = _get(settings, "languages")
    if not isinstance(langs, list) or not langs:
        _fail("languages", langs, "a list of language codes, such as [nl, fr]")
    for lang in langs:
        if not (config.DATA / "i18n" / f"{lang}.yaml").is_file():
            _fail("languages", lang, f"a language with a catalogue data/i18n/{lang}.yaml")


def _check_report(settings: dict, waves: list[int], indicators: list[str], breakdowns: list[str]) -> None:
    report = _get(settings, "report")
    if report.get("wave") not in waves:
        _fail(
            "report.wave",
            report.get("wave"),
            "the edition's survey wave: one of " + ", ".join(map(str, waves)),
        )
    date = report.get("date")
    if not isinstance(date, dt.date):
        try:
            dt.date.fromisoformat(str(date))
        except ValueError:
            _fail("report.date", date, "a date such as 2026-12-01")
    _names(settings, "report.prose_breakdowns", breakdowns, "breakdowns of data/codebook/breakdowns.yaml")
    _names(settings, "report.key_indicators", indicators, "indicators of data/codebook/indicators.yaml")
    base = _get(settings, "report.change.base_wave")
    if base not in waves or base >= report["wave"]:
        _fail("report.change.base_wave", base, f"a survey wave before report.wave ({report['wave']})")
    _names(settings, "report.change.indicators", indicators, "indicators of data/codebook/indicators.yaml")
    _number(settings, "report.change.hardest_hit", lambda x: x > 0, "a positive whole number", whole=True)
    during = _get(settings, "report.change.during_wave")
    if during not in waves or not base < during < report["wave"]:
        _fail(
            "report.change.during_wave",
            during,
            "a survey wave between report.change.base_wave and report.wave",
        )
    _check_exposure_diseases(report, indicators)
    _names(settings, "report.europe.breakdowns", breakdowns, "breakdowns of data/codebook/breakdowns.yaml")
    _number(
        settings,
        "publication.edition",
        lambda x: 1900 < x < 3000,
        "the edition's year, such as 2026",
        whole=True,
    )
    url = (settings.get("publication") or {}).get("site_url")
    if url is not None and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
        _fail("publication.site_url", url, "an address such as https://example.be/report/, or null")
    _check_licence(settings)
    contact = (settings.get("publication") or {}).get("contact")
    if not isinstance(contact, dict) or any(
        v is not None and not (isinstance(v, str) and "@" in v) for v in contact.values()
    ):
        _fail(
            "publication.contact", contact, "an e-mail address per language ({nl: …, fr: …}), or null values"
        )


def _check_licence(settings: dict) -> None:
    """The open data's licence: an SPDX identifier, its address and its name in every language."""
    lic = _get(settings, "publication.licence")
    expected = "{id: CC-BY-4.0, url: https://creativecommons.org/licenses/by/4.0/, title: {nl: …, fr: …}}"
    if not isinstance(lic, dict) or not isinstance(lic.get("id"), str) or not lic["id"]:
        _fail("publication.licence", lic, expected)
    if not str(lic.get("url", "")).startswith(("https://", "http://")):
        _fail("publication.licence.url", lic.get("url"), "the licence's address, such as " + expected)
    titles = lic.get("title") or {}
    for lang in settings.get("languages") or []:
        if not isinstance(titles, dict) or not titles.get(lang):
            _fail("publication.licence.title", titles, f"the licence's name in {lang}")


def _check_exposure_diseases(report: dict, indicators: list[str]) -> None:
    """The occupational-risks chapter's pairs of an exposure and another source's row (the row
    itself is looked up when the table is written: helpers.book.tables)."""
    keys = {"indicator", "source", "measure", "breakdown", "group", "year"}
    pairs = report.get("exposure_diseases") or []
    if not isinstance(pairs, list):
        _fail("report.exposure_diseases", pairs, "a list of {" + ", ".join(sorted(keys)) + "}")
    for i, pair in enumerate(pairs):
        if not isinstance(pair, dict) or set(pair) != keys:
            _fail(f"report.exposure_diseases[{i}]", pair, "the keys " + ", ".join(sorted(keys)))
        if pair["indicator"] not in indicators:
            _fail(
                f"report.exposure_diseases[{i}].indicator",
                pair["indicator"],
                "an indicator of data/codebook/indicators.yaml",
            )


def check_environment() -> None:
    """``SOURCE_DATE_EPOCH``, when set, is whole seconds since 1970 (config.build_date reads it)."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is not None and not value.strip().isdigit():
        raise PipelineError(
            f"the environment variable SOURCE_DATE_EPOCH={value!r} is not a time",
            expected="whole seconds since 1970-01-01 UTC, such as 1764547200 (or leave it unset)",
        )
