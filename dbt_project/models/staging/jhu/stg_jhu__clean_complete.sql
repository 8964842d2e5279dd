{%- set columns = [
    ['province_state', 'province_name', 'text'],
    ['country_region', 'location_name', 'text', true],
    ['lat', 'latitude', 'number'],
    ['long', 'longitude', 'number'],
    ['date', 'reported_date', 'date', true],
    ['confirmed', 'cases_cumulative', 'count'],
    ['deaths', 'deaths_cumulative', 'count'],
    ['recovered', 'recovered_cumulative', 'count'],
    ['active', 'active_cases', 'count'],
    ['who_region', 'who_region', 'text'],
] -%}

with source as (
    select * from {{ source('jhu', 'covid_19_clean_complete') }}
),

renamed as (
    select
        {{ parsed_columns(columns) }},
        {{ quarantine_reason_for(columns, keys=['location_name', 'province_name', 'reported_date']) }}
            as _quarantine_reason,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
