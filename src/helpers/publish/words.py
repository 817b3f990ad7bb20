"""Words of each language: the phrases of one language's catalogue and codebook labels that the
other language's pages must not contain (a profile block or a label that leaked)."""

from __future__ import annotations

import re

from helpers.core import i18n
from helpers.metadata import codebook as codebook_mod


def _strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [str(node)] if isinstance(node, str) else []


def _phrases(lang: str) -> set[str]:
    """Reader-facing phrases of a language: catalogue texts and codebook labels, split at placeholders."""
    cb = codebook_mod.load()
    texts = _strings(i18n.catalogue(lang))
    for ind in cb.indicators.values():
        texts += [ind["label"][lang], ind["short"][lang]]
    for b in cb.breakdowns.values():
        texts += [b["label"][lang], *(c[lang] for c in b["categories"].values())]
    out = set()
    for text in texts:
        for piece in re.split(r"\{[^}]*\}|[()\[\]:;,.!?*]", text):
            piece = piece.strip(" -–'\"")
            if len(piece) >= 6 and re.search(r"[^\W\d]{4}", piece):
                out.add(piece)
    return out


def _foreign_phrases(lang: str) -> list[str]:
    own = _phrases(lang)
    others = set().union(*(_phrases(x) for x in i18n.languages() if x != lang))
    return sorted(others - own, key=len, reverse=True)


def foreign_pattern(lang: str):
    phrases = _foreign_phrases(lang)
    if not phrases:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")
