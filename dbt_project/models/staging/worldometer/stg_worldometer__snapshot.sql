{%- set columns = [
    ['country_region', 'location_name', 'text', true],
    ['continent', 'continent_name', 'text'],
    ['population', 'population_reported', 'count'],
    ['total_cases', 'cases_total', 'count'],
    ['new_cases', 'cases_new', 'count'],
    ['total_deaths', 'deaths_total', 'count'],
    ['new_deaths', 'deaths_new', 'count'],
    ['total_recovered', 'recovered_total', 'count'],
    ['new_recovered', 'recovered_new', 'count'],
    ['active_cases', 'active_total', 'count'],
    ['serious_critical', 'serious_critical_total', 'count'],
    ['tot_cases_1_m_pop', 'cases_per_million_reported', 'number'],
    ['deaths_1_m_pop', 'deaths_per_million_reported', 'number'],
    ['total_tests', 'tests_total', 'count'],
    ['tests_1_m_pop', 'tests_per_million_reported', 'number'],
    ['who_region', 'who_region', 'text'],
] -%}

with source as (
    select * from {{ source('worldometer', 'worldometer_data') }}
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
