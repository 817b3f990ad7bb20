"""Root conftest: point the pipeline at temporary data before anything imports helpers.

The tests and the notebooks run by nbval (whose kernels inherit the environment) read synthetic
data generated once per session into a temporary folder, never the repository's data/ or build/.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

if "EWCS_PROCESSED_DIR" not in os.environ:
    _tmp = Path(tempfile.mkdtemp(prefix="ewcs-tests-"))
    os.environ["EWCS_RAW_DIR"] = str(_tmp / "raw")
    os.environ["EWCS_PROCESSED_DIR"] = str(_tmp / "processed")
    os.environ["EWCS_BUILD_DIR"] = str(_tmp / "build")
    from helpers.ingest import synth, writer  # noqa: E402  (after the environment is set)

    synth.synth(log=lambda *_: None)
    writer.ingest(log=lambda *_: None)
