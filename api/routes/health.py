"""Liveness with a real database check."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends

from api.core.deps import get_warehouse
from api.core.errors import APIError
from api.core.warehouse import Warehouse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Check that the API can query the warehouse")
def healthz(warehouse: Annotated[Warehouse, Depends(get_warehouse)]) -> dict[str, Any]:
    try:
        warehouse.scalar(sa.text("select 1"))
    except APIError:
        raise
    except Exception as exc:
        raise APIError(503, "warehouse_unavailable", "the warehouse cannot be queried", details=str(exc)) from None
    return {"status": "ok", "target": warehouse.settings.elt_target}
