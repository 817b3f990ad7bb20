"""The home page's headline findings (``build/quarto/<lang>/findings.qmd``): the answers first.

Each finding of ``report.findings`` in data/settings.yaml is one sentence written from the store
(helpers.book.store), with its number and interval, the change since the last comparable wave as
the store's test says (helpers.book.prose.change) and the group a title may name as highest
(helpers.estimate.findings: only where it differs significantly from all workers); the COVID
finding names the first groups of the chapter's ranked figure; the European finding says on which
of its indicators Belgium is significantly higher or lower than the EU27 (helpers.estimate.europe).
On the web each is a card with the chapter's figure (its PNG download, which reads at 390 px), a
link to its section and to the explorer's view of it; the PDF prints the sentences with their section numbers.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from helpers.book import downloads, prose
from helpers.book.store import Store
from helpers.core import config, i18n, layout
from helpers.core.i18n import lower_first, t
from helpers.estimate import europe
from helpers.estimate import findings as findings_rule
from helpers.metadata import codebook as codebook_mod


def _attr(text: str) -> str:
    """Text for a Markdown attribute value in double quotes (a straight quote would end it)."""
    return text.replace("\\", "\\\\").replace('"', "\u201d")


def _group_sentence(store: Store, spec: dict, wave: int) -> str | None:
    cb, lang = codebook_mod.load(), store.lang
    ind, breakdown = spec["indicator"], spec["breakdown"]
    now = store.total(ind, wave)
    if now is None or pd.isna(now.estimate):
        return None
    kind = cb.indicators[ind]["type"]
    fmt = lambda x: i18n.value(x, kind, lang)  # noqa: E731
    prev = store.previous(ind, wave)
    text = t(
        lang,
        "book.home.level",
        indicator=cb.label(lang, ind, short=True, wave=wave),
        value=fmt(now.estimate),
        ci=i18n.interval(fmt(now.ci_low), fmt(now.ci_high)),
        wave=wave,
    )
    if prev is not None:
        text += t(lang, "book.home.change", change=prose.change(store, now, prev), before=int(prev.wave))
    text += "."
    groups = store.table[
        (store.table.indicator == ind) & (store.table.wave == wave) & (store.table.breakdown == breakdown)
    ]
    top = findings_rule.highest(groups, now)
    if top is None:
        text += " " + t(lang, "book.home.no_group", breakdown=cb.label(lang, breakdown=breakdown).lower())
    else:
        text += " " + t(
            lang,
            "book.home.top",
            group=lower_first(top.group_label),
            value=fmt(top.estimate),
            ci=i18n.interval(fmt(top.ci_low), fmt(top.ci_high)),
        )
    return text


def _europe_sentence(store: Store, spec: dict, wave: int) -> str | None:
    """Belgium against the EU27 on the finding's indicators: where it is significantly higher,
    lower, or not different (helpers.book.prose.europe_row)."""
    cb, lang = codebook_mod.load(), store.lang
    by: dict[str, list[str]] = {}
    for ind in spec["indicators"]:
        r = prose.europe_row(store, ind, wave)
        if r is None:
            continue
        fmt = lambda x: i18n.value(x, r.kind, lang)  # noqa: E731
        sign = lambda x: i18n.signed(x, lang)  # noqa: E731
        # a difference the finding states comes with its interval
        significant = r.position in (europe.HIGHER, europe.LOWER)
        by.setdefault(r.position, []).append(
            t(
                lang,
                "book.europe.item_difference" if significant else "book.europe.item",
                indicator=lower_first(cb.label(lang, ind, short=True, wave=wave)),
                value=fmt(r.estimate),
                eu27=fmt(r.estimate_eu27),
                difference=sign(r.difference),
                unit=t(lang, f"units_change_short.{r.kind}"),
                ci=i18n.interval(sign(r.ci_low), sign(r.ci_high)),
            )
        )
    if not by:
        return None
    parts = [
        t(lang, f"book.europe.part_{p}", items=i18n.join(by[p], lang))
        for p in (europe.HIGHER, europe.LOWER, europe.NOT_DIFFERENT)
        if p in by
    ]
    count = sum(len(v) for v in by.values())
    return t(lang, "book.europe.intro", wave=wave, count=count) + " " + "; ".join(parts) + "."


def _hardest_sentence(lang: str, wave: int, hardest: dict[str, str]) -> str | None:
    if f"w{wave}" not in hardest:
        return None
    base = config.settings()["report"]["change"]["base_wave"]
    return t(lang, "book.home.hardest", before=base, wave=wave, groups=hardest[f"w{wave}"])


def findings(
    store: Store, wave: int, captions: dict[str, str], pages: dict[str, str], hardest: dict[str, str]
) -> str:
    """The findings block of the home page of the store's language (Markdown for Quarto);
    ``hardest`` is the COVID chapter's named groups per wave (helpers.book.prose.hardest)."""
    lang = store.lang
    cards, items = [], []
    image_base = Path(os.path.relpath(downloads.folder(layout.project_build(), lang), config.ROOT))
    for spec in config.settings()["report"]["findings"]:
        figure, section = spec["figure"], spec["section"]
        if spec.get("hardest"):
            sentence = _hardest_sentence(lang, wave, hardest)
            explore = None
        elif spec.get("indicators"):  # Belgium in Europe: the explorer's country view of the first
            sentence = _europe_sentence(store, spec, wave)
            explore = f"chapters/{lang}/explorer.html?i={spec['indicators'][0]}&w={wave}#ex-europe"
        else:
            sentence = _group_sentence(store, spec, wave)
            explore = f"chapters/{lang}/explorer.html?i={spec['indicator']}&b={spec['breakdown']}&w={wave}"
        if sentence is None:
            continue
        title = t(lang, f"book.home.titles.{spec['key']}")
        items.append(f"- **{title}.** {sentence} (@{section})\n")
        caption = captions.get(figure, figure)
        image = (image_base / f"{figure}-{wave}.png").as_posix()
        page = pages.get(figure, "")
        links = [t(lang, "book.home.read", section=f"@{section}")]
        if explore:
            links.append(f"[{t(lang, 'book.home.explore')}]({explore})")
        cards.append(
            "::::: {.finding}\n"
            f"### {title} {{.unnumbered .unlisted}}\n\n{sentence}\n\n"
            # an empty caption keeps it an image (no figure, no number); its alt text is the caption
            f'[![]({image}){{fig-alt="{_attr(caption)}"}}]({page}#{figure})\n\n'
            + " · ".join(links)
            + "\n:::::\n"
        )
    # no ids of their own: index.qmd holds both languages' blocks, and Pandoc sees both before the
    # profile keeps one (an id in each would be a duplicate); the heading's text makes the id
    heading = t(lang, "book.home.heading")
    return (
        f"## {heading}\n\n"
        '::: {.content-visible when-format="html"}\n:::: {.findings}\n'
        + "\n".join(cards)
        + '::::\n:::\n\n::: {.content-visible unless-format="html"}\n'
        + "".join(items)
        + f":::\n\n## {t(lang, 'book.home.about')}\n"
    )
