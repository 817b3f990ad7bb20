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
        assert "\u00a0–\u00a0" in card or spec.get("hardest"), card  # with its interval
        image = re.search(r"\[!\[\]\(([^)]+\.png)\)\{fig-alt=\"([^\"]+)\"\}\]\(([^)]+)\)", card)
        assert image, card
        assert (prepared / "store" / lang / "figures" / image.group(1).split("/")[-1]).exists()
        assert image.group(3).endswith(f".html#{spec['figure']}")
        assert f"@{spec['section']}" in card
        if not spec.get("hardest"):
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
