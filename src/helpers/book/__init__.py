"""book: from the executed notebooks to what Quarto renders (Quarto's pre-render step).

The estimates store (``store``), the numbers quoted in prose (``prose``), the generated tables
(``tables``), one block per figure (``blocks``), the data explorer (``explorer``), the imprint
(``edition``: cover, colophon, footer), where the edition comes from (``provenance``) and the step
that writes them all (``inputs``). It never opens data/processed/ and never imports matplotlib.

Reads: build/executed/, build/tables/, data/reference/, configuration.
Writes: build/store/, build/quarto/, _variables.yml.
May import: core, metadata.
"""
