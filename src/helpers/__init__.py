"""Pipeline behind the Belgian report on working conditions and occupational risks.

One module per stage (see DESIGN.md): ``surveyfile`` (reading and validating .sav files),
``harmonise`` (codebook recodes), ``ingest`` (the ingest stage), ``estimate`` (weighted estimates
and disclosure control), ``figures`` (house style), ``i18n`` (translation and number formatting),
``runner`` (the notebook grid), ``postrender`` (the Quarto post-render step), ``synth`` (the
synthetic generator), ``quarto`` (the structural check) and ``cli`` (the command line).
"""

__all__ = ["PipelineError"]

from helpers.errors import PipelineError
