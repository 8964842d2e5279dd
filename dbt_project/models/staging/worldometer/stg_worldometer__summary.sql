{%- set columns = [
    ['country', 'location_name', 'text', true],
    ['continent', 'continent_name', 'text'],
    ['total_confirmed', 'cases_total', 'count'],
    ['total_deaths', 'deaths_total', 'count'],
    ['total_recovered', 'recovered_total', 'count'],
    ['active_cases', 'active_total', 'count'],
    ['serious_or_critical', 'serious_critical_total', 'count'],
    ['total_cases_per_1m_population', 'cases_per_million_reported', 'number'],
    ['total_deaths_per_1m_population', 'deaths_per_million_reported', 'number'],
    ['total_tests', 'tests_total', 'count'],
    ['total_tests_per_1m_population', 'tests_per_million_reported', 'number'],
    ['population', 'population_reported', 'count'],
] -%}

with source as (
    select * from {{ source('worldometer', 'worldometer_coronavirus_summary_data') }}
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
