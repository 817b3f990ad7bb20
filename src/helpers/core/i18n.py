"""Translation catalogues (data/i18n/<lang>.yaml) and number formatting per language."""

from __future__ import annotations

import functools
import math
import unicodedata

from helpers.core import config
from helpers.core.errors import PipelineError


def languages() -> list[str]:
    return list(config.settings()["languages"])


def check_lang(lang: str) -> str:
    if lang not in languages():
        raise PipelineError(f"unknown language {lang!r}", expected="one of " + ", ".join(languages()))
    return lang


@functools.cache
def catalogue(lang: str) -> dict:
    check_lang(lang)
    return config.load_yaml(config.DATA / "i18n" / f"{lang}.yaml")


def t(lang: str, key: str, **values) -> str:
    """The text at dotted ``key`` in the language's catalogue, with ``{placeholders}`` filled."""
    node = catalogue(lang)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise PipelineError(f"no text for {key!r}", file=config.DATA / "i18n" / f"{lang}.yaml")
        node = node[part]
    text = str(node)
    try:
        return text.format(**values) if values else text
    except KeyError as exc:
        raise PipelineError(
            f"text {key!r} needs a value for {exc}", file=config.DATA / "i18n" / f"{lang}.yaml"
        ) from None


def number(x: float, lang: str, decimals: int = 1) -> str:
    """A number as the language writes it: 1.234,5 (nl), 1 234,5 (fr)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    fmt = catalogue(lang)["number"]
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", fmt["decimal"]).replace("\0", fmt["thousands"])


def percent(x: float, lang: str, decimals: int = 0) -> str:
    """A percentage: 12% (nl), 12 % with a no-break space (fr)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = catalogue(lang)["number"]["percent"].format(x=number(x, lang, decimals))
    return text.replace(" %", "\u00a0%")


def signed(x: float, lang: str, decimals: int = 1) -> str:
    """A change with its sign: +3,2 / −1,5 (a true minus sign) / 0,0."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = number(abs(x), lang, decimals)
    if text == number(0, lang, decimals):
        return text
    return ("+" if x > 0 else "\u2212") + text


def value(x: float, kind: str, lang: str) -> str:
    """An estimate as printed: a percentage for shares, a score with one decimal for means."""
    return percent(x, lang) if kind == "share" else number(x, lang, 1)


def interval(low: str, high: str) -> str:
    """An interval as printed: "34% – 39%", with no-break spaces so it never wraps at the dash."""
    return f"{low}\u00a0–\u00a0{high}"


def join(items: list[str], lang: str) -> str:
    """A list in running text: "sekse, leeftijd en gewest" / "sexe, âge et région"."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {catalogue(lang)['book']['and']} " + items[-1]


def long_date(day, lang: str) -> str:
    """A date as the language writes it in running text: 23 november 2026 / 23 novembre 2026."""
    months = catalogue(lang)["book"]["months"]
    return f"{day.day} {months[day.month - 1]} {day.year}"


def fold(text: str) -> str:
    """``text`` without its letters' accents (télétravail -> teletravail)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def alphabetical(text: str) -> str:
    """A key that sorts names as a dictionary of the language does: accents and case aside
    ("Égypte" beside "Espagne", "België" before "Bulgarije")."""
    return fold(text).casefold()


def lower_first(text: str) -> str:
    """'Stress' -> 'stress' for use inside a sentence; acronyms ('WHO-5-index') and names whose
    other words are capitalised too ('Vlaams Gewest', 'Région de Bruxelles-Capitale') stay as
    they are ('Indice OMS-5' -> 'indice OMS-5')."""
    if len(text) > 1 and text[1].isupper():
        return text
    if any(w[:1].isupper() and any(c.islower() for c in w) for w in text.split()[1:]):
        return text  # a name ('Vlaams Gewest'); a later acronym ('Indice OMS-5') is not one
    return text[:1].lower() + text[1:]


def pipe_table(rows: list[dict], align: str, widths: list[int] | None = None) -> str:
    """A Markdown pipe table of cells already written in the report's language (``align``: one
    "l" or "r" per column). Cells stay text: tabulate would read the Dutch "1.830" (1,830
    respondents) as the number 1.83 and print that. ``widths`` (percentages) sets the columns'
    share of the page: Pandoc reads them from the dashes under the header of a table with long
    cells (otherwise from the longest cell, which starves the short columns in the PDF)."""
    if not rows:
        return ""
    import pandas as pd

    text = pd.DataFrame(rows).to_markdown(
        index=False, disable_numparse=True, colalign=tuple({"l": "left", "r": "right"}[a] for a in align)
    )
    if widths:
        lines = text.split("\n")
        lines[1] = (
            "|"
            + "|".join((":" + "-" * w if a == "l" else "-" * w + ":") for a, w in zip(align, widths))
            + "|"
        )
        text = "\n".join(lines)
    return text + "\n"
