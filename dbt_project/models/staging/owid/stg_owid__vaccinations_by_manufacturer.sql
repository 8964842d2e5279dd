{%- set columns = [
    ['location', 'location_name', 'text', true],
    ['date', 'reported_date', 'date', true],
    ['vaccine', 'vaccine_name', 'text', true],
    ['total_vaccinations', 'doses_total', 'count'],
] -%}

with source as (
    select * from {{ source('owid', 'country_vaccinations_by_manufacturer') }}
),

renamed as (
    select
        {{ parsed_columns(columns) }},
        {{ quarantine_reason_for(columns, keys=['location_name', 'reported_date', 'vaccine_name']) }}
            as _quarantine_reason,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
