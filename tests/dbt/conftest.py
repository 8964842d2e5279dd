"""The sample warehouses (`sample_duckdb`, `sample_postgres`, `sample_spark` in tests/conftest.py) as one
parametrised fixture: on Spark the marts are read from the serving file they are published into."""

from __future__ import annotations

import pytest

from ingest.warehouse import Target


# The Spark build's readers share one xdist worker (`--dist loadgroup`), so the build runs once.
@pytest.fixture(params=["duckdb", "postgres", pytest.param("spark", marks=pytest.mark.xdist_group("spark_sample"))])
def sample_warehouse(request: pytest.FixtureRequest) -> Target:
    return request.getfixturevalue(f"sample_{request.param}")
