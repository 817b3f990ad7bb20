"""One error type for everything a user can act on."""

from __future__ import annotations


class PipelineError(Exception):
    """A bad input or failed step, described in one line a user can act on.

    The message names what is known of: the file, the wave, the variable, what was found and
    what was expected.
    """

    def __init__(self, problem: str, *, file=None, wave=None, variable=None, expected=None):
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.wave = wave
        self.variable = variable
        self.expected = expected
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.wave is not None:
            where.append(f"wave {self.wave}")
        if self.variable:
            where.append(f"variable {self.variable}")
        text = ": ".join([", ".join(where), self.problem]) if where else self.problem
        if self.expected:
            text += f"; expected {self.expected}"
        return text
