"""Every path of build/ in one place, and the labels the book cites."""

from __future__ import annotations

from helpers.core import config, layout, workdir


def test_the_editions_figures_are_cited_without_their_wave(monkeypatch):
    edition = config.edition_wave()
    assert layout.anchor("fig-burnout-trend", edition) == "fig-burnout-trend"
    assert layout.anchor("fig-burnout-trend", 2015) == "fig-burnout-trend-2015"
    # the next edition: the same chapters cite its figures, the old edition's wave gets its suffix
    settings = {**config.settings(), "report": {**config.settings()["report"], "wave": 2028}}
    monkeypatch.setattr(config, "settings", lambda: settings)
    assert layout.anchor("fig-burnout-trend", 2028) == "fig-burnout-trend"
    assert layout.anchor("fig-burnout-trend", edition) == f"fig-burnout-trend-{edition}"


def test_a_figures_csv_keeps_its_wave_in_every_edition(tmp_path):
    csv = layout.figure_csv(tmp_path, config.edition_wave(), "nl", "burnout", "fig-burnout-key")
    assert csv == tmp_path / "tables" / str(config.edition_wave()) / "nl" / "burnout" / (
        f"fig-burnout-key-{config.edition_wave()}.csv"
    )


def test_quoted_numbers_of_another_build_never_overwrite_the_projects(tmp_path):
    assert layout.variables_path(layout.project_build()) == config.ROOT / "_variables.yml"
    assert layout.variables_path(tmp_path) == tmp_path / "quarto" / "_variables.yml"


def test_a_chapter_names_the_project_build_from_its_own_folder():
    target = layout.store_path(layout.project_build(), "fr")
    assert layout.chapter_rel(target, "fr") == "../../build/store/fr/estimates.csv"


def test_a_key_names_files_by_their_place_in_the_project_not_the_clone(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("x")
    assert workdir.project_name(config.ROOT / "data" / "settings.yaml") == "data/settings.yaml"
    assert workdir.project_name(a) == "a.txt"
    b = tmp_path / "b"
    b.mkdir()
    (b / "a.txt").write_text("x")
    assert workdir.hash_files([a]) == workdir.hash_files([b / "a.txt"])
    (b / "a.txt").write_text("y")
    assert workdir.hash_files([a]) != workdir.hash_files([b / "a.txt"])
