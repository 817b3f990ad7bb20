"""No respondent-level data leaves data/processed: Belgium's and every other country's respondents
stay there; what the build writes holds estimates only."""

from __future__ import annotations

import pandas as pd

from helpers.metadata import codebook

# what identifies processed, respondent-level data: its weights, the country's weight factor and
# the sample design's units (helpers.ingest.harmonise)
RESPONDENT_COLUMNS = {"weight", "weight_module", "country_factor", "stratum", "psu"}


def test_no_respondent_level_row_in_any_output(prepared):
    """Only estimates leave data/processed, Belgium's and every other country's alike: no table the
    build writes (the notebooks' tables, the precomputed estimates, the store, its open data and
    spreadsheets) has a respondent's weight or sampling unit among its columns."""
    import openpyxl

    seen = 0
    for path in sorted(prepared.rglob("*")):
        if path.suffix == ".csv":
            columns = set(pd.read_csv(path, nrows=0).columns)
        elif path.suffix == ".parquet":
            columns = set(pd.read_parquet(path).columns)
        elif path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            columns = {
                c for ws in book.worksheets for row in ws.iter_rows(max_row=1, values_only=True) for c in row
            }
        else:
            continue
        seen += 1
        assert not columns & RESPONDENT_COLUMNS, (path, columns & RESPONDENT_COLUMNS)
    assert seen > 100  # the tables, estimates and store were all looked at
    europe = pd.read_parquet(prepared / "estimates" / "europe-2024.parquet")
    assert set(europe["country"]) == {*codebook.load().eu27(), "EU27"}  # estimates per country, no more
