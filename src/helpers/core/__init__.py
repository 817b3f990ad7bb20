"""core: what every stage shares, and nothing that belongs to one stage.

Errors a user can act on (``errors``), the project's folders and settings and the edition's wave
(``config``), translation catalogues and number formatting (``i18n``), working folders, atomic
writes and file hashes (``workdir``), every path of ``build/`` and ``data/processed/`` (``layout``),
the columns of the files one stage writes and another reads (``schema``), independent pieces of work
in forked processes (``processes``) and the stages themselves, read from these docstrings (``stages``).

Reads: data/settings.yaml, data/i18n/<lang>.yaml.
May import: (nothing of helpers but core).
"""
