"""The home page's headline findings (helpers.book.home, issue 22): the answers first."""

from __future__ import annotations

import re

import pytest

from helpers.book import downloads, home, inputs, prose
from helpers.book.store import Store
from helpers.core import config, i18n, layout

pytestmark = pytest.mark.slow


def _findings(prepared, lang, store=None):
    store = store or Store(prepared, lang)
    wave = config.edition_wave()
    caps: dict[str, str] = {}
    for theme in ("psychosocial_risks", "mental_health", "burnout", "covid_impact", "exposures"):
        caps.update(downloads.captions(prepared, lang, theme, wave))
    hit = config.settings()["report"]["change"]["figure"]
    hardest = prose.hardest(layout.figure_csv(prepared, wave, lang, hit["theme"], hit["label"]), lang)
    return home.findings(store, wave, caps, inputs._pages(lang), hardest)


@pytest.mark.parametrize("lang", i18n.languages())
def test_each_finding_has_its_number_interval_figure_and_links(prepared, lang):
    text = _findings(prepared, lang)
    web = text.split('unless-format="html"')[0]
    cards = web.split("::::: {.finding}")[1:]
    assert 5 <= len(cards) <= 8
    wanted = config.settings()["report"]["findings"]
    assert len(cards) == len(wanted)
    for card, spec in zip(cards, wanted):
        # a number: a share, or for the ranked changes a change in points
        assert re.search(r"\+\d+,\d" if spec.get("hardest") else r"\d+(,\d)?\s?%", card), card
        # with its interval (the European finding: each difference it states, tested below)
        assert "\u00a0–\u00a0" in card or spec.get("hardest") or spec.get("indicators"), card
        image = re.search(r"\[!\[\]\(([^)]+\.png)\)\{fig-alt=\"([^\"]+)\"\}\]\(([^)]+)\)", card)
        assert image, card
        assert (prepared / "store" / lang / "figures" / image.group(1).split("/")[-1]).exists()
        assert image.group(3).endswith(f".html#{spec['figure']}")
        assert f"@{spec['section']}" in card
        if spec.get("indicators"):  # the explorer's country view
            assert f"explorer.html?i={spec['indicators'][0]}&w=" in card and "#ex-europe" in card
        elif not spec.get("hardest"):
            assert f"explorer.html?i={spec['indicator']}&b={spec['breakdown']}&w=" in card
    # the PDF: the same sentences, each with its section
    pdf = text.split('unless-format="html"')[1]
    assert len(re.findall(r"^- \*\*", pdf, re.M)) == len(wanted)


def test_a_group_is_named_only_where_it_lies_significantly_above_all_workers(prepared):
    """The finding's sentence names the highest sector only where the rule of
    helpers.estimate.findings supports it: made so on a copy of the store, then made not so."""
    store = Store(prepared, "nl")
    t, wave = store.table, config.edition_wave()
    rows = (t.indicator == "exhaustion") & (t.wave == wave) & (t.breakdown == "sector") & (t.flag == "ok")
    total = store.total("exhaustion", wave)
    care = t[rows].index[0]
    label = t.loc[care, "group_label"]
    t.loc[rows, ["estimate", "se"]] = [float(total.estimate), 3.0]
    t.loc[care, ["estimate", "ci_low", "ci_high", "se"]] = [
        total.estimate + 20,
        total.estimate + 14,
        total.estimate + 26,
        3.0,
    ]
    text = _findings(prepared, "nl", store)
    burnout = text.split("### Burn-out")[1].split(":::::")[0]
    assert f"Het hoogst bij {i18n.lower_first(label)}" in burnout
    t.loc[care, ["estimate", "se"]] = [total.estimate + 4, 3.0]  # within the noise of 9 sectors
    text = _findings(prepared, "nl", store)
    burnout = text.split("### Burn-out")[1].split(":::::")[0]
    assert "Het hoogst" not in burnout and "Geen enkele groep naar sector" in burnout


@pytest.mark.parametrize("lang", i18n.languages())
def test_the_european_finding_says_what_the_stores_test_says(prepared, lang):
    """Issue 24: the finding on Belgium in Europe names as higher or lower only the indicators the
    store's comparison marks so (significant after Benjamini-Hochberg, reliable), each with its
    difference's interval; the others as not significantly different."""
    from helpers.core.i18n import lower_first, t
    from helpers.metadata import codebook

    cb, store, wave = codebook.load(), Store(prepared, lang), config.edition_wave()
    spec = next(s for s in config.settings()["report"]["findings"] if s.get("indicators"))
    card = next(c for c in _findings(prepared, lang).split("::::: {.finding}") if f"#{spec['figure']}" in c)
    be = store.europe_belgium
    rows = be[(be.wave == wave) & (be.breakdown == "total") & be.indicator.isin(spec["indicators"])]
    assert len(rows) == len(spec["indicators"])
    stated = rows[rows.position.isin(["higher", "lower"])]
    assert len(stated), "the synthetic story makes Belgium differ from the EU27 on some of these"
    sentence = card.split("\n\n")[1]
    starts = {}  # where each part of the sentence begins
    for p in ("higher", "lower", "not_different"):
        phrase = t(lang, f"book.europe.part_{p}", items="").strip()
        if phrase in sentence:
            starts[p] = sentence.index(phrase)
    ends = {p: min([x for x in starts.values() if x > at] or [len(sentence)]) for p, at in starts.items()}
    for r in rows.itertuples():
        label = lower_first(cb.label(lang, r.indicator, short=True, wave=wave))
        # the indicator is listed in the part of its position
        assert label in sentence[starts[r.position] : ends[r.position]], (label, r.position, sentence)
        sign = lambda x: i18n.signed(x, lang)  # noqa: E731
        interval = i18n.interval(sign(r.ci_low), sign(r.ci_high))
        assert (interval in sentence) == (r.position in ("higher", "lower")), (label, interval)
