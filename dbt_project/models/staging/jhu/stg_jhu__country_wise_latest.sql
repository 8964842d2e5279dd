{%- set columns = [
    ['country_region', 'location_name', 'text', true],
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
    ['confirmed_last_week', 'cases_cumulative_week_before', 'count'],
    ['_1_week_change', 'cases_one_week_change', 'count'],
    ['_1_week_increase', 'cases_one_week_increase_pct', 'number'],
    ['who_region', 'who_region', 'text'],
] -%}

with source as (
    select * from {{ source('jhu', 'country_wise_latest') }}
),

renamed as (
    select
        {{ parsed_columns(columns) }},
        {{ quarantine_reason_for(columns, keys=['location_name']) }} as _quarantine_reason,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
