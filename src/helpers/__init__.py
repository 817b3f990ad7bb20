"""Pipeline behind the Belgian report on working conditions and occupational risks.

One subpackage per stage, each reading the previous stage's files (``../shared/DESIGN.md``, the
README's "How it fits together"): ``core`` (shared by all), ``metadata`` (codebook, other sources),
``ingest`` (raw -> processed), ``estimate`` (processed -> estimates), ``notebook`` (what a theme
notebook calls), ``grid`` (papermill runs the notebooks), ``book`` (the store and what Quarto
renders), ``publish`` (render, post-render, checks). ``pipeline`` alone chains the stages; ``cli``
is the command line. Each subpackage's docstring says what it may import; a test holds it.
"""

__all__ = ["PipelineError"]

from helpers.core.errors import PipelineError
