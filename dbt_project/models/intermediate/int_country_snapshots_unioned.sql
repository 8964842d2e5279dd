{#- The latest-per-country files of every publisher, clean rows only, in one shape. A snapshot is
    dated by the last day of the same publisher's daily series; worldometer_data.csv has no date
    (its figures are not tied to the daily file). -#}
with as_of as (
    select
        (select max(reported_date) from {{ ref('stg_jhu__full_grouped') }}) as jhu_date,
        (select max(reported_date) from {{ ref('stg_worldometer__daily') }}) as worldometer_date,
        (select max(reported_date) from {{ ref('int_mpox_daily_cases_unpivoted') }}) as mpox_date
),

jhu_latest as (
    select
        'covid19' as epidemic_code,
        'jhu' as source_code,
        location_name,
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
),

dated as (
    select
        unioned.*,
        case
            when unioned.source_code = 'jhu' then as_of.jhu_date
            when unioned.source_code = 'worldometer_summary' then as_of.worldometer_date
            when unioned.source_code = 'mpox' then as_of.mpox_date
        end as as_of_date
    from unioned
    cross join as_of
)

select * from dated
