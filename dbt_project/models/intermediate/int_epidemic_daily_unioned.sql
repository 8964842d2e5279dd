{#- The daily series of every publisher, clean rows only, at the publisher's own grain and names. -#}
with jhu as (
    select
        'covid19' as epidemic_code,
        'jhu' as source_code,
        location_name,
        reported_date,
        cases_cumulative,
        cases_new,
        deaths_cumulative,
        deaths_new,
        recovered_cumulative,
        recovered_new,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('stg_jhu__full_grouped') }}
    where _quarantine_reason is null
),

worldometer as (
    select
        'covid19' as epidemic_code,
        'worldometer' as source_code,
        location_name,
        reported_date,
        cases_cumulative,
        cases_new,
        deaths_cumulative,
        deaths_new,
        cast(null as bigint) as recovered_cumulative,
        cast(null as bigint) as recovered_new,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('stg_worldometer__daily') }}
    where _quarantine_reason is null
),

mpox as (
    select
        'mpox' as epidemic_code,
        'mpox' as source_code,
        location_name,
        reported_date,
        cast(null as bigint) as cases_cumulative,
        cases_new,
        cast(null as bigint) as deaths_cumulative,
        cast(null as bigint) as deaths_new,
        cast(null as bigint) as recovered_cumulative,
        cast(null as bigint) as recovered_new,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('int_mpox_daily_cases_unpivoted') }}
    where _quarantine_reason is null
),

unioned as (
    select * from jhu
    union all
    select * from worldometer
    union all
    select * from mpox
)

select * from unioned
