"""The site's search, Quarto's own (its index ``search.json`` and its search box), made to find.

Quarto indexes each page's sections with all their text: the folded numbers of every figure, the
tables' cells run together, the earlier waves' tabs. It offers no way to leave an element out of
the index (its indexer, ``website-search.ts``, only forces elements in), and its search box matches
letters as typed (Fuse.js, threshold 0.1): "teletravail" does not find "télétravail". After
Quarto has written the index, the post-render step rewrites each entry's text (same entries,
addresses, titles and sections) from the page:

* the prose only: no table, figure, folded numbers, downloads, tabs of earlier waves or notices,
  so a snippet reads as a sentence and an annex's table cells do not outrank a chapter's text;
* the page's keywords (its front matter's ``keywords``, which Quarto writes into the page as
  ``<meta name="keywords">``) in its first entry: other spellings and words readers use
  ("burnout", "telewerk");
* each sentence with accented letters once more without them, so a search typed without accents
  finds it and shows it as a readable sentence.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from helpers.core import i18n

# what the index leaves out of a section's text (tag names, and classes of any element)
LEFT_OUT_TAGS = {"table", "figure", "details", "nav", "aside", "script", "style", "header", "svg", "h2"}
LEFT_OUT_CLASSES = re.compile(
    r"\b(callout|edition-provenance|panel-tabset|figure-downloads|figure-scroll|"
    r"figure-sources|language-bar|"
    r"quarto-figure|cell-output-display|csv-link)\b"
)
VOID = {"br", "img", "hr", "meta", "link", "input", "source", "wbr", "col", "area", "base", "embed"}
BLOCKS = {"p", "li", "h1", "h3", "h4", "h5", "h6", "div", "section", "dd", "dt", "blockquote"}


class _Sections(HTMLParser):
    """The prose text of each ``<section id>`` of ``<main>`` and of the page before its first
    level-2 section."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, bool]] = []  # tag, section id, left out
        self.texts: dict[str, list[str]] = {}
        self.intro: list[str] = []
        self.in_main = False
        self.seen_level2 = False
        self.headings: dict[str, list[str]] = {}  # each section's own heading (h2), as text
        self.heading: str | None = None

    def _left_out(self) -> bool:
        return any(out for _, _, out in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag == "main":
            self.in_main = True
        section = a.get("id") if tag == "section" else None
        if tag == "section" and "level2" in cls:
            self.seen_level2 = True
        out = tag in LEFT_OUT_TAGS or bool(LEFT_OUT_CLASSES.search(cls)) or "visually-hidden" in cls
        self.stack.append((tag, section, out))
        if section:
            self.texts.setdefault(section, [])
        if tag == "h2":
            self.heading = next((sid for _, sid, _ in reversed(self.stack) if sid), None)
        if tag in BLOCKS:
            self._add("\n")

    def handle_endtag(self, tag):
        if tag == "h2":
            self.heading = None
        if tag == "main":
            self.in_main = False
        while self.stack:
            open_tag, _, _ = self.stack.pop()
            if open_tag == tag:
                break
        if tag in BLOCKS:
            self._add("\n")

    def handle_data(self, data):
        if self.heading:
            self.headings.setdefault(self.heading, []).append(data)
        if self.in_main and not self._left_out():
            self._add(data)

    def _add(self, text: str) -> None:
        for _, section, _ in self.stack:
            if section:
                self.texts[section].append(text)
        if self.in_main and not self.seen_level2:
            self.intro.append(text)


def _clean(parts: list[str]) -> str:
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


def _unaccented(text: str) -> list[str]:
    """Each sentence of ``text`` with accented letters, once more without them."""
    out = []
    for s in SENTENCE.findall(text):
        s = s.strip()
        folded = i18n.fold(s)
        if folded != s and folded not in out:
            out.append(folded)
    return out


def parse(page_html: str) -> _Sections:
    parser = _Sections()
    parser.feed(page_html)
    return parser


def first_paragraph(page_html: str, shortest: int = 60) -> str | None:
    """The page's first paragraph of prose of at least ``shortest`` characters (its description)."""
    parser = parse(page_html)
    for part in (parser.intro, *parser.texts.values()):
        for line in _clean(part).split("\n"):
            if len(line) >= shortest:
                return line
    return None


def keywords(page_html: str) -> list[str]:
    m = re.search(r'<meta\s+name="keywords"\s+content="([^"]*)"', page_html)
    return [k.strip() for k in html.unescape(m.group(1)).split(",") if k.strip()] if m else []


def entry_text(prose: str, words: list[str], lang: str) -> str:
    """An entry's text: the page's keywords, its prose, then the prose's accented sentences without
    their accents (a snippet shows the text from its start, or around a match)."""
    lines = [f"{i18n.t(lang, 'book.search_terms')}: {', '.join(words)}"] if words else []
    lines.append(prose)
    lines += _unaccented("\n".join(lines))
    return html.escape("\n".join(x for x in lines if x), quote=False)


def rewrite(edition: Path, lang: str) -> int:
    """Rewrite the text of every entry of ``edition/search.json``; returns the entries."""
    path = edition / "search.json"
    if not path.exists():
        return 0
    docs = json.loads(path.read_text(encoding="utf-8"))
    parsed: dict[str, tuple[_Sections, list[str]]] = {}
    for doc in docs:
        href, _, anchor = doc["href"].partition("#")
        if href not in parsed:
            page = edition / href
            text = page.read_text(encoding="utf-8") if page.exists() else ""
            parsed[href] = (parse(text), keywords(text))
        parser, words = parsed[href]
        if anchor:
            prose = _clean(parser.texts.get(anchor, []))
            words = []
            # Quarto leaves a section's title empty when its heading holds a shortcode's value
            if not doc.get("section") and parser.headings.get(anchor):
                doc["section"] = " ".join("".join(parser.headings[anchor]).split())
        else:
            prose = _clean(parser.intro)
        doc["text"] = entry_text(prose, words, lang)
    path.write_text(json.dumps(docs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(docs)
