"""book: from the executed notebooks to what Quarto renders (Quarto's pre-render step).

The estimates store (``store``), the numbers quoted in prose (``prose``), the generated tables
(``tables``), one block per figure (``blocks``), the data explorer (``explorer``), the imprint
(``edition``: cover, colophon, footer), the home page's findings (``home``), where the edition
comes from (``provenance``) and the step that writes them all (``inputs``). It never opens
data/processed/ and never imports matplotlib.

Reads: build/executed/, build/tables/, data/reference/, configuration.
Writes: build/store/, build/quarto/, _variables.yml.
May import: core, metadata, estimate.

Of the estimate stage it uses the rules on published estimates only (which finding a title or
sentence may state: helpers.estimate.findings), never its reading of data/processed/.
"""
