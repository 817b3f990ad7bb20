"""publish: the rendered report: Quarto's render, its post-render step, and the checks.

Rendering each language that changed (``render``), linking the editions after Quarto
(``postrender``), the editions of a publication folder (``editions``: ``python -m helpers publish
DEST``, the landing pages, ``editions.js``, the sitemap), the structural check of the book's
sources (``check``) and of the rendered site (``check_site``).

Reads: the project's Quarto files and chapters, build/quarto/, build/store/, _site/.
Writes: _site/, and the publication folder DEST given to `publish`.
May import: core, metadata, book.
"""
