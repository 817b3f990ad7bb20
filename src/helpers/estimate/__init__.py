"""estimate: weighted estimates with confidence intervals, disclosure control, changes between waves.

The estimator (``weighted``), changes by group between two waves (``change``) and every wave's
estimates and changes computed once per build (``precompute``, ``build/estimates/``).

Reads: data/processed/ (through ingest.processed), the codebook, data/settings.yaml.
Writes: build/estimates/.
May import: core, metadata, ingest.
"""
