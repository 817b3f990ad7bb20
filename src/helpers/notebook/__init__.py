"""notebook: what a theme notebook calls, and nothing else does.

One context per theme, wave and language with one method per figure (``report``), figures in the
house style (``figures``), figures of other published sources (``reference``) and the protocol by
which a figure cell's output carries its label, caption and alt text to the grid (``output``).

Reads: build/estimates/ (through estimate.precompute), data/reference/, the catalogues.
Writes: build/tables/<wave>/<lang>/<theme>/ (a figure's CSV, the theme's cube, changes and sample).
May import: core, metadata, estimate.
"""
