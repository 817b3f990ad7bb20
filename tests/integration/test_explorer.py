"""The data explorer in a real browser: the rendered site served on a loopback port, operated with
the keyboard alone in both languages, its numbers and downloads compared with the estimates store,
every network request recorded, and axe-core run on the page.

Needs the real Quarto (the ``rendered`` fixture: a clean copy built once per session), Playwright
(requirements.txt) and a Chromium (``apt-get install chromium``); skips, saying which, without them.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from helpers.core import config, i18n
from helpers.core.i18n import lower_first, t
from helpers.metadata import codebook

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -r requirements.txt)"
)
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
AXE = config.ROOT / "tests" / "vendor" / "axe-core-4.14.1" / "axe.min.js"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on this machine (apt-get install chromium): "
    "the explorer is not tested in a browser here",
)

# (theme, indicator, breakdown, wave, group, compare): a suppressed group (agriculture, 2024), a
# trend and a change across the 2021 telephone survey; a share by education; a mean by occupation
SELECTIONS = [
    ("mental_health", "who5_index", "sector", "2024", "construction", "2021"),
    ("psychosocial_risks", "bullying", "education", "2015", None, "2010"),
    ("burnout", "exhaustion_score", "occupation", "2024", None, "2015"),
]


def store_rows(rendered: Path, lang: str, name: str = "estimates.csv") -> pd.DataFrame:
    """The store as the site publishes it, every field as text (as a download is compared)."""
    path = rendered / "_site" / lang / "build" / "store" / lang / name
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def expected_changes(changes: pd.DataFrame, indicator, before, wave, breakdown, lang, risk):
    """Rows of the change view: all workers, then the groups ranked by the change in the direction
    of risk (largest rise first), the ones not compared last; and the table's cells."""
    sel = changes[(changes.indicator == indicator) & (changes.wave_before == before) & (changes.wave == wave)]
    total = sel[sel.breakdown == "total"]
    groups = sel[sel.breakdown == breakdown]
    sign = -1 if risk == "low" else 1
    key = groups.change.map(lambda x: float("inf") if x == "" else -sign * float(x))
    rows = pd.concat([total, groups.iloc[key.argsort(kind="stable").to_numpy()]]).reset_index(drop=True)
    word = {k: t(lang, f"explorer.risk_{k}") for k in ("rose", "fell", "different_mode")}
    cells = []
    for r in rows.itertuples():
        what = word.get(r.risk_change) or (t(lang, "explorer.significant") if r.significant == "True" else "")
        f = lambda x: "–" if x == "" else i18n.value(float(x), r.kind, lang)  # noqa: E731
        s = lambda x: i18n.signed(float(x), lang)  # noqa: E731
        cells.append(
            [
                r.group_label,
                f(r.estimate_before),
                f(r.estimate_after),
                "–" if r.change == "" else f"{s(r.change)} ({s(r.ci_low)} – {s(r.ci_high)})",
                f"{i18n.number(int(r.n_before), lang, 0)} / {i18n.number(int(r.n_after), lang, 0)}",
                "; ".join(x for x in (what, r.flag_label) if x),
            ]
        )
    return rows, cells


class Visit:
    """One page in a fresh browser context, with every request, failure and script error recorded."""

    def __init__(self, browser, url: str, width: int = 1280):
        self.context = browser.new_context(accept_downloads=True, viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.failures: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("response", lambda r: r.status >= 400 and self.failures.append(f"{r.status} {r.url}"))
        self.page.on("requestfailed", lambda r: self.failures.append(f"failed {r.url}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_selector("#explorer[data-ready]", timeout=15000)

    def close(self):
        self.context.close()

    def active(self) -> str:
        return self.page.evaluate("document.activeElement ? document.activeElement.id : ''")

    def tab_to(self, element_id: str, limit: int = 250) -> None:
        """Press Tab (from wherever the focus is) until ``element_id`` has it."""
        for _ in range(limit):
            if self.active() == element_id:
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"#{element_id} cannot be reached with the Tab key")

    def choose(self, control: str, value: str) -> None:
        """Select ``value`` in a control with the keyboard: Tab to it, then arrow keys."""
        sid = f"ex-{control}"
        self.tab_to(sid)
        style = self.page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
        )
        assert style[0] != "none" and style[1] >= 2, f"#{sid} shows no focus ring: {style}"
        values = self.page.eval_on_selector(f"#{sid}", "s => [...s.options].map(o => o.value)")
        assert value in values, f"{value} is not offered by #{sid}: {values}"
        for _ in range(len(values)):
            now = values.index(self.page.eval_on_selector(f"#{sid}", "s => s.value"))
            target = values.index(value)
            if now == target:
                return
            self.page.keyboard.press("ArrowDown" if target > now else "ArrowUp")
        raise AssertionError(f"could not select {value} in #{sid} with the arrow keys")

    def select(self, theme, indicator, breakdown, wave, group, compare) -> None:
        self.page.keyboard.press("Home")  # the focus stays where it is; Tab goes on from there
        for control, value in (
            ("theme", theme),
            ("indicator", indicator),
            ("breakdown", breakdown),
            ("wave", wave),
            ("group", group),
            ("compare", compare),
        ):
            if value is not None:
                self.choose(control, value)

    def table(self, node: str) -> list[list[str]]:
        return self.page.eval_on_selector(
            node, "n => [...n.querySelectorAll('tbody tr')].map(r => [...r.children].map(c => c.textContent))"
        )

    def download(self, button: str) -> pd.DataFrame:
        self.tab_to(button)
        with self.page.expect_download() as d:
            self.page.keyboard.press("Enter")
        return pd.read_csv(
            io.StringIO(Path(d.value.path()).read_text(encoding="utf-8")), dtype=str, keep_default_na=False
        )


def fmt(r, lang) -> str:
    return "–" if r.estimate == "" else i18n.value(float(r.estimate), r.kind, lang)


def interval(r, lang) -> str:
    if r.estimate == "":
        return "–"
    return f"{i18n.value(float(r.ci_low), r.kind, lang)} – {i18n.value(float(r.ci_high), r.kind, lang)}"


def expected_summary(rows: pd.DataFrame, total, lang: str) -> str:
    d = config.settings()["disclosure"]
    groups = rows[rows.breakdown != "total"]
    shown = groups[groups.estimate != ""]
    reliable = shown[shown.flag == "ok"].assign(x=lambda f: f.estimate.astype(float))
    values = {
        "indicator": total.indicator_label,
        "breakdown": lower_first(groups.breakdown_label.iloc[0]),
        "wave": total.wave,
        "total": fmt(total, lang),
    }
    if reliable.empty:
        return t(lang, "explorer.summary_unreliable", low_n=d["low_reliability_n"], **values)
    top, bottom = reliable.loc[reliable.x.idxmax()], reliable.loc[reliable.x.idxmin()]
    text = t(
        lang,
        "explorer.summary",
        top=lower_first(top.group_label),
        top_value=fmt(top, lang),
        bottom=lower_first(bottom.group_label),
        bottom_value=fmt(bottom, lang),
        **values,
    )
    flagged = len(shown) - len(reliable)
    return text + (" " + t(lang, "explorer.flagged", count=flagged) if flagged else "")


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_explorer_with_the_keyboard_shows_and_downloads_the_stores_numbers(site, browser, rendered, lang):
    store = store_rows(rendered, lang)
    changes = store_rows(rendered, lang, "changes.csv")
    risks = {i: codebook.load().indicators[i].get("risk") for i in codebook.load().indicators}
    page_url = f"{site}/{lang}/chapters/{lang}/explorer.html"
    v = Visit(browser, page_url)
    seen = {"suppressed": False, "telephone_in_trend": False, "change_across_2021": False}
    try:
        for theme, indicator, breakdown, wave, group, compare in SELECTIONS:
            sel = store[(store.indicator == indicator) & (store.wave == wave)]
            group = group or sel[sel.breakdown == breakdown].group.iloc[0]
            v.select(theme, indicator, breakdown, wave, group, compare)
            rows = sel[sel.breakdown.isin(["total", breakdown])]
            total = rows.iloc[0]
            assert total.breakdown == "total"

            # the table under the chart: every group, the suppressed ones as not shown
            expected = [
                [r.group_label, fmt(r, lang), interval(r, lang), i18n.number(int(r.n), lang, 0), r.flag_label]
                for r in rows.itertuples()
            ]
            assert v.table("#ex-groups-table") == expected
            # the sentence that is the chart's text alternative
            summary = v.page.text_content("#ex-groups-summary")
            assert summary == expected_summary(rows, total, lang)
            assert v.page.get_attribute("#ex-groups-chart svg", "aria-labelledby") == "ex-groups-summary"
            # groups not shown, with the reason
            hidden = rows[rows.flag == "suppressed"]
            text = v.page.text_content("#ex-suppressed")
            if len(hidden):
                seen["suppressed"] = True
                names = ", ".join(
                    t(lang, "explorer.hidden_group", group=r.group_label, n=i18n.number(int(r.n), lang, 0))
                    for r in hidden.itertuples()
                )
                assert text == t(
                    lang, "explorer.suppressed", min_n=config.settings()["disclosure"]["min_n"], groups=names
                )
                # a suppressed group has no mark in the chart
                labels = v.page.eval_on_selector("#ex-groups-chart svg", "s => s.textContent")
                assert all(r.group_label not in labels for r in hidden.itertuples())
            else:
                assert text == ""
            # low reliability visibly marked in the chart (an asterisk by the name, an open dot)
            for r in rows[rows.flag == "low_reliability"].itertuples():
                assert f"{r.group_label} *" in v.page.eval_on_selector(
                    "#ex-groups-chart svg", "s => s.textContent"
                )

            # the download is exactly these rows of the store
            got = v.download("ex-download")
            pd.testing.assert_frame_equal(got, rows.reset_index(drop=True))

            # the trend: the waves of the same series, all workers and the chosen group
            series = total.series
            same = store[
                (store.indicator == indicator)
                & (store.series == series)
                & ((store.breakdown == "total") | ((store.breakdown == breakdown) & (store.group == group)))
            ]
            same = same.assign(w=same.wave.astype(int)).sort_values(
                ["w", "breakdown"], key=lambda c: c if c.name == "w" else c != "total"
            )
            trend = [
                [
                    r.wave,
                    r.group_label,
                    fmt(r, lang),
                    interval(r, lang),
                    i18n.number(int(r.n), lang, 0),
                    "; ".join(
                        x
                        for x in (
                            r.flag_label,
                            t(lang, "explorer.telephone") if r.mode_change == "True" else "",
                        )
                        if x
                    ),
                ]
                for r in same.itertuples()
            ]
            assert v.table("#ex-trend-table") == trend
            if "2021" in set(same.wave) and len(set(same.wave)) > 1:
                seen["telephone_in_trend"] = True
                assert t(lang, "notes.mode_change") in v.page.text_content("#ex-trend-notes")
            got = v.download("ex-download-trend")
            pd.testing.assert_frame_equal(got, same.drop(columns="w").reset_index(drop=True))

            # the change since an earlier comparable wave, ranked; its download is the store's rows
            crows, ccells = expected_changes(
                changes, indicator, compare, wave, breakdown, lang, risks[indicator]
            )
            assert len(crows) > 1
            assert v.table("#ex-change-table") == ccells
            if "True" in set(crows.mode_change):
                seen["change_across_2021"] = True
                assert t(lang, "notes.mode_change") in v.page.text_content("#ex-change-notes")
            got = v.download("ex-download-change")
            pd.testing.assert_frame_equal(got, crows)

            # the address reproduces the selection
            q = {k: vs[0] for k, vs in parse_qs(urlparse(v.page.url).query).items()}
            assert q == {"t": theme, "i": indicator, "b": breakdown, "w": wave, "g": group, "c": compare}
            again = Visit(browser, v.page.url)
            try:
                assert again.table("#ex-groups-table") == expected
                assert again.table("#ex-trend-table") == trend
                assert again.table("#ex-change-table") == ccells
            finally:
                again.close()
        assert seen == {"suppressed": True, "telephone_in_trend": True, "change_across_2021": True}, seen
        assert not v.errors, v.errors
        assert not v.failures, v.failures
        others = [u for u in v.requests if not u.startswith(site + "/") and not u.startswith("blob:")]
        assert not others, f"requests to other hosts: {others}"
        assert any(u.endswith(f"/build/store/{lang}/estimates.csv") for u in v.requests)
    finally:
        v.close()


def _contrast(colour: str) -> float:
    """Contrast of an #rrggbb colour against white (WCAG 2.1)."""

    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (lum + 0.05)


@pytest.mark.parametrize("lang", ["nl", "fr"])
@pytest.mark.parametrize("width", [1280, 390])
def test_explorer_page_is_accessible(site, browser, lang, width):
    """axe-core finds no serious or critical violation; every control has a visible label; the
    marks keep 3:1 against white; nothing scrolls sideways on a phone."""
    v = Visit(
        browser,
        f"{site}/{lang}/chapters/{lang}/explorer.html?t=mental_health&i=who5_index&b=sector&w=2024",
        width=width,
    )
    try:
        for c in ("theme", "indicator", "breakdown", "wave", "group", "compare"):
            box = v.page.locator(f"label[for=ex-{c}]").bounding_box()
            assert box and box["width"] > 0 and box["height"] > 0, f"the label of #ex-{c} is not visible"
            assert v.page.locator(f"label[for=ex-{c}]").text_content() == t(lang, f"explorer.{c}")
        strokes = v.page.eval_on_selector_all(
            "#explorer svg g[data-mark=dot] *, #explorer svg g[data-mark=rule] *, #explorer svg "
            "g[data-mark=line] *",
            "ns => [...new Set(ns.map(n => n.getAttribute('stroke') || "
            "n.parentNode.getAttribute('stroke')))]",
        )
        strokes = [s for s in strokes if s and s.startswith("#")]
        assert strokes and all(_contrast(s) >= 3 for s in strokes), {
            s: round(_contrast(s), 2) for s in strokes
        }
        assert v.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        v.page.add_script_tag(path=str(AXE))
        violations = v.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(x => ({id: x.id, impact: x.impact, targets: x.nodes.slice(0, 5).map(n => n.target.join(' "
            "'))}))"
        )
        bad = [x for x in violations if x["impact"] in ("serious", "critical")]
        assert not bad, bad
    finally:
        v.close()


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_explorer_shows_every_value_of_another_source_with_its_page(site, browser, rendered, lang):
    """The other sources' part: choosing a source and a series shows a chart and a table whose rows
    are that series' published values (from data/reference/), each linked to the page it was read on."""
    from helpers.metadata import sources

    v = Visit(browser, f"{site}/{lang}/chapters/{lang}/explorer.html")
    try:
        v.page.select_option("#src-source", "invalidity_mental_health_riziv")
        v.page.select_option(
            "#src-series", "invalidity_mental_health_riziv|invalidity_persons_depression_or_burnout|total"
        )
        rows = v.page.locator("#src-table tbody tr")
        src = sources.get("invalidity_mental_health_riziv")
        want = src.published.query(
            "measure == 'invalidity_persons_depression_or_burnout' and breakdown == 'total'"
        )
        assert rows.count() == len(want)
        cells = [
            [c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()] for i in range(rows.count())
        ]
        assert [(c[0], c[3]) for c in cells] == [
            (str(r.year), sources.fmt(r.value, r.unit, lang)) for r in want.sort_values("year").itertuples()
        ]
        links = v.page.locator("#src-table tbody a")
        assert {links.nth(i).get_attribute("href") for i in range(links.count())} == {
            src.citation(k)["url"] for k in want["source"]
        }
        assert v.page.locator('#src-chart svg[role="img"][aria-labelledby="src-summary"]').count() == 1
        assert str(len(want)) in v.page.locator("#src-summary").inner_text()
        assert not v.errors and not v.failures
        assert all(u.startswith(site) or u.startswith("data:") for u in v.requests)
    finally:
        v.close()


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_explorers_selection_downloads_like_a_figure(site, browser, rendered, lang, tmp_path):
    """Issue 23: a selection downloads as a figure of the report does: CSV, a spreadsheet (its
    read-me holds the citation, the licence and the selection's address; its rows are the CSV's,
    numbers as numbers), the chart as SVG (citation and licence in its metadata) and as PNG."""
    import xml.etree.ElementTree as ET

    import openpyxl
    from PIL import Image

    from helpers.book import edition

    licence = config.settings()["publication"]["licence"]["title"][lang]
    url = f"{site}/{lang}/chapters/{lang}/explorer.html?t=burnout&i=exhaustion&b=sector&w=2024"
    v = Visit(browser, url)
    try:
        csv = v.download("ex-download")
        files = {}
        for kind in ("xlsx", "svg", "png"):
            v.tab_to(f"ex-download-{kind}")
            with v.page.expect_download() as d:
                v.page.keyboard.press("Enter")
            assert d.value.suggested_filename.endswith(f".{kind}"), d.value.suggested_filename
            files[kind] = tmp_path / d.value.suggested_filename
            d.value.save_as(files[kind])
        book = openpyxl.load_workbook(files["xlsx"])
        readme = " ".join(str(c.value) for c in book.worksheets[0]["A"] if c.value)
        assert edition.citation(lang) in readme and licence in readme and v.page.url in readme
        rows = list(book.worksheets[1].values)
        assert list(rows[0]) == list(csv.columns) and len(rows) == len(csv) + 1
        at = list(csv.columns).index("estimate")
        assert [r[at] for r in rows[1:]] == [float(x) if x else None for x in csv.estimate]
        dc = "{http://purl.org/dc/elements/1.1/}"
        svg = ET.parse(files["svg"]).getroot()
        assert edition.citation(lang) in svg.find(f".//{dc}source").text
        assert (
            licence in svg.find(f".//{dc}rights").text
            and svg.find(".//{http://www.w3.org/2000/svg}g") is not None
        )
        png = Image.open(files["png"])
        png.load()
        chart = v.page.eval_on_selector("#ex-groups-chart svg", "s => s.getBoundingClientRect().width")
        assert png.size[0] == 2 * round(chart)
        assert edition.citation(lang)[:40] in v.page.text_content("#ex-groups-title ~ .explorer-cite")
        assert not v.errors, v.errors
        others = [
            u for u in v.requests if not u.startswith(site + "/") and not u.startswith(("blob:", "data:"))
        ]
        assert not others, f"requests to other hosts: {others}"
    finally:
        v.close()


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_country_view_ranks_the_member_states_with_the_stores_numbers(site, browser, rendered, lang):
    """Issue 24: an indicator and a wave chosen with the keyboard, the country view lists the EU27,
    then every member state of the store's europe.csv from the highest value, with interval and
    respondents; its sentence says what europe-belgium.csv says of Belgium (position, rank); Belgium
    and the EU27 over the comparable waves, Belgium's difference beside it; the CSV downloads are the
    store's rows; the address holds the selection and opens the same view; axe-core finds no serious
    violation in it, at 1280 and 390 px."""
    europe = store_rows(rendered, lang, "europe.csv")
    versus = store_rows(rendered, lang, "europe-belgium.csv")
    v = Visit(browser, f"{site}/{lang}/chapters/{lang}/explorer.html")
    try:
        # the member states' file is read only when the reader comes near the country view
        v.page.wait_for_timeout(500)
        assert not any(u.endswith("/europe.csv") for u in v.requests)
        v.page.locator("#ex-europe").scroll_into_view_if_needed()
        v.page.wait_for_selector("#explorer[data-europe]", timeout=15000)
        v.select("psychosocial_risks", "bullying", None, "2015", None, None)
        rows = europe[
            (europe.indicator == "bullying") & (europe.wave == "2015") & (europe.breakdown == "total")
        ]
        states = rows[rows.country != "EU27"]
        key = states.estimate.map(lambda x: float("inf") if x == "" else -float(x))
        states = states.iloc[key.argsort(kind="stable").to_numpy()]
        ordered = pd.concat([rows[rows.country == "EU27"], states])
        assert len(states) == 27 and ordered.country.iloc[0] == "EU27"
        assert v.table("#ex-europe-table") == [
            [r.country_label, fmt(r, lang), interval(r, lang), i18n.number(int(r.n), lang, 0), r.flag_label]
            for r in ordered.itertuples()
        ]
        be = versus[
            (versus.indicator == "bullying") & (versus.wave == "2015") & (versus.breakdown == "total")
        ].iloc[0]
        summary = v.page.text_content("#ex-europe-summary")
        assert t(lang, f"explorer.europe_position.{be.position}") in summary
        assert f" {int(float(be['rank']))}" in summary and f" {int(float(be.ranked))} " in summary
        assert v.page.get_attribute("#ex-europe-chart svg", "aria-labelledby") == "ex-europe-summary"
        got = v.download("ex-download-europe")
        assert list(got.columns) == list(europe.columns)
        assert got.reset_index(drop=True).equals(ordered.reset_index(drop=True))
        # Belgium and the EU27 in every comparable wave, the difference on Belgium's row
        trend = v.table("#ex-europe-trend-table")
        waves = sorted({r[0] for r in trend})
        assert len(trend) == 2 * len(waves) and "2015" in waves
        for r in trend:
            row = europe[
                (europe.indicator == "bullying")
                & (europe.wave == r[0])
                & (europe.breakdown == "total")
                & (europe.country_label == r[1])
            ].iloc[0]
            assert r[2] == fmt(row, lang)
            if row.country == "BE":
                d = versus[
                    (versus.indicator == "bullying") & (versus.wave == r[0]) & (versus.breakdown == "total")
                ].iloc[0]
                assert r[5].startswith(i18n.signed(float(d.difference), lang))
                assert t(lang, f"explorer.europe_position.{d.position}") in r[5]
        # the address opens the same selection
        query = parse_qs(urlparse(v.page.url).query)
        assert query["i"] == ["bullying"] and query["w"] == ["2015"]
        address = v.page.url
        assert not v.errors, v.errors
    finally:
        v.close()
    for width in (1280, 390):
        again = Visit(browser, address + "#ex-europe", width=width)
        try:
            again.page.wait_for_selector("#explorer[data-europe]", timeout=15000)
            assert again.table("#ex-europe-table")[0][0] == ordered.country_label.iloc[0]
            assert again.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            again.page.add_script_tag(path=str(AXE))
            violations = again.page.evaluate(
                "async () => (await axe.run('#ex-europe, #ex-europe-trend', {resultTypes: ['violations']}))"
                ".violations.map(x => ({id: x.id, impact: x.impact}))"
            )
            assert not [x for x in violations if x["impact"] in ("serious", "critical")], violations
        finally:
            again.close()
