"""`python -m helpers build` with a renderer: the real Quarto when installed, and a stand-in.

The stand-in plays Quarto's part as its documentation describes it (pre-render, one output
folder per profile, post-render with QUARTO_PROJECT_OUTPUT_DIR and QUARTO_PROFILE), so the
orchestration around it is tested on every machine: both languages, the site's index, and the
previous site kept when a render fails. The real render runs only where `quarto` is on PATH.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import clean_build, needs_quarto, project_copy
from helpers.core import config

FAKE_QUARTO = r"""#!{python}
import os, subprocess, sys
from pathlib import Path
args = sys.argv[1:]
if args == ["--version"]:
    print("0.0-stand-in")
    sys.exit(0)
import re, time
assert args[:2] == ["render", "--profile"], args
lang = args[2]
start = time.time()
run = lambda cmd, **env: subprocess.run([sys.executable, "-m", "helpers", cmd], check=True,
                                       env=dict(os.environ, **env))
run("prepare")
# like Quarto, read every page of the profile and what it includes (the home page includes the
# text of every language, whichever profile renders), from the folder it renders in
pages = [Path("index.qmd"), *sorted(Path("chapters", lang).glob("*.qmd"))]
for page in pages:
    base = Path(".") if page.name == "index.qmd" else page.parent
    for rel in re.findall(r"\{\{< include (\S+) >\}\}", page.read_text()):
        if not (base / rel).exists():
            print(f"ERROR: Include directive failed. in file {page}, could not find file {base / rel}",
                  file=sys.stderr)
            sys.exit(1)
time.sleep(float(os.environ.get("FAKE_QUARTO_SLEEP", "0")))
with open(os.environ.get("FAKE_QUARTO_LOG", os.devnull), "a") as log:
    log.write(f"{' '.join(args)} {start} {time.time()} {os.getcwd()}\n")
if os.environ.get("FAKE_QUARTO_FAIL") == lang:
    print("ERROR: rendering chapters/" + lang + "/burnout.qmd failed", file=sys.stderr)
    sys.exit(1)
out = Path("_site") / lang
for page in ("index.html", "chapters/" + lang + "/burnout.html"):
    (out / page).parent.mkdir(parents=True, exist_ok=True)
    (out / page).write_text("<html><head></head><body><main>x</main></body></html>")
(out / "report.pdf").write_bytes(b"%PDF-1.7")
run("postrender", QUARTO_PROJECT_OUTPUT_DIR=str(out), QUARTO_PROFILE=lang)
"""


@pytest.fixture
def fake_quarto(tmp_path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "quarto"
    script.write_text(FAKE_QUARTO.replace("{python}", sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def build(root: Path, bin_dir: Path, *args, **env):
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **env)
    return subprocess.run(
        [sys.executable, "-m", "helpers", "build", *args], cwd=root, capture_output=True, text=True, env=env
    )


def test_build_renders_both_languages_and_the_site_index(published, fake_quarto, tmp_path):
    root = project_copy(tmp_path / "repo")
    r = build(root, fake_quarto)
    assert r.returncode == 0, r.stderr
    site = root / "_site"
    assert (site / "index.html").exists()
    for lang, other in (("nl", "fr"), ("fr", "nl")):
        page = (site / lang / "chapters" / lang / "burnout.html").read_text()
        assert f'hreflang="{other}" href="../../../{other}/chapters/{other}/burnout.html"' in page
    assert not (root / ".site-previous").exists()


def test_failed_render_keeps_the_previous_site(published, fake_quarto, tmp_path):
    root = project_copy(tmp_path / "repo")
    (root / "_site").mkdir()
    (root / "_site" / "index.html").write_text("the site as published last time")
    r = build(root, fake_quarto, FAKE_QUARTO_FAIL="fr")
    assert r.returncode != 0
    assert "quarto render --profile fr" in r.stderr and "previous site was kept" in r.stderr
    assert (root / "_site" / "index.html").read_text() == "the site as published last time"
    assert not (root / "_site" / "nl").exists()  # no half-built report next to the old one


def test_when_one_language_fails_no_edition_changes(published, fake_quarto, tmp_path):
    """Both languages render at once; the site takes their editions only when both succeeded."""
    root = project_copy(tmp_path / "repo")
    assert build(root, fake_quarto).returncode == 0
    page = root / "_site" / "nl" / "chapters" / "nl" / "burnout.html"
    page.write_text(page.read_text() + "<!-- the edition as published -->")
    r = build(root, fake_quarto, "--force", FAKE_QUARTO_FAIL="fr")
    assert r.returncode != 0
    assert "`quarto render --profile fr` failed" in r.stderr and "build/render/fr.log" in r.stderr
    assert "burnout.qmd failed" in r.stdout  # Quarto's own words are shown
    assert "the edition as published" in page.read_text()  # nl rendered fine, but was not published alone
    assert (
        not (config.BUILD_DIR / "render" / "nl").exists()
        and not (config.BUILD_DIR / "render" / "fr").exists()
    )
    log = tmp_path / "quarto.log"
    assert build(root, fake_quarto, FAKE_QUARTO_LOG=str(log)).returncode == 0
    assert sorted(line.split()[2] for line in log.read_text().splitlines()) == ["fr", "nl"]


def test_a_failing_pipeline_stops_the_build_before_any_render(published, fake_quarto, tmp_path):
    """The pipeline runs in a process of its own: its one-line error is the build's, and nothing
    is rendered."""
    root = project_copy(tmp_path / "repo")
    table = root / "data" / "reference" / "accidents_at_work_fedris" / "data.csv"
    header, first, *rest = table.read_text(encoding="utf-8").splitlines()
    cells = first.split(",")
    cells[header.split(",").index("value")] = "many"
    table.write_text("\n".join([header, ",".join(cells), *rest]) + "\n", encoding="utf-8")
    log = tmp_path / "quarto.log"
    r = build(root, fake_quarto, FAKE_QUARTO_LOG=str(log))
    assert r.returncode == 2
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "data.csv" in errors[0] and "Traceback" not in r.stderr, r.stderr
    assert not log.exists() and not (root / "_site").exists()


@pytest.mark.parametrize("jobs", [2, 1])
def test_languages_render_at_the_same_time_in_folders_of_their_own(published, fake_quarto, tmp_path, jobs):
    root = project_copy(tmp_path / "repo")
    log = tmp_path / "quarto.log"
    r = build(root, fake_quarto, "--jobs", str(jobs), FAKE_QUARTO_LOG=str(log), FAKE_QUARTO_SLEEP="1.5")
    assert r.returncode == 0, r.stdout + r.stderr
    runs = {line.split()[2]: line.split()[3:] for line in log.read_text().splitlines()}
    (nl_start, nl_end, nl_dir), (fr_start, fr_end, fr_dir) = runs["nl"], runs["fr"]
    overlap = min(float(nl_end), float(fr_end)) - max(float(nl_start), float(fr_start))
    assert (overlap > 1.0) if jobs == 2 else (overlap < 0), overlap
    assert {Path(nl_dir), Path(fr_dir)} == {
        config.BUILD_DIR / "render" / "nl",
        config.BUILD_DIR / "render" / "fr",
    }
    assert not (config.BUILD_DIR / "render" / "nl").exists()  # the render folders are removed
    assert (root / "_site" / "nl" / "index.html").exists() and (root / "_site" / "fr" / "index.html").exists()
    assert "render: nl done" in r.stdout and "render: fr done" in r.stdout


def test_build_renders_only_the_languages_whose_inputs_changed(published, fake_quarto, tmp_path):
    root = project_copy(tmp_path / "repo")
    log = tmp_path / "quarto.log"

    def renders(*args, **env) -> list[str]:
        log.unlink(missing_ok=True)
        r = build(root, fake_quarto, *args, FAKE_QUARTO_LOG=str(log), **env)
        assert r.returncode == 0 or env, r.stdout + r.stderr
        # the languages render at the same time: in no particular order
        return sorted(line.split()[2] for line in log.read_text().splitlines()) if log.exists() else []

    def edit(rel: str, line: str) -> None:
        with open(root / rel, "a", encoding="utf-8") as fh:
            fh.write(line)

    assert renders() == ["fr", "nl"]
    r = build(root, fake_quarto)
    assert "render: nl up to date" in r.stdout and "render: fr up to date" in r.stdout
    assert "nothing to render" in r.stdout
    assert renders() == []
    edit("chapters/fr/foreword.qmd", "\nUne phrase de plus.\n")
    assert renders() == ["fr"]
    edit("_quarto-nl.yml", "\n# a comment\n")
    assert renders() == ["nl"]
    edit("chapters/report.scss", "\n// shared by both languages\n")
    assert renders() == ["fr", "nl"]
    # the home page includes both languages' texts: Quarto reads them whichever profile it renders
    edit("chapters/fr/_home.qmd", "\nUne phrase d'accueil.\n")
    assert renders() == ["fr", "nl"]
    assert renders("--force") == ["fr", "nl"]
    shutil.rmtree(root / "_site" / "nl")  # an edition gone from the output is rendered again
    assert renders() == ["nl"]
    # a failed render leaves no record of success: the next build renders that language again
    edit("chapters/fr/foreword.qmd", "\nEncore une.\n")
    assert renders(FAKE_QUARTO_FAIL="fr") == ["fr"]
    assert renders() == ["fr"]
    assert renders() == []


@needs_quarto
def test_quarto_renders_the_report(rendered):
    """The acceptance of the report: a clean copy, the real Quarto, every page and a PDF per language."""
    root = rendered
    out = (root / "build.log").read_text()
    for symptom in ("Unable to resolve crossref", "WARN", "label occurs multiple times", "not found"):
        assert symptom not in out, out[-3000:]
    site = root / "_site"
    assert (site / "index.html").exists()
    for lang in ("nl", "fr"):
        pages = {p.relative_to(site / lang).as_posix() for p in (site / lang).rglob("*.html")}
        chapters = {f"chapters/{lang}/{p.stem}.html" for p in (root / "chapters" / lang).glob("[!_]*.qmd")}
        assert "index.html" in pages and chapters <= pages
        assert list((site / lang).glob("*.pdf")), f"no PDF in _site/{lang}"
    # nothing of the project's own build output is copied into the site (resource globs anchored)
    nested = [p for p in site.rglob("*") if p.name in ("_site", ".site-previous")]
    assert not nested, nested[:3]


def _outputs(root: Path) -> dict[str, bytes]:
    """Everything a build writes that a reader or the next stage sees."""
    files = [
        *(root / "data" / "raw").glob("*.sav"),
        root / "_variables.yml",
        *(root / "build" / "executed").rglob("*.ipynb"),
        *(root / "build" / "tables").rglob("*.csv"),
        *(p for p in (root / "_site").rglob("*") if p.is_file()),
    ]
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


@needs_quarto
def test_two_clean_builds_are_byte_identical(rendered, tmp_path):
    """Same inputs, two clean builds: the same .sav files, notebooks, tables, numbers, HTML and PDFs.

    The date every output carries is the edition's (data/settings.yaml report.date), never the clock's."""
    again = project_copy(tmp_path / "repo")
    r = clean_build(again)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    first, second = _outputs(rendered), _outputs(again)
    assert sorted(first) == sorted(second)
    assert any(name.endswith(".pdf") for name in first) and any(name.endswith(".sav") for name in first)
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, f"{len(differ)} of {len(first)} files differ between two builds: {differ[:10]}"
