"""The codebook checks itself: a mistake in the YAML stops with a message naming the file."""

from __future__ import annotations

import shutil

import pytest

from helpers.core.config import CODEBOOK_DIR
from helpers.core.errors import PipelineError
from helpers.metadata.codebook import Codebook


@pytest.fixture
def book(tmp_path):
    d = tmp_path / "codebook"
    shutil.copytree(CODEBOOK_DIR, d)
    return d


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_codebook_is_consistent(cb):
    assert cb.themes == ["psychosocial_risks", "mental_health", "covid_impact", "burnout", "exposures"]
    for theme in cb.themes:
        assert cb.theme_indicators(theme)
    for name, ind in cb.indicators.items():
        assert ind["label"]["nl"] != ind["label"]["fr"], name


def test_every_wave_has_every_breakdown(cb):
    for b in cb.breakdowns.values():
        assert sorted(b["waves"]) == cb.wave_names()


@pytest.mark.parametrize(
    "file,old,new,words",
    [
        (
            "indicators.yaml",
            "{var: Q49a, scale: timeshare7,",
            "{var: Q49a, scale: timeshare9,",
            ["unknown scale 'timeshare9'", "Q49a"],
        ),
        (
            "indicators.yaml",
            "{var: Q49a, scale: timeshare7, positive: [1, 2, 3]",
            "{var: Q49a, scale: timeshare7, positive: [1, 2, 13]",
            ["codes [13]"],
        ),
        (
            "indicators.yaml",
            "{var: q77a, scale: agree5_reversed,",
            "{var: q77a, scale: yes_no,",
            ["codes [4, 5]"],
        ),
        (
            "breakdowns.yaml",
            "map: {1: men, 2: women}, evidence: V}\n      2021",
            "map: {1: men, 2: woman}, evidence: V}\n      2021",
            ["unknown categories ['woman']"],
        ),
        (
            "scales.yaml",
            "    missing_width: 2\n  nace_broad_2021",
            "    missing_width: 1\n  nace_broad_2021",
            ["scale nace_sections", "also valid codes"],
        ),
        (
            "indicators.yaml",
            "    theme: burnout\n    type: share",
            "    theme: burn-out\n    type: share",
            ["unknown theme 'burn-out'"],
        ),
        (
            "countries.yaml",
            "  MT: {labels: [Malta]",
            "  MT: {labels: [Malte]",
            ["country label(s) ['Malta']", "in no country's labels"],
        ),
        (
            "waves.yaml",
            "    20: Malta\n    21: Netherlands",
            "    21: Netherlands",
            ["the EU27's ['MT'] are not in its country labels"],
        ),
    ],
)
def test_mistakes_are_caught(book, file, old, new, words):
    edit(book / file, old, new)
    with pytest.raises(PipelineError) as err:
        Codebook(book)
    assert str(book / file) in str(err.value) or file in str(err.value)
    for w in words:
        assert w in str(err.value)


def test_yaml_syntax_error_names_the_file(book):
    (book / "waves.yaml").write_text("waves: [unclosed\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="waves.yaml: not valid YAML"):
        Codebook(book)


# ---------------------------------------------------------------------- comparability of series
def test_waves_of_one_series_count_the_same_answers(cb):
    """Items whose answer scale or wording differs between two waves never share a series."""
    for name, ind in cb.indicators.items():
        if "derive" in ind:
            continue
        by_series: dict[str, list[int]] = {}
        for w in cb.indicator_waves(name):
            by_series.setdefault(cb.series(name, w), []).append(w)
        for series, waves in by_series.items():
            plain = [w for w in waves if "bridge" not in cb.indicator_spec(name, w)]
            assert len({cb.answers(name, w) for w in plain}) <= 1, (name, series, plain)
            own_words = [w for w in waves if "label" in cb.indicator_spec(name, w)]
            assert not own_words or len(waves) == 1, (name, series, waves)


@pytest.mark.parametrize(
    "indicator",
    [
        "worry_about_work",
        "telework",
        "family_concentration",
        "high_speed",
        "tight_deadlines",
        "emotionally_disturbing",
    ],
)
def test_2021_never_first_items_stand_apart_from_2015_and_2024(cb, indicator):
    """2021 asked these on a "never ... always" scale (often/always counted), the others did not."""
    assert cb.scale(cb.indicator_spec(indicator, 2021)["scale"]).valid[1] == "Never"
    others = [w for w in cb.indicator_waves(indicator) if w != 2021]
    assert all(cb.series(indicator, w) != cb.series(indicator, 2021) for w in others)
    # and the 2021 figure says what it counts, in both languages
    for lang in ("nl", "fr"):
        assert cb.label(lang, indicator, wave=2021) != cb.label(lang, indicator, wave=2024)


def test_trend_of_worry_skips_2021(cb):
    import pandas as pd

    from helpers.estimate import weighted as estimate

    rows = pd.DataFrame(
        {
            "wave": [2015, 2021, 2024],
            "indicator": "worry_about_work",
            "group_var": "total",
            "group": "total",
            "estimate": [11.9, 15.6, 13.3],
            "ci_low": 0.0,
            "ci_high": 20.0,
            "n": 500,
            "flag": "ok",
        }
    )
    assert estimate.trend(rows, "worry_about_work", 2024, cb).wave.tolist() == [2015, 2024]


def test_telework_label_says_what_2024_counts(cb):
    spec = cb.indicator_spec("telework", 2024)
    counted = [cb.scale(spec["scale"]).valid[c] for c in spec["positive"]]
    assert counted == ["Always", "Most of the time"]
    assert "(bijna) altijd" in cb.label("nl", "telework", wave=2024)
    assert "(presque) toujours" in cb.label("fr", "telework", wave=2024)


@pytest.mark.parametrize(
    "old,new,words",
    [
        # 2021 "often/always" joined to the 2015/2024 "always/most of the time" series
        (
            "{var: wlb_worry, scale: freq5_never_first, positive: [4, 5], series: often_2021, evidence: V,",
            "{var: wlb_worry, scale: freq5_never_first, positive: [4, 5], evidence: V,",
            ["worry_about_work", "wave 2021", "own wording"],
        ),
        # the same without its own label: caught as different answers under one series
        (
            "{var: loc_home, scale: freq5_never_first, positive: [4, 5], series: often_2021, evidence: V,\n"
            '             label: {nl: "Werkt vaak of altijd thuis", fr: "Travaille souvent ou toujours à '
            'domicile"},\n'
            '             short: {nl: "Thuiswerk (vaak of altijd)", fr: "Télétravail (souvent ou '
            'toujours)"}}',
            "{var: loc_home, scale: freq5_never_first, positive: [4, 5], evidence: V}",
            [
                "telework",
                "waves 2021 and 2024",
                "share series 'main'",
                "[Often, Always]",
                "[Always, Most of the time]",
            ],
        ),
        # its own series, but the indicator's label, which says something else
        (
            'label: {nl: "Werkt vaak of altijd aan een zeer hoog tempo", fr: "Travaille souvent ou toujours '
            'à un rythme très élevé"},\n'
            '             short: {nl: "Hoog werktempo (vaak of altijd)", fr: "Rythme très élevé (souvent ou '
            'toujours)"}}',
            "}",
            ["high_speed", "the indicator's label"],
        ),
        # another set of counted answers within one series
        (
            "{var: Q61m, scale: freq5_always_first, positive: [1, 2]",
            "{var: Q61m, scale: freq5_always_first, positive: [1, 2, 3]",
            ["stress", "[Always, Most of the time, Sometimes]"],
        ),
    ],
)
def test_a_series_that_joins_different_answers_is_refused(book, old, new, words):
    assert_refused(book, old, new, words)


def assert_refused(book, old, new, words):
    """The codebook edited from ``old`` to ``new`` does not load; its message names the file and
    holds every one of ``words``."""
    edit(book / "indicators.yaml", old, new)
    with pytest.raises(PipelineError) as err:
        Codebook(book)
    assert "indicators.yaml" in str(err.value)
    for w in words:
        assert w in str(err.value)


# ---------------------------------------------------------------------- exposures (issue 28)
EXPOSURE_ITEMS = {
    # indicator: its variable in 2010, 2015, 2021 (None: not asked), 2024 (None: not asked)
    "vibration_tools": ("q23a", "Q29a", None, "vibrations"),
    "loud_noise": ("q23b", "Q29b", "noise", "noise"),
    "high_temperatures": ("q23c", "Q29c", "high_temp", "high_temp"),
    "low_temperatures": ("q23d", "Q29d", "low_temp", "low_temp"),
    "smoke_dust": ("q23e", "Q29e", "smoke_dust", "smoke_dust"),
    "vapours": ("q23f", "Q29f", None, "vapours"),
    "chemical_products": ("q23g", "Q29g", "chemicals", "chemicals"),
    "tobacco_smoke": ("q23h", "Q29h", None, None),
    "infectious_materials": ("q23i", "Q29i", "infectious_mat", "infectious_mat"),
    "tiring_positions": ("q24a", "Q30a", "tiring_pos", "tiring_pos"),
    "lifting_people": ("q24b", "Q30b", "lifting_people", "lifting_people"),
    "heavy_loads": ("q24c", "Q30c", "heavy_loads", "heavy_loads"),
    "repetitive_movements": ("q24e", "Q30e", "repetitive_moves", "repetitive_moves"),
}


def test_exposure_items_are_read_with_each_waves_own_names_and_scale(cb):
    assert set(EXPOSURE_ITEMS) < set(cb.theme_indicators("exposures"))
    for name, names in EXPOSURE_ITEMS.items():
        for wave, var in zip(cb.wave_names(), names, strict=True):
            spec = cb.indicator_spec(name, wave)
            if var is None:
                assert spec is None, (name, wave)
                continue
            assert spec["var"] == var and cb.variables(wave)[var] == spec["scale"], (name, wave)
            valid = cb.scale(spec["scale"]).valid
            counted = [valid[c] for c in spec["positive"]]
            if wave == 2021:  # the telephone survey: how often, never ... always
                assert counted == ["Sometimes", "Often", "Always"], name
                assert cb.series(name, 2021) != cb.series(name, 2015)
                assert cb.label("nl", name, wave=2021) != cb.label("nl", name, wave=2015)
            else:  # at least a quarter of the time
                assert counted[-1] == "Around 1/4 of the time" and len(counted) == 5, (name, wave)
        # each fact carries its evidence, as the rest of the codebook
        evidence = {cb.indicator_spec(name, w).get("evidence") for w in cb.indicator_waves(name)}
        assert evidence <= {"V", "I", "U"}, name
    # the 2015 infectious-materials item is verified (ewcs_spec.md), the 2024 names are not known
    assert cb.indicator_spec("infectious_materials", 2015)["evidence"] == "V"
    asked_2024 = [cb.indicator_spec(n, 2024) for n in EXPOSURE_ITEMS if cb.indicator_spec(n, 2024)]
    assert {spec["evidence"] for spec in asked_2024} == {"U"}


@pytest.mark.parametrize(
    "composite,items",
    [
        ("chemical_biological_any", ["smoke_dust", "vapours", "chemical_products", "infectious_materials"]),
        (
            "physical_strain_any",
            ["tiring_positions", "lifting_people", "heavy_loads", "repetitive_movements"],
        ),
        ("physical_agents_any", ["vibration_tools", "loud_noise", "high_temperatures", "low_temperatures"]),
    ],
)
def test_exposure_composites_are_made_of_their_items(cb, composite, items):
    for wave in cb.indicator_waves(composite):
        spec = cb.indicator_spec(composite, wave)
        asked = [cb.indicator_spec(i, wave)["var"] for i in items if cb.indicator_spec(i, wave)]
        assert spec["items"] == asked and spec["rule"] == "any", (composite, wave)
        # a composite's wording is its items' (where the codebook knows them)
        words = cb.wording(composite, wave)
        assert words is None or len(words) == len(asked)
    # the waves that asked every item in the same words form one series
    assert cb.comparable(composite, 2010, 2015) and cb.comparable(composite, 2015, 2024)
    assert not cb.comparable(composite, 2015, 2021)


def test_a_wave_with_its_own_question_has_no_inherited_wording(cb):
    assert cb.wording("loud_noise", 2015) == cb.wording("loud_noise", 2024) is not None
    assert cb.wording("loud_noise", 2021) is None  # its own label: another question, words unknown
    assert cb.wording("telework", 2024) is None  # the codebook does not say: nothing is checked


@pytest.mark.parametrize(
    "old,new,words",
    [
        # 2024 asked the noise item in other words, yet stays in the 2015 series
        (
            "      2024: {var: noise, scale: timeshare7, positive: [1, 2, 3, 4, 5], evidence: U}",
            "      2024: {var: noise, scale: timeshare7, positive: [1, 2, 3, 4, 5], evidence: U,\n"
            '             wording: "Noise so loud that you need hearing protection"}',
            ["loud_noise", "waves 2010 and 2024", "other words", "hearing protection", "wave 2024"],
        ),
        # the same change reaches the composite built from it
        (
            "      2015: {var: Q29b, scale: timeshare7, positive: [1, 2, 3, 4, 5], evidence: I}",
            "      2015: {var: Q29b, scale: timeshare7, positive: [1, 2, 3, 4, 5], evidence: I,\n"
            '             wording: "Loud noise"}',
            ["waves 2010 and 2015", "other words", "loud noise"],
        ),
    ],
)
def test_a_series_that_joins_changed_wording_is_refused(book, old, new, words):
    assert_refused(book, old, new, words)


def test_changed_wording_in_a_series_of_its_own_is_accepted(book):
    edit(
        book / "indicators.yaml",
        "      2024: {var: noise, scale: timeshare7, positive: [1, 2, 3, 4, 5], evidence: U}",
        "      2024: {var: noise, scale: timeshare7, positive: [1, 2, 3, 4, 5], evidence: U,\n"
        '             wording: "Noise so loud that you need hearing protection", series: protection_2024,\n'
        '             label: {nl: "Lawaai met gehoorbescherming", fr: "Bruit avec protection auditive"},\n'
        '             short: {nl: "Lawaai (2024)", fr: "Bruit (2024)"}}',
    )
    # the composite reads the item too: it needs a series of its own for 2024 as well
    with pytest.raises(PipelineError, match="physical_agents_any"):
        Codebook(book)
    edit(
        book / "indicators.yaml",
        "      2024: {items: [vibrations, noise, high_temp, low_temp], scale: timeshare7, "
        "positive: [1, 2, 3, 4, 5], rule: any, evidence: U}",
        "      2024: {items: [vibrations, noise, high_temp, low_temp], scale: timeshare7, "
        "positive: [1, 2, 3, 4, 5], rule: any, evidence: U, series: protection_2024,\n"
        '             label: {nl: "Fysische factoren (2024)", fr: "Agents physiques (2024)"},\n'
        '             short: {nl: "Fysische factoren (2024)", fr: "Agents physiques (2024)"}}',
    )
    cb = Codebook(book)
    assert not cb.comparable("loud_noise", 2015, 2024)
    assert not cb.comparable("physical_agents_any", 2015, 2024)
    assert cb.comparable("loud_noise", 2010, 2015)
