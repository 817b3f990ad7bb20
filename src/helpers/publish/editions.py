"""Editions that stay online: ``python -m helpers publish DEST``.

The report is biennial, and an edition is cited (policy notes, press articles) at its addresses for
years after the next one appears. ``publish`` copies the built site (``_site/``, current: the
render's stamps say so) into a publication folder under the edition's own addresses and never
changes the files of an edition already there::

    DEST/
      index.html            the landing page: every edition, the latest marked; a visitor from
                            elsewhere goes on to the latest edition in their language
      editions.json         the editions published (what the three files below are made from)
      editions.js           loaded by every page of every edition: on an older edition's pages it
                            shows a note with a link to the latest edition
      sitemap.xml           every page of every edition (with ``publication.site_url`` or --site-url)
      robots.txt
      404.html              the page a server shows for a missing address, in both languages
      2026/index.html       the edition's own language chooser (its _site/index.html)
      2026/nl/…  2026/fr/…  the edition (its _site/nl/, _site/fr/)
      2026/SHA256SUMS       the hash of every file of the edition, as published

With the site's address (``publication.site_url`` or --site-url) every page of the edition gets
its canonical address, and its language alternates and preview image absolute addresses, as search
engines and social sites require. Only the files above the editions change when a new edition is
published. Every page loads
``editions.js`` from one level above its edition (post-render writes the tag,
:func:`script_tag`); in ``_site/`` the same address resolves to ``_site/editions.js``, a copy that
knows only the edition itself, so the unpublished site shows no note.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urljoin
from xml.sax.saxutils import escape as xml_escape

from helpers.book import edition as edition_mod
from helpers.book import provenance
from helpers.core import config, i18n, layout, workdir
from helpers.core.errors import PipelineError
from helpers.publish import render

SCRIPT = "editions.js"
MANIFEST = "editions.json"
SUMS = "SHA256SUMS"


# ---------------------------------------------------------------------- what every page loads
def script_tag(page: Path, edition_root: Path, edition: int) -> str:
    """The ``<script>`` of ``editions.js`` for ``page``, addressed one level above its edition."""
    src = os.path.relpath(edition_root.parent / SCRIPT, page.parent).replace(os.sep, "/")
    return f'<script src="{html.escape(src)}" data-edition="{int(edition)}" defer></script>'


def script(editions: list[dict]) -> str:
    """``editions.js``: on a page of an edition older than the latest, a note at the top of the
    page, in the page's language, with a link to the latest edition's home page in that language."""
    latest = max(editions, key=lambda e: e["edition"])
    notes = {
        lang: {
            "text": i18n.t(lang, "editions.newer", edition=latest["edition"], wave=latest["wave"]),
            "link": i18n.t(lang, "editions.newer_link", edition=latest["edition"]),
        }
        for lang in i18n.languages()
    }
    data = json.dumps(
        {"latest": latest["edition"], "langs": latest["langs"], "notes": notes},
        ensure_ascii=False,
        sort_keys=True,
    )
    return (
        "// Written by `python -m helpers publish` (helpers.publish.editions). Every page of every\n"
        "// edition loads this file; a page of an edition older than the latest shows a note.\n"
        "(function () {\n"
        f"  var data = {data};\n"
        + """  var script = document.currentScript;
  var edition = script && script.getAttribute("data-edition");
  if (!edition || edition === String(data.latest)) return;
  var lang = (document.documentElement.lang || "").split("-")[0];
  var note = data.notes[lang] || data.notes[data.langs[0]];
  var target = data.langs.indexOf(lang) >= 0 ? lang : data.langs[0];
  var box = document.createElement("div");
  box.className = "edition-note";
  box.setAttribute("role", "note");
  box.style.cssText = "margin:0 0 1rem;padding:.75rem 1rem;border-left:4px solid #D55E00;" +
    "background:#FFF4E5;color:#1a1a1a;font-size:1rem;line-height:1.4";
  box.appendChild(document.createTextNode(note.text + " "));
  var a = document.createElement("a");
  a.href = new URL(data.latest + "/" + target + "/index.html", script.src).href;
  a.textContent = note.link;
  a.style.cssText = "color:#0b4f8a;font-weight:700;text-decoration:underline";
  box.appendChild(a);
  var main = document.querySelector("main") || document.body;
  main.insertBefore(box, main.firstChild);
})();
"""
    )


# ---------------------------------------------------------------------- landing pages
LANDING_CSS = """
@font-face{font-family:"Source Sans 3";font-weight:400;font-style:normal;font-display:swap;
  src:url(FONT/source-sans-3-latin-400-normal.woff2) format("woff2")}
@font-face{font-family:"Source Sans 3";font-weight:700;font-style:normal;font-display:swap;
  src:url(FONT/source-sans-3-latin-700-normal.woff2) format("woff2")}
*{box-sizing:border-box}
body{margin:0;font-family:"Source Sans 3",system-ui,sans-serif;color:#1a1a1a;background:#fff;\
line-height:1.5;font-size:1.1rem}
header{background:BRAND;color:#fff;padding:1rem 1.5rem}
header p{margin:0;max-width:64rem;margin:0 auto;font-size:1rem}
main{max-width:64rem;margin:0 auto;padding:2rem 1.5rem 3rem}
.editions{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:2.5rem}
section{border-top:4px solid BRAND;padding-top:1rem}
h1{font-size:1.75rem;line-height:1.2;margin:0 0 .75rem}
.lead{margin:0 0 1.5rem}
.button{display:inline-block;background:BRAND;color:#fff;text-decoration:none;font-weight:700;
  padding:.75rem 1.25rem;border-radius:4px;border:2px solid BRAND}
.button:hover{background:#fff;color:BRAND}
.button:focus-visible{outline:3px solid #D55E00;outline-offset:3px}
h2{font-size:1.25rem;margin:2rem 0 .5rem}
.archive{margin:0;padding-left:1.25rem}
.archive a{color:BRAND}
.archive a:focus-visible{outline:3px solid #D55E00;outline-offset:2px}
"""


# the reader's language, as the landing page and the missing page's page choose it: the edition
# they read last (assets/report.html remembers it), else their browser's first known language
PREFERRED = """var known = [KNOWN], code = null, wanted = [];
      try { wanted.push(localStorage.getItem("report-lang") || ""); } catch (e) {}
      wanted = wanted.concat(navigator.languages || [navigator.language || ""]);
      for (var i = 0; i < wanted.length && !code; i++) {
        var c = String(wanted[i]).toLowerCase().split("-")[0];
        if (known.indexOf(c) >= 0) code = c;
      }"""


def _preferred(langs: list[str]) -> str:
    return PREFERRED.replace("KNOWN", ", ".join(f'"{lang}"' for lang in langs))


def _landing_css(edition: str) -> str:
    """The landing pages' style, its typeface read from an edition's folder (``edition``)."""
    return LANDING_CSS.replace("FONT", f"{edition}assets/vendor/source-sans-3-5.3.1").replace(
        "BRAND", edition_mod.BRAND
    )


def not_found(editions: list[dict] | None = None, base: str = "/") -> str:
    """The page a server shows for an address that does not exist (``404.html``), in every
    language, the reader's first (chosen as the landing page chooses), each with a link to the home
    page in its language. Its links are absolute (``base``: the site's address, or its root), as
    the page is served at whatever address was asked for."""
    langs = i18n.languages()
    latest = max(editions, key=lambda e: e["edition"]) if editions else None
    root = base.rstrip("/") + "/" + (f"{latest['edition']}/" if latest else "")
    sections = "\n".join(
        f'    <section lang="{lang}" id="lang-{lang}">\n'
        f"      <h1>{html.escape(i18n.t(lang, 'book.not_found.title'))}</h1>\n"
        f'      <p class="lead">{html.escape(i18n.t(lang, "book.not_found.text"))}</p>\n'
        f'      <a class="button" href="{root}{lang}/index.html" hreflang="{lang}">'
        f"{html.escape(i18n.t(lang, 'book.not_found.home'))}</a>\n"
        f"    </section>"
        for lang in langs
    )
    titles = " · ".join(f'<span lang="{x}">{html.escape(i18n.t(x, "report.title"))}</span>' for x in langs)
    css = _landing_css(f"{root}{langs[0]}/")
    return f"""<!DOCTYPE html>
<html lang="{langs[0]}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>{" / ".join(html.escape(i18n.t(lang, "book.not_found.title")) for lang in langs)}</title>
  <link rel="icon" href="{root}{langs[0]}/assets/icons/favicon.svg" type="image/svg+xml">
  <style>{css}</style>
</head>
<body>
  <header><p>{titles}</p></header>
  <main>
    <div class="editions">
{sections}
    </div>
  </main>
  <script>
    (function () {{
      {_preferred(langs)}
      var first = code && document.getElementById("lang-" + code);
      if (first) {{
        first.parentNode.insertBefore(first, first.parentNode.firstChild);
        document.documentElement.lang = code;
      }}
    }})();
  </script>
</body>
</html>
"""


def chooser(editions: list[dict] | None = None) -> str:
    """The bilingual landing page: the report's title and one sentence in each language, each in
    its own ``lang``, with a button to each language. A visitor arriving from elsewhere goes on to
    the edition they read last (remembered by assets/report.html) or else the language of their
    browser; one who comes back to it from inside the site, or opens it with ``?choose``, stays,
    and location.replace keeps it out of the history, so Back never loops.

    Without ``editions``: an edition's own page (``_site/index.html``), beside its languages.
    With the editions of a publication folder (helpers.publish.editions): its landing page, beside
    the edition folders; the buttons lead to the latest edition, and each language's section lists
    every edition, the latest marked."""
    langs = i18n.languages()
    latest = max(editions, key=lambda e: e["edition"]) if editions else None
    prefix = f"{latest['edition']}/" if latest else ""
    sections = "\n".join(
        f'    <section lang="{lang}">\n'
        f"      <h1>{html.escape(i18n.t(lang, 'report.title'))}</h1>\n"
        f'      <p class="lead">{html.escape(i18n.t(lang, "book.landing.lead"))}</p>\n'
        f'      <a class="button" href="{prefix}{lang}/index.html" hreflang="{lang}">'
        f"{html.escape(i18n.t(lang, 'book.landing.enter'))}</a>\n"
        f"{_edition_list(lang, editions) if editions else ''}"
        f"    </section>"
        for lang in langs
    )
    publishers = " · ".join(
        f'<span lang="{lang}">{html.escape(i18n.t(lang, "report.author"))}</span>' for lang in langs
    )
    alternates = "\n".join(
        f'  <link rel="alternate" hreflang="{lang}" href="{prefix}{lang}/index.html">' for lang in langs
    )
    css = _landing_css(f"{prefix}{langs[0]}/")
    return f"""<!DOCTYPE html>
<html lang="{langs[0]}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{" / ".join(html.escape(i18n.t(lang, "report.title")) for lang in langs)}</title>
{alternates}
  <link rel="alternate" hreflang="x-default" href="index.html">
  <script>
    (function () {{
      if (/[?&]choose(?:[=&]|$)/.test(location.search)) return;
      try {{ if (document.referrer && new URL(document.referrer).origin === location.origin) return; }} \
catch (e) {{}}
      {_preferred(langs)}
      if (code) location.replace("{prefix}" + code + "/index.html");
    }})();
  </script>
  <style>{css}</style>
</head>
<body>
  <header><p>{publishers}</p></header>
  <main>
    <div class="editions">
{sections}
    </div>
  </main>
</body>
</html>
"""


def _edition_list(lang: str, editions: list[dict]) -> str:
    """Every edition of a publication folder, newest first, in ``lang`` where it has it."""
    latest = max(e["edition"] for e in editions)
    items = []
    for e in sorted(editions, key=lambda e: e["edition"], reverse=True):
        target = lang if lang in e["langs"] else e["langs"][0]
        mark = f" <strong>{html.escape(i18n.t(lang, 'editions.latest'))}</strong>"
        mark = mark if e["edition"] == latest else ""
        items.append(
            f'        <li><a href="{e["edition"]}/{target}/index.html" hreflang="{target}">'
            f"{html.escape(i18n.t(lang, 'editions.item', edition=e['edition']))}</a> "
            f"({html.escape(i18n.t(lang, 'editions.wave', wave=e['wave']))}){mark}</li>"
        )
    return (
        f"      <h2>{html.escape(i18n.t(lang, 'editions.all'))}</h2>\n"
        f'      <ul class="archive">\n' + "\n".join(items) + "\n      </ul>\n"
    )


# ---------------------------------------------------------------------- the publication folder
def _edition_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != SUMS)


def _sums(folder: Path) -> str:
    return "".join(
        f"{workdir.sha256(p)}  {p.relative_to(folder).as_posix()}\n" for p in _edition_files(folder)
    )


def _check_built(langs: list[str]) -> dict:
    """The site in ``_site/`` is a whole, current build of every language; its provenance."""
    for lang in langs:
        why = render.stale(lang) if render.rendered(lang) else f"{render.edition(lang)} was not built"
        if why:
            raise PipelineError(
                f"cannot publish: {why}",
                expected="a site built by `python -m helpers build` from the sources as they are now",
            )
    return provenance.read(config.BUILD_DIR)


def _entry(prov: dict, langs: list[str]) -> dict:
    return {
        "edition": int(prov["edition"]),
        "wave": config.edition_wave(),
        "date": prov["date"],
        "langs": list(langs),
        "titles": {lang: i18n.t(lang, "report.title") for lang in langs},
        "synthetic": bool(prov.get("synthetic")),
    }


# the addresses a search engine or a social site needs absolute: the language alternates and the
# preview image (post-render writes them relative, as the built site may be served anywhere)
RELATIVE = re.compile(
    r'(<link rel="alternate" hreflang="[^"]+" href="'
    r'|<meta (?:property|name)="(?:og|twitter):image" content=")'
    r'([^"]*)(")'
)
CANONICAL = re.compile(r'(?:<link rel="canonical"[^>]*>|<meta property="og:url"[^>]*>)\n?')


def absolute(text: str, url: str) -> str:
    """A page published at ``url``: its canonical address, its alternates and preview image at
    absolute addresses."""
    text = CANONICAL.sub("", text)
    text = RELATIVE.sub(
        lambda m: m.group(1) + html.escape(urljoin(url, html.unescape(m.group(2)))) + m.group(3), text
    )
    at = html.escape(url)
    here = f'<link rel="canonical" href="{at}"><meta property="og:url" content="{at}">'
    return re.sub(r"</head>", lambda _: here + "\n</head>", text, count=1)


def _stage(dest: Path, langs: list[str], address: str | None, edition: int) -> Path:
    site = layout.site()
    stage = workdir.staging(dest)
    for lang in langs:
        shutil.copytree(layout.edition_site(lang), stage / lang)
    shutil.copy2(site / "index.html", stage / "index.html")
    if address:
        base = f"{address.rstrip('/')}/{edition}/"
        for page in sorted(stage.rglob("*.html")):
            url = base + page.relative_to(stage).as_posix()
            page.write_text(absolute(page.read_text(encoding="utf-8"), url), encoding="utf-8")
    (stage / SUMS).write_text(_sums(stage), encoding="utf-8")
    return stage


def _place(stage: Path, target: Path, *, replace: bool, log) -> bool:
    """Move the staged edition to ``target``; False when the same edition is already there."""
    if target.exists():
        old = (target / SUMS).read_text(encoding="utf-8") if (target / SUMS).exists() else ""
        new = (stage / SUMS).read_text(encoding="utf-8")
        if old == new:
            shutil.rmtree(stage)
            log(f"publish: {target} already holds this edition, unchanged")
            return False
        if not replace:
            differ = len(set(new.splitlines()) ^ set(old.splitlines()))
            shutil.rmtree(stage)
            raise PipelineError(
                f"edition {target.name} is already published there with other files ({differ} lines "
                f"of {SUMS} differ); a published edition is not changed",
                file=target,
                expected="a new edition year in data/settings.yaml (publication.edition), or --replace "
                "to correct this edition at the same addresses",
            )
        retired = target.with_name(f".{target.name}.replaced")
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(target, retired)
        os.replace(stage, target)
        shutil.rmtree(retired)
        log(f"publish: replaced edition {target.name} (--replace)")
        return True
    os.replace(stage, target)
    return True


def _manifest(dest: Path) -> list[dict]:
    path = dest / MANIFEST
    if not path.exists():
        return []
    try:
        return json.loads(path.read_text(encoding="utf-8"))["editions"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise PipelineError(
            "is not the list of editions `python -m helpers publish` writes",
            file=path,
            expected='{"editions": [...]}; restore it from a backup of the publication folder',
        ) from None


def sitemap(dest: Path, editions: list[dict], site_url: str) -> str:
    """Every page of every edition and the landing page, at their absolute addresses."""
    base = site_url.rstrip("/") + "/"
    latest = max(e["date"] for e in editions)
    rows = [(base, latest)]
    for e in sorted(editions, key=lambda e: e["edition"], reverse=True):
        folder = dest / str(e["edition"])
        for page in sorted(folder.rglob("*.html")):
            rows.append((base + page.relative_to(dest).as_posix(), e["date"]))
    urls = "".join(
        f"  <url><loc>{xml_escape(loc)}</loc><lastmod>{date}</lastmod></url>\n" for loc, date in rows
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n"
    )


def site_url(override: str | None = None) -> str | None:
    """The publication's address: --site-url, else ``publication.site_url`` in the settings."""
    url = override or (config.settings().get("publication") or {}).get("site_url")
    if url and not str(url).startswith(("https://", "http://")):
        raise PipelineError(
            f"the site's address {url!r} is not an address",
            file=config.DATA / "settings.yaml",
            expected="publication.site_url (or --site-url) such as https://example.be/working-conditions/",
        )
    return str(url) if url else None


def publish(dest: Path, *, url: str | None = None, replace: bool = False, log=print) -> Path:
    """Put the built edition into ``dest/<edition>/`` beside the editions there, then rewrite what
    spans them (landing page, editions.js, editions.json, sitemap.xml, robots.txt). Returns the
    edition's folder."""
    langs = i18n.languages()
    address = site_url(url)
    prov = _check_built(langs)
    dest = Path(dest).absolute()
    entry = _entry(prov, langs)
    with workdir.exclusive(dest, log):
        target = dest / str(entry["edition"])
        stage = _stage(dest, langs, address, entry["edition"])
        _place(stage, target, replace=replace, log=log)
        editions = [e for e in _manifest(dest) if e["edition"] != entry["edition"]] + [entry]
        editions.sort(key=lambda e: e["edition"], reverse=True)
        stamp = config.build_date().date().isoformat()
        workdir.write_text(
            dest / MANIFEST,
            json.dumps({"updated": stamp, "editions": editions}, indent=1, ensure_ascii=False) + "\n",
        )
        workdir.write_text(dest / SCRIPT, script(editions))
        workdir.write_text(dest / "index.html", chooser(editions=editions))
        workdir.write_text(dest / "404.html", not_found(editions, address or "/"))
        robots = "User-agent: *\nAllow: /\n"
        if address:
            workdir.write_text(dest / "sitemap.xml", sitemap(dest, editions, address))
            robots += f"Sitemap: {address.rstrip('/')}/sitemap.xml\n"
        else:
            log(
                "publish: no sitemap.xml (search engines need the site's absolute address: set "
                "publication.site_url in data/settings.yaml or pass --site-url)"
            )
        workdir.write_text(dest / "robots.txt", robots)
    log(
        f"publish: edition {entry['edition']} (survey wave {entry['wave']}) in {target}; "
        f"{len(editions)} edition(s) in {dest}, latest {editions[0]['edition']}"
    )
    return target
