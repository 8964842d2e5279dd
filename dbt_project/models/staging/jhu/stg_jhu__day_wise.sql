{%- set columns = [
    ['date', 'reported_date', 'date', true],
    ['confirmed', 'cases_cumulative', 'count'],
    ['deaths', 'deaths_cumulative', 'count'],
    ['recovered', 'recovered_cumulative', 'count'],
    ['active', 'active_cases', 'count'],
    ['new_cases', 'cases_new', 'count'],
    ['new_deaths', 'deaths_new', 'count'],
    ['new_recovered', 'recovered_new', 'count'],
    ['deaths_100_cases', 'deaths_per_100_cases', 'number'],
    ['recovered_100_cases', 'recovered_per_100_cases', 'number'],
    ['deaths_100_recovered', 'deaths_per_100_recovered', 'number'],
    ['no_of_countries', 'countries_reporting', 'count'],
] -%}

with source as (
    select * from {{ source('jhu', 'day_wise') }}
),

renamed as (
    select
        {{ parsed_columns(columns) }},
        {{ quarantine_reason_for(columns, keys=['reported_date']) }} as _quarantine_reason,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
