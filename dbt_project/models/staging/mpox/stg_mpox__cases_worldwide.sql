{%- set columns = [
    ['country', 'location_name', 'text', true],
    ['confirmed_cases', 'cases_confirmed_total', 'count'],
    ['suspected_cases', 'cases_suspected_total', 'count'],
    ['hospitalized', 'hospitalized_total', 'count'],
    ['travel_history_yes', 'cases_with_travel_history', 'count'],
    ['travel_history_no', 'cases_without_travel_history', 'count'],
] -%}

with source as (
    select * from {{ source('mpox', 'monkey_pox_cases_worldwide') }}
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
