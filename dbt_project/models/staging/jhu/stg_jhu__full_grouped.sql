{%- set columns = [
    ['date', 'reported_date', 'date', true],
    ['country_region', 'location_name', 'text', true],
    ['confirmed', 'cases_cumulative', 'count'],
    ['deaths', 'deaths_cumulative', 'count'],
    ['recovered', 'recovered_cumulative', 'count'],
    ['active', 'active_cases', 'count'],
    ['new_cases', 'cases_new', 'count'],
    ['new_deaths', 'deaths_new', 'count'],
    ['new_recovered', 'recovered_new', 'count'],
    ['who_region', 'who_region', 'text'],
] -%}

with source as (
    select * from {{ source('jhu', 'full_grouped') }}
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
