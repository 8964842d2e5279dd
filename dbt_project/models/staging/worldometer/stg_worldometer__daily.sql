{%- set columns = [
    ['date', 'reported_date', 'date', true],
    ['country', 'location_name', 'text', true],
    ['cumulative_total_cases', 'cases_cumulative', 'count'],
    ['daily_new_cases', 'cases_new', 'count'],
    ['active_cases', 'active_total', 'count'],
    ['cumulative_total_deaths', 'deaths_cumulative', 'count'],
    ['daily_new_deaths', 'deaths_new', 'count'],
] -%}

with source as (
    select * from {{ source('worldometer', 'worldometer_coronavirus_daily_data') }}
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
