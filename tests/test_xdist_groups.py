"""The suite's xdist groups hold: tests that share an expensive module fixture (a real-data or damaged-corpus
build) or the sample's Spark build run on one worker, which builds it once."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("grouping_check")


def test_a_grouped_test_runs_in_its_group(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by pytest-xdist with --dist loadgroup (make test does)")
    assert request.node.nodeid.endswith("@grouping_check"), (
        "pytest-xdist ignored the xdist_group mark: pytest 9.2 and pytest-xdist 3.8 do not work together "
        "(pytest-xdist#1386), pin pytest<9.2"
    )
