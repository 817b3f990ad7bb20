"""The live preview's own logic, without Quarto: what an edited file asks for, which pages read
what the pipeline changed, and the Quarto command (the whole loop: tests/integration/test_preview.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import pipeline
from helpers.core import config, layout
from helpers.publish import preview


@pytest.mark.parametrize(
    "rel, kind",
    [
        ("notebooks/burnout.ipynb", "notebook:burnout"),
        ("data/codebook/indicators.yaml", "data"),
        ("data/i18n/fr.yaml", "data"),
        ("data/reference/fedris_accidents/data.csv", "data"),
        ("data/settings.yaml", "data"),
        ("chapters/nl/burnout.qmd", "page"),
        ("chapters/fr/burnout.qmd", None),  # the other language is not previewed
        ("src/helpers/book/prose.py", "code"),
        ("README.md", None),
    ],
)
def test_what_an_edited_file_asks_of_the_preview(rel, kind):
    assert pipeline._preview_change(config.ROOT / rel, "nl") == kind
    # what ingest writes is not an edit
    assert pipeline._preview_change(config.PROCESSED_DIR / "2024.parquet", "nl") is None


def test_a_notebook_that_is_no_theme_and_a_chapter_run_nothing(tmp_path):
    """A scratch notebook beside the themes, or a chapter (Quarto renders it), start no job."""
    chapter = config.ROOT / "chapters" / "nl" / "burnout.qmd"
    assert pipeline.update_preview([config.NOTEBOOKS_DIR / "scratch.ipynb", chapter], "nl", 1) == []


@pytest.fixture
def book(prepared, tmp_path, monkeypatch) -> Path:
    """A copy of the book's inputs (build/quarto/, the executed notebooks) in a build of the test's own."""
    build = tmp_path / "build"
    shutil.copytree(prepared / "quarto", build / "quarto")
    shutil.copytree(prepared / "executed", build / "executed")
    monkeypatch.setattr(config, "BUILD_DIR", build)
    return build


def test_a_page_is_rendered_again_when_what_it_includes_or_embeds_changed(book):
    before = preview.digests("nl", book)
    assert "chapters/nl/burnout.qmd" in before and "index.qmd" in before
    block = layout.quarto_dir(book, "nl") / "figures" / "fig-burnout-key.qmd"
    block.write_text(block.read_text(encoding="utf-8") + "\nA changed table.\n", encoding="utf-8")
    assert preview.changed_pages(before, preview.digests("nl", book)) == ["chapters/nl/burnout.qmd"]
    before = preview.digests("nl", book)
    executed = book / "executed" / "2024" / "nl" / "mental_health.ipynb"
    executed.write_bytes(executed.read_bytes() + b"\n")
    # every page that embeds a figure of that notebook, in the book's order: its own chapter, and the
    # incapacity chapter (the RIZIV and Statbel figures the mental-health notebook draws)
    assert preview.changed_pages(before, preview.digests("nl", book)) == [
        "chapters/nl/mental_health.qmd",
        "chapters/nl/incapacity.qmd",
    ]


def test_a_page_that_changed_while_no_preview_ran_is_rendered_at_its_start(book):
    out = layout.preview_site(book, "nl") / "chapters" / "nl" / "burnout.html"
    out.parent.mkdir(parents=True)
    out.write_text("<html>old</html>")
    assert "chapters/nl/burnout.qmd" in preview.forget_stale_pages("nl", book)  # never recorded
    out.write_text("<html>current</html>")
    assert preview.forget_stale_pages("nl", book) == [] and out.exists()
    block = layout.quarto_dir(book, "nl") / "figures" / "fig-burnout-key.qmd"
    block.write_text(block.read_text(encoding="utf-8") + "\nChanged.\n", encoding="utf-8")
    assert preview.forget_stale_pages("nl", book) == ["chapters/nl/burnout.qmd"]
    assert not out.exists()  # Quarto renders a page without output at start


def test_quarto_serves_the_loopback_address_only_and_opens_no_browser_unless_asked():
    cmd = preview.command("quarto", "fr", 4321, config.ROOT / "build", browser=False)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--profile") + 1] == "fr" and cmd[cmd.index("--to") + 1] == "html"
    assert cmd[cmd.index("--output-dir") + 1] == "build/preview/fr"
    assert "--no-browser" in cmd
    assert "--no-browser" not in preview.command("quarto", "fr", 4321, config.ROOT / "build", browser=True)


def test_no_display_no_browser(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(preview.sys, "platform", "linux")
    assert not preview.has_display()
    monkeypatch.setenv("DISPLAY", ":0")
    assert preview.has_display()


def test_the_preview_refuses_a_build_folder_outside_the_project(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "BUILD_DIR", tmp_path / "build")
    with pytest.raises(pipeline.PipelineError, match="project's own build folder"):
        pipeline.preview("nl")


def test_quarto_ending_after_the_fix_was_saved_is_started_again(monkeypatch):
    """Quarto's preview ends a moment after it reads a broken front matter: when the fix was saved
    before it ended, no save may follow, and the preview is started again at once (once: a preview
    that ends again without an edit waits for the next save)."""
    import watchfiles

    state = {"exit": None}
    calls: list[tuple[list[str], bool]] = []

    class Proc:
        returncode = 1

        def poll(self):
            return state["exit"]

    def batches(*_a, **_k):
        yield {(1, "chapters/nl/foreword.qmd")}  # the fix, saved while Quarto still runs
        state["exit"] = 1  # then Quarto ends on the broken page it had read
        yield set()  # the watcher's timeout: no save follows
        yield set()
        state["exit"] = 1  # ends again without an edit
        yield set()
        yield set()

    def update(paths, down):
        calls.append((paths, down))
        if down:
            session.proc, state["exit"] = Proc(), None  # started again
        return False

    monkeypatch.setattr(watchfiles, "watch", batches)
    session = pipeline._Preview.__new__(pipeline._Preview)
    session.lang, session.proc, session.log = "nl", Proc(), lambda *_: None
    session.update = update
    session.watch()
    assert calls == [(["chapters/nl/foreword.qmd"], False), ([], True)]
