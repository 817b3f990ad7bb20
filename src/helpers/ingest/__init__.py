"""ingest: survey files in, harmonised respondent-level data out (data/raw/ -> data/processed/).

Reading and validating ``.sav`` files (``surveyfile``), recoding them to the codebook's indicators
and breakdowns (``harmonise``), the ingest stage that writes ``data/processed/`` (``writer``), the
one reader of what it wrote (``processed``) and the synthetic generator (``synth``). Raw files are
only ever read.

Reads: data/raw/*.sav, the codebook.
Writes: data/raw/ (synth only, when asked), data/processed/<wave>.{parquet,quality.csv,json}.
May import: core, metadata.
"""
