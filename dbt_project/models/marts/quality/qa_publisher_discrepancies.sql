{#- JHU against worldometer, per country and day both publish: cumulative cases and deaths. -#}
with daily as (
    select * from {{ ref('fct_epidemic_daily') }}
    where epidemic_code = 'covid19' and country_iso3 is not null
),

jhu as (
    select * from daily
    where source_code = 'jhu'
),

worldometer as (
    select * from daily
    where source_code = 'worldometer'
),

final as (
    select
        cast(jhu.country_iso3 as text) as country_iso3,
        cast(jhu.location_name as text) as location_name,
        cast(jhu.date as date) as date,
        cast(jhu.cases_cumulative as bigint) as jhu_cases_cumulative,
        cast(worldometer.cases_cumulative as bigint) as worldometer_cases_cumulative,
        cast(worldometer.cases_cumulative - jhu.cases_cumulative as bigint) as cases_difference,
        cast(
            (worldometer.cases_cumulative - jhu.cases_cumulative) * 1.0
            / nullif(jhu.cases_cumulative, 0) as float8
        ) as cases_relative_difference,
        cast(jhu.deaths_cumulative as bigint) as jhu_deaths_cumulative,
        cast(worldometer.deaths_cumulative as bigint) as worldometer_deaths_cumulative,
        cast(worldometer.deaths_cumulative - jhu.deaths_cumulative as bigint) as deaths_difference
    from jhu
    inner join worldometer
        on jhu.country_iso3 = worldometer.country_iso3 and jhu.date = worldometer.date
)

select * from final
