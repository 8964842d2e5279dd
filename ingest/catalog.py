"""The files the platform knows, recognised by name anywhere under the input folder.

Each entry names the raw table the file lands in and the header columns it must have.
Adding a source starts here (see README, "Adding a source").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceFile:
    """A known input file and the raw table it lands in (one table per file).

    `required_columns` is the publisher's whole header: staging reads every column, so a file missing
    one is rejected with a clear error instead of failing later in dbt. Extra columns are kept."""

    file_name: str
    publisher: str
    epidemic: str
    required_columns: tuple[str, ...]
    description: str
    wide_date_columns: bool = False

    @property
    def table(self) -> str:
        """Raw table name: the file name without extension, lower case."""
        return self.file_name.rsplit(".", 1)[0].lower()


CATALOG: tuple[SourceFile, ...] = (
    SourceFile(
        "covid_19_clean_complete.csv",
        publisher="jhu",
        epidemic="covid19",
        required_columns=(
            "Province/State",
            "Country/Region",
            "Lat",
            "Long",
            "Date",
            "Confirmed",
            "Deaths",
            "Recovered",
            "Active",
            "WHO Region",
        ),
        description="JHU CSSE cumulative counts per province/country per day",
    ),
    SourceFile(
        "full_grouped.csv",
        publisher="jhu",
        epidemic="covid19",
        required_columns=(
            "Date",
            "Country/Region",
            "Confirmed",
            "Deaths",
            "Recovered",
            "Active",
            "New cases",
            "New deaths",
            "New recovered",
            "WHO Region",
        ),
        description="JHU CSSE counts per country per day, cumulative and new",
    ),
    SourceFile(
        "day_wise.csv",
        publisher="jhu",
        epidemic="covid19",
        required_columns=(
            "Date",
            "Confirmed",
            "Deaths",
            "Recovered",
            "Active",
            "New cases",
            "New deaths",
            "New recovered",
            "Deaths / 100 Cases",
            "Recovered / 100 Cases",
            "Deaths / 100 Recovered",
            "No. of countries",
        ),
        description="JHU CSSE world totals per day, as published",
    ),
    SourceFile(
        "country_wise_latest.csv",
        publisher="jhu",
        epidemic="covid19",
        required_columns=(
            "Country/Region",
            "Confirmed",
            "Deaths",
            "Recovered",
            "Active",
            "New cases",
            "New deaths",
            "New recovered",
            "Deaths / 100 Cases",
            "Recovered / 100 Cases",
            "Deaths / 100 Recovered",
            "Confirmed last week",
            "1 week change",
            "1 week % increase",
            "WHO Region",
        ),
        description="JHU CSSE latest counts per country with one-week change",
    ),
    SourceFile(
        "worldometer_data.csv",
        publisher="worldometer",
        epidemic="covid19",
        required_columns=(
            "Country/Region",
            "Continent",
            "Population",
            "TotalCases",
            "NewCases",
            "TotalDeaths",
            "NewDeaths",
            "TotalRecovered",
            "NewRecovered",
            "ActiveCases",
            "Serious,Critical",
            "Tot Cases/1M pop",
            "Deaths/1M pop",
            "TotalTests",
            "Tests/1M pop",
            "WHO Region",
        ),
        description="Worldometer snapshot per country",
    ),
    SourceFile(
        "worldometer_coronavirus_daily_data.csv",
        publisher="worldometer",
        epidemic="covid19",
        required_columns=(
            "date",
            "country",
            "cumulative_total_cases",
            "daily_new_cases",
            "active_cases",
            "cumulative_total_deaths",
            "daily_new_deaths",
        ),
        description="Worldometer counts per country per day",
    ),
    SourceFile(
        "worldometer_coronavirus_summary_data.csv",
        publisher="worldometer",
        epidemic="covid19",
        required_columns=(
            "country",
            "continent",
            "total_confirmed",
            "total_deaths",
            "total_recovered",
            "active_cases",
            "serious_or_critical",
            "total_cases_per_1m_population",
            "total_deaths_per_1m_population",
            "total_tests",
            "total_tests_per_1m_population",
            "population",
        ),
        description="Worldometer summary per country",
    ),
    SourceFile(
        "country_vaccinations.csv",
        publisher="owid",
        epidemic="covid19",
        required_columns=(
            "country",
            "iso_code",
            "date",
            "total_vaccinations",
            "people_vaccinated",
            "people_fully_vaccinated",
            "daily_vaccinations_raw",
            "daily_vaccinations",
            "total_vaccinations_per_hundred",
            "people_vaccinated_per_hundred",
            "people_fully_vaccinated_per_hundred",
            "daily_vaccinations_per_million",
            "vaccines",
            "source_name",
            "source_website",
        ),
        description="Our World in Data vaccinations per country per day",
    ),
    SourceFile(
        "country_vaccinations_by_manufacturer.csv",
        publisher="owid",
        epidemic="covid19",
        required_columns=(
            "location",
            "date",
            "vaccine",
            "total_vaccinations",
        ),
        description="Our World in Data vaccinations per country, day and vaccine",
    ),
    SourceFile(
        "Daily_Country_Wise_Confirmed_Cases.csv",
        publisher="mpox",
        epidemic="mpox",
        required_columns=("Country",),
        description="Mpox new confirmed cases per country, one column per date (wide)",
        wide_date_columns=True,
    ),
    SourceFile(
        "Monkey_Pox_Cases_Worldwide.csv",
        publisher="mpox",
        epidemic="mpox",
        required_columns=(
            "Country",
            "Confirmed_Cases",
            "Suspected_Cases",
            "Hospitalized",
            "Travel_History_Yes",
            "Travel_History_No",
        ),
        description="Mpox case totals per country",
    ),
)

BY_FILE_NAME: dict[str, SourceFile] = {spec.file_name: spec for spec in CATALOG}
