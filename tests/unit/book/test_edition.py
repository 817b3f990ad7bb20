"""The edition's imprint (cover, colophon, footer) and provenance, and the figures' SVG output,
without Quarto (the rendered pages and PDF are read in tests/test_site.py)."""

from __future__ import annotations

import html
import re
import subprocess

import matplotlib.pyplot as plt
import pytest

from helpers.book import edition, provenance
from helpers.core import i18n
from helpers.notebook import figures

SAMPLES = {
    2015: {"source": "/x/ewcs_2015.sav", "source_sha256": "a" * 64, "synthetic": True},
    2024: {"source": "/x/ewcs_2024.sav", "source_sha256": "b" * 64, "synthetic": True},
}


@pytest.fixture
def prov():
    return provenance.provenance(SAMPLES)


def test_the_data_version_follows_every_input(prov):
    files = prov["inputs"]
    assert [f["file"] for f in files[:2]] == ["ewcs_2015.sav", "ewcs_2024.sav"]
    assert all(len(f["sha256"]) == 64 for f in files)
    changed = [dict(f) for f in files]
    changed[0]["sha256"] = "c" * 64
    assert provenance.data_version(changed) != prov["data_version"]
    assert provenance.data_version(files) == prov["data_version"] and len(prov["data_version"]) == 12


def test_the_code_version_outside_git_is_a_hash_of_the_code(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x = 1\n")
    first = provenance.code_version(tmp_path)
    assert first.startswith("tree-") and provenance.code_version(tmp_path) == first
    (tmp_path / "chapters" / "fr").mkdir(parents=True)
    (tmp_path / "chapters" / "fr" / "a.qmd").write_text("Une phrase.\n")  # prose is not the pipeline
    assert provenance.code_version(tmp_path) == first
    (tmp_path / "src" / "a.py").write_text("x = 2\n")
    assert provenance.code_version(tmp_path) != first


def test_the_code_version_in_git_names_the_commit_and_a_modified_pipeline(tmp_path):
    def git(*a):
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *a],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    (tmp_path / "src").mkdir()
    (tmp_path / "chapters").mkdir()
    (tmp_path / "src" / "a.py").write_text("x = 1\n")
    (tmp_path / "chapters" / "a.qmd").write_text("Een zin.\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "first")
    head = git("rev-parse", "--short=10", "HEAD")
    assert provenance.code_version(tmp_path) == head
    (tmp_path / "chapters" / "a.qmd").write_text("Een andere zin.\n")
    assert provenance.code_version(tmp_path) == head
    (tmp_path / "src" / "a.py").write_text("x = 2\n")
    assert provenance.code_version(tmp_path) == head + "+modified"


def test_a_typst_string_is_never_read_as_markup():
    assert edition.typ('a "b" \\ #c *d*') == '"a \\"b\\" \\\\ #c *d*"'


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_colophon_and_the_footer_carry_the_same_versions(prov, lang):
    col = edition.colophon(lang, prov)
    foot = edition.footer(lang, prov)
    for value in (prov["data_version"], prov["code_version"]):
        assert f'#raw("{value}")' in col and f">{value}</code>" in foot
    for f in prov["inputs"]:
        assert f'raw("{f["sha256"]}")' in col
    assert i18n.t(lang, "book.colophon.deposit_pending") in col  # no legal deposit number yet
    assert i18n.t(lang, "book.colophon.synthetic") in col
    assert i18n.t(lang, "book.cover.synthetic") in edition.cover(lang, prov)
    real = {**prov, "synthetic": False}
    assert i18n.t(lang, "book.cover.synthetic") not in edition.cover(lang, real)
    assert i18n.t(lang, "book.footer.synthetic") not in edition.footer(lang, real)
    # every string of the colophon is a Typst string literal (#"…" or raw("…")), never bare markup
    body = "\n".join(line for line in col.splitlines() if not line.startswith(("//", "#set")))
    assert not re.search(r'\[\s*"', body)


def test_figures_are_svg_with_text_as_text_and_their_letters_embedded():
    figures.style()
    fig, ax = plt.subplots(figsize=(figures.WIDTH, 2))
    ax.plot([1, 2], [1, 2])
    ax.set_title("Burn-out à l'école")
    svg = figures.to_svg(fig)
    assert re.search(r"<text[^>]*>Burn-out à l(&#39;|')école</text>", svg)
    assert "font-family: 'Source Sans 3'" in svg
    faces = re.findall(r"@font-face\{font-family:'Source Sans 3';font-weight:(\d+)", svg)
    assert sorted(faces) == ["400", "700"]  # the bold title and the regular ticks
    assert "<dc:date>" not in svg
    assert figures.to_svg(_same_figure()) == figures.to_svg(_same_figure())  # reproducible


def test_a_font_subset_is_the_one_fonttools_makes_from_the_vendored_file():
    """The subsets are cut from the font without its layout tables (dropped once, not for every
    subset): the same bytes as fontTools' subset of the vendored file itself."""
    import base64
    import io

    from fontTools import subset as ft_subset

    chars = "Épuisement à 95 % 0123456789 ▲"
    for weight, slant in figures.FONT_FILES:
        options = ft_subset.Options()
        options.flavor = "woff"
        options.layout_features = []
        options.drop_tables += ["GPOS", "GSUB", "GDEF", "BASE"]
        options.name_IDs = [0, 1, 2]
        font = ft_subset.load_font(str(figures.FONT_DIR / figures.FONT_FILES[(weight, slant)]), options)
        sub = ft_subset.Subsetter(options)
        sub.populate(text=chars)
        sub.subset(font)
        buf = io.BytesIO()
        ft_subset.save_font(font, buf, options)
        assert base64.b64decode(figures._woff(weight, slant, chars)) == buf.getvalue(), (weight, slant)


def test_a_figure_note_is_wrapped_to_the_figure_width():
    """Notes are broken between words, greedily, each line within the figure's width as the SVG
    measures it (matplotlib's own wrapping let a line run past the edge)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    figures.style()
    note = i18n.t("fr", "notes.change_marks")
    prop = FontProperties(family=figures.FONT, size=figures.TEXT)
    width = figures.WIDTH * 72 * figures.NOTE_WIDTH
    lines = figures.wrap(note + "\nUne seconde ligne, courte.", prop, width).split("\n")
    measure = lambda line: text_to_path.get_text_width_height_descent(line, prop, ismath=False)[0]  # noqa: E731
    assert len(lines) >= 3 and lines[-1] == "Une seconde ligne, courte."
    assert " ".join(lines[:-1]) == note  # every word, in order
    assert all(measure(line) <= width for line in lines)
    for line, following in zip(lines[:-2], lines[1:-1]):  # no line could have taken the next word
        assert measure(f"{line} {following.split(' ')[0]}") > width
    # under a figure: the SVG's note lines are those
    fig, ax = plt.subplots(figsize=(figures.WIDTH, 2))
    ax.plot([1, 2], [1, 2])
    figures._footnote(fig, [note])
    svg = figures.to_svg(fig)
    drawn = [t for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg) if t.strip() and t.strip() in note]
    assert [html.unescape(t) for t in drawn] == lines[:-1]


def _same_figure():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(["a", "b"], [1, 2])
    return fig


def test_an_interval_never_breaks_at_its_dash():
    text = i18n.interval(i18n.percent(34, "fr"), i18n.percent(39, "fr"))
    assert text == "34\u00a0% \u2013 39\u00a0%".replace(" \u2013 ", "\u00a0\u2013\u00a0")
