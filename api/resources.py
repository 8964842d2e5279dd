"""The REST resources: one per mart, with its path, model, key and who may read it."""

from __future__ import annotations

from dataclasses import dataclass

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

    @property
    def table(self):
        return self.model.__table__  # type: ignore[attr-defined]

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.table.primary_key.columns)


RESOURCES: tuple[Resource, ...] = (
    Resource("continents", marts.Continent, "Continents", Role.GUEST, "dimensions"),
    Resource("countries", marts.Country, "Countries with ISO codes and population", Role.GUEST, "dimensions"),
    Resource("epidemics", marts.Epidemic, "Epidemics", Role.GUEST, "dimensions"),
    Resource("vaccines", marts.Vaccine, "Vaccines and manufacturers", Role.GUEST, "dimensions"),
    Resource("dates", marts.CalendarDate, "Calendar days", Role.GUEST, "dimensions"),
    Resource("daily-statistics", marts.EpidemicDaily, "Daily cases and deaths per location, epidemic and source"),
    Resource("vaccinations", marts.Vaccination, "Vaccinations per location and day"),
    Resource("vaccinations-by-manufacturer", marts.VaccinationByManufacturer, "Vaccinations per vaccine"),
    Resource("country-snapshots", marts.CountrySnapshot, "Latest figures per location and source", Role.GUEST),
    Resource("quality/quarantine", marts.QuarantinedRow, "Rows that could not be used", tag="quality"),
    Resource("quality/unresolved-locations", marts.UnresolvedLocation, "Unresolved place names", tag="quality"),
    Resource("quality/reconciliation", marts.WorldReconciliation, "JHU world totals vs day_wise.csv", tag="quality"),
    Resource("quality/publisher-discrepancies", marts.PublisherDiscrepancy, "JHU vs worldometer", tag="quality"),
    Resource("quality/file-row-counts", marts.FileRowCount, "Raw, clean and quarantined rows per file", tag="quality"),
)
