{#- The latest-per-country files of every publisher, clean rows only, in one shape. -#}
with jhu_latest as (
    select
        'covid19' as epidemic_code,
        'jhu' as source_code,
        location_name,
        (select max(reported_date) from {{ ref('stg_jhu__full_grouped') }}) as as_of_date,
        cases_cumulative as cases_total,
        deaths_cumulative as deaths_total,
        recovered_cumulative as recovered_total,
        active_cases as active_total,
        cast(null as bigint) as serious_critical_total,
        cast(null as bigint) as tests_total,
        cast(null as bigint) as cases_suspected_total,
        cast(null as bigint) as hospitalized_total,
        cast(null as bigint) as population_reported,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('stg_jhu__country_wise_latest') }}
    where _quarantine_reason is null
),

worldometer_snapshot as (
    select
        'covid19' as epidemic_code,
        'worldometer' as source_code,
        location_name,
        cast(null as date) as as_of_date,
        cases_total,
        deaths_total,
        recovered_total,
        active_total,
        serious_critical_total,
        tests_total,
        cast(null as bigint) as cases_suspected_total,
        cast(null as bigint) as hospitalized_total,
        population_reported,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('stg_worldometer__snapshot') }}
    where _quarantine_reason is null
),

worldometer_summary as (
    select
        'covid19' as epidemic_code,
        'worldometer_summary' as source_code,
        location_name,
        (select max(reported_date) from {{ ref('stg_worldometer__daily') }}) as as_of_date,
        cases_total,
        deaths_total,
        recovered_total,
        active_total,
        serious_critical_total,
        tests_total,
        cast(null as bigint) as cases_suspected_total,
        cast(null as bigint) as hospitalized_total,
        population_reported,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('stg_worldometer__summary') }}
    where _quarantine_reason is null
),

mpox_worldwide as (
    select
        'mpox' as epidemic_code,
        'mpox' as source_code,
        location_name,
        (select max(reported_date) from {{ ref('int_mpox_daily_cases_unpivoted') }}) as as_of_date,
        cases_confirmed_total as cases_total,
        cast(null as bigint) as deaths_total,
        cast(null as bigint) as recovered_total,
        cast(null as bigint) as active_total,
        cast(null as bigint) as serious_critical_total,
        cast(null as bigint) as tests_total,
        cases_suspected_total,
        hospitalized_total,
        cast(null as bigint) as population_reported,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('stg_mpox__cases_worldwide') }}
    where _quarantine_reason is null
),

unioned as (
    select * from jhu_latest
    union all
    select * from worldometer_snapshot
    union all
    select * from worldometer_summary
    union all
    select * from mpox_worldwide
)

select * from unioned
