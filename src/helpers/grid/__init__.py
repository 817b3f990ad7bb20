"""grid: every theme notebook x wave x language executed by papermill, in parallel, cached.

The grid and its jobs (``runner``), their cache keys (``keys``), the warm kernel each worker keeps
(``kernel``) and the executed notebook made publishable (``finalise``). It runs notebooks; it never
imports what they import.

Reads: notebooks/*.ipynb, data/processed/ (only to hash it), configuration.
Writes: build/executed/<wave>/<lang>/<theme>.{ipynb,json}, build/tables/ (through the notebooks).
May import: core, metadata.
"""
