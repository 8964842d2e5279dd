{%- set columns = [
    ['country', 'location_name', 'text', true],
    ['iso_code', 'iso_code_reported', 'text'],
    ['date', 'reported_date', 'date', true],
    ['total_vaccinations', 'doses_total', 'count'],
    ['people_vaccinated', 'people_vaccinated', 'count'],
    ['people_fully_vaccinated', 'people_fully_vaccinated', 'count'],
    ['daily_vaccinations_raw', 'doses_daily_raw', 'count'],
    ['daily_vaccinations', 'doses_daily_smoothed', 'count'],
    ['total_vaccinations_per_hundred', 'doses_per_hundred', 'number'],
    ['people_vaccinated_per_hundred', 'people_vaccinated_per_hundred', 'number'],
    ['people_fully_vaccinated_per_hundred', 'people_fully_vaccinated_per_hundred', 'number'],
    ['daily_vaccinations_per_million', 'doses_daily_per_million', 'number'],
    ['vaccines', 'vaccines_list', 'text'],
    ['source_name', 'reporting_source_name', 'text'],
    ['source_website', 'reporting_source_url', 'text'],
] -%}

with source as (
    select * from {{ source('owid', 'country_vaccinations') }}
),

renamed as (
    select
        {{ parsed_columns(columns) }},
        {{ quarantine_reason_for(columns, keys=['location_name', 'reported_date']) }} as _quarantine_reason,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
