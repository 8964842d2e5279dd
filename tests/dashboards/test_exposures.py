"""dbt_project/models/exposures.yml is generated from the specs and the API, and dbt resolves it."""

from __future__ import annotations

from typing import Any

from dashboards import exposures
from dashboards.spec import load_specs


def test_exposures_file_is_current() -> None:
    assert exposures.main(["--check"]) == 0, "run `make exposures`"


def test_dbt_resolves_every_exposure(dbt_manifest: dict[str, Any]) -> None:
    found = {e["name"]: e for e in dbt_manifest["exposures"].values()}
    for dashboard in load_specs():
        exposure = found[f"dashboard_{dashboard.key}"]
        assert exposure["type"] == "dashboard" and exposure["owner"]["name"]
        assert exposure["url"].startswith("http")
        assert exposure["depends_on"]["nodes"] == [f"model.epidemic.{mart}" for mart in dashboard.marts]
    api = found["rest_api"]
    assert api["type"] == "application"
    assert api["depends_on"]["nodes"] == [f"model.epidemic.{mart}" for mart in exposures.api_marts()]
