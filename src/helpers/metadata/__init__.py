"""metadata: what the project knows about its sources, read from configuration under data/.

The codebook (``codebook``: waves, scales, breakdowns, indicators, their per-wave variables and
labels) and the other published sources (``sources``: ``data/reference/<source>/``, validated, and
their values labelled for readers).

Reads: data/codebook/*.yaml, data/reference/<source>/{data.csv,source.yaml}.
May import: core.
"""
