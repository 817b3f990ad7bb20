"""What the render checks around Quarto (issue 27): a chapter whose front matter is broken stops
the render in one line naming it (Quarto itself answers with a JavaScript stack trace that names no
file), and `check` says when the site is older than what it is made from."""

from __future__ import annotations

import json

import pytest
import yaml

from helpers.core.errors import PipelineError
from helpers.publish import render

GOOD = '---\ntitle: "Burn-out"\nlang: nl\n---\n\n# Burn-out\n'
BROKEN = "---\ntitle: Burn-out: [ziekte\nlang: nl\n---\n\n# Burn-out\n"


def test_a_page_without_or_with_good_front_matter_passes(tmp_path):
    for text in ("# Burn-out\n\nText.\n", GOOD, ""):
        page = tmp_path / "page.qmd"
        page.write_text(text, encoding="utf-8")
        render.check_front_matter(page)


def test_broken_front_matter_names_the_page_and_the_line(tmp_path):
    page = tmp_path / "chapters" / "nl" / "burnout.qmd"
    page.parent.mkdir(parents=True)
    page.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(PipelineError) as err:
        render.check_front_matter(page)
    msg = str(err.value)
    assert str(page) in msg and "not valid YAML at line 2" in msg and msg.count("\n") == 0


def test_unclosed_front_matter_is_named(tmp_path):
    page = tmp_path / "x.qmd"
    page.write_text("---\ntitle: x\n\n# X\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="front matter is not closed"):
        render.check_front_matter(page)


def test_render_checks_every_page_before_quarto_runs(tmp_path, monkeypatch):
    page = tmp_path / "burnout.qmd"
    page.write_text(BROKEN, encoding="utf-8")
    monkeypatch.setattr(render, "_files", lambda lang, build: [page])
    monkeypatch.setattr(render, "_render_one", lambda *a: pytest.fail("Quarto ran"))
    with pytest.raises(PipelineError, match="burnout.qmd"):
        render.render("/bin/true", ["nl"], force=True, log=lambda *_: None)


def test_check_says_when_the_site_is_older_than_its_sources(tmp_path, monkeypatch):
    """Issue 27, item 7: after a chapter is edited (or a render failed), `check` used to say OK on
    the previous site; the stamp of the last render now tells it what the site was made from."""
    page = tmp_path / "burnout.qmd"
    page.write_text("# Burn-out\n", encoding="utf-8")
    site = tmp_path / "_site" / "nl"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<html></html>", encoding="utf-8")
    build = tmp_path / "build"
    monkeypatch.setattr(render, "_files", lambda lang, build: [page])
    monkeypatch.setattr(render, "edition", lambda lang: site)
    assert render.stale("nl", build) is None  # no record of a render: nothing to say
    stamp = render._stamp("nl", build)
    stamp.parent.mkdir(parents=True)
    stamp.write_text(json.dumps({"key": render.fingerprint("nl", "1.10.18", build), "quarto": "1.10.18"}))
    assert render.stale("nl", build) is None
    page.write_text("# Burn-out\n\nA sentence added after the render.\n", encoding="utf-8")
    late = render.stale("nl", build)
    assert late is not None and str(site) in late and "older than the sources" in late


def test_a_languages_render_reads_the_numbers_its_pages_quote(tmp_path, monkeypatch):
    """Quarto gives every page all of `_variables.yml` as metadata, and each page's Pandoc converts
    all of it: a language's render folder holds the numbers its pages quote, as they are, and none
    of the others (the other language's, the unquoted ones: 1,300 of them cost a page about a
    second). The render's fingerprint follows the quoted numbers only."""
    from helpers.core import config

    root, build = tmp_path / "project", tmp_path / "build"
    page = root / "chapters" / "nl" / "burnout.qmd"
    page.parent.mkdir(parents=True)
    page.write_text(
        "{{< var nl.ind.stress.value >}} {{<var fr.ind.stress.value>}} {{< var nl.ind.nope.value >}}\n"
        "{{< var nl.n >}}\n",
        encoding="utf-8",
    )
    numbers = {
        "nl": {
            "ind": {"stress": {"value": "31%", "note": "Werk: ‘veel’ – 2024"}, "fatigue": {"value": "4%"}},
            "n": 2053,
        },
        "fr": {"ind": {"stress": {"value": "31\u00a0%"}}, "n": 2053},
    }
    variables = root / "_variables.yml"
    variables.write_text(yaml.safe_dump(numbers, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(config, "ROOT", root)
    monkeypatch.setattr(render, "_files", lambda lang, build: [page])
    quoted = {
        "nl": {"ind": {"stress": {"value": "31%"}}, "n": 2053},
        "fr": {"ind": {"stress": {"value": "31\u00a0%"}}},
    }
    for lang in ("nl", "fr"):
        work = render._workspace(lang, build)
        assert (work / "chapters" / "nl" / "burnout.qmd").read_text(encoding="utf-8") == page.read_text(
            encoding="utf-8"
        )
        assert yaml.safe_load((work / "_variables.yml").read_text(encoding="utf-8")) == {lang: quoted[lang]}
    before = render.fingerprint("nl", "1.10.18", build)
    numbers["nl"]["ind"]["fatigue"]["value"] = "5%"  # a number no page quotes
    numbers["fr"]["n"] = 2054
    variables.write_text(yaml.safe_dump(numbers, allow_unicode=True), encoding="utf-8")
    assert render.fingerprint("nl", "1.10.18", build) == before
    numbers["nl"]["ind"]["stress"]["value"] = "32%"  # a quoted one
    variables.write_text(yaml.safe_dump(numbers, allow_unicode=True), encoding="utf-8")
    assert render.fingerprint("nl", "1.10.18", build) != before
