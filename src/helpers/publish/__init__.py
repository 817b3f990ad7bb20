"""publish: the rendered report: Quarto's render, its post-render step, and the checks.

Rendering each language that changed (``render``), linking the editions after Quarto
(``postrender``), the structural check of the book's sources (``check``) and of the rendered site
(``check_site``).

Reads: the project's Quarto files and chapters, build/quarto/, build/store/, _site/.
Writes: _site/.
May import: core, metadata, book.
"""
