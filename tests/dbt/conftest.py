"""The sample warehouses (`sample_duckdb`, `sample_postgres`, in tests/conftest.py) as one parametrised fixture."""

from __future__ import annotations

import pytest

from ingest.warehouse import Target


@pytest.fixture(params=["duckdb", "postgres"])
def sample_warehouse(request: pytest.FixtureRequest) -> Target:
    return request.getfixturevalue(f"sample_{request.param}")
