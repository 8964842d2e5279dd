"""The REST resources: one per mart, with its path, model, key and who may read and edit it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import SQLModel

from api.core.security import Role
from api.models import marts


@dataclass(frozen=True)
class Resource:
    path: str
    model: type[SQLModel]
    summary: str
    read_role: Role = Role.USER
    tag: str = "facts"
    # Columns that identify a row in the source. Facts have a surrogate primary key, the md5 of these
    # joined by '|' (dbt macro surrogate_key); dimensions are keyed by their natural key itself.
    natural_key: tuple[str, ...] = ()
    editable: bool = True

    @property
    def table(self):
        return self.model.__table__  # type: ignore[attr-defined]

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.table.primary_key.columns)

    @property
    def has_surrogate_key(self) -> bool:
        return bool(self.natural_key) and self.natural_key != self.key

    @property
    def identity_columns(self) -> tuple[str, ...]:
        """Columns an edit may not change: they decide which row it is."""
        return tuple(dict.fromkeys(self.key + self.natural_key))

    def surrogate_key(self, row: Mapping[str, Any]) -> str:
        """The primary key dbt computes for a fact row: md5 of the natural key's text joined by '|'."""
        text = "|".join("" if row.get(name) is None else str(row[name]) for name in self.natural_key)
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _quality(path: str, model: type[SQLModel], summary: str) -> Resource:
    return Resource(path, model, summary, tag="quality", editable=False)


RESOURCES: tuple[Resource, ...] = (
    Resource("continents", marts.Continent, "Continents", Role.GUEST, "dimensions"),
    Resource("countries", marts.Country, "Countries with ISO codes and population", Role.GUEST, "dimensions"),
    Resource("epidemics", marts.Epidemic, "Epidemics", Role.GUEST, "dimensions"),
    Resource("vaccines", marts.Vaccine, "Vaccines and manufacturers", Role.GUEST, "dimensions"),
    Resource("dates", marts.CalendarDate, "Calendar days", Role.GUEST, "dimensions"),
    # From the source catalog (ingest/catalog.yml): a new series is a catalog entry, not an edit.
    Resource("sources", marts.Source, "Publisher series (source codes)", Role.GUEST, "dimensions", editable=False),
    Resource(
        "daily-statistics",
        marts.EpidemicDaily,
        "Daily cases and deaths per location, epidemic and source",
        natural_key=("epidemic_code", "source_code", "location_name", "date"),
    ),
    Resource(
        "vaccinations", marts.Vaccination, "Vaccinations per location and day", natural_key=("location_name", "date")
    ),
    Resource(
        "vaccinations-by-manufacturer",
        marts.VaccinationByManufacturer,
        "Vaccinations per vaccine",
        natural_key=("location_name", "date", "vaccine_name"),
    ),
    Resource(
        "country-snapshots",
        marts.CountrySnapshot,
        "Latest figures per location and source",
        Role.GUEST,
        natural_key=("epidemic_code", "source_code", "location_name"),
    ),
    _quality("quality/quarantine", marts.QuarantinedRow, "Rows that could not be used"),
    _quality("quality/unresolved-locations", marts.UnresolvedLocation, "Unresolved place names"),
    _quality("quality/reconciliation", marts.WorldReconciliation, "JHU world totals vs day_wise.csv"),
    _quality("quality/publisher-discrepancies", marts.PublisherDiscrepancy, "Series against their reference series"),
    _quality("quality/file-row-counts", marts.FileRowCount, "Raw, clean and quarantined rows per file"),
)
EDITABLE = {resource.table.name: resource for resource in RESOURCES if resource.editable}
