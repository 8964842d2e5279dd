{#- World totals per day: JHU's published day_wise.csv against the sum over all locations of the
    JHU series in fct_epidemic_daily and of the province-level covid_19_clean_complete.csv. -#}
with published as (
    select * from {{ ref('stg_sources__long') }}
    where _source_table = 'day_wise' and _quarantine_reason is null
),

from_mart as (
    select
        date as reported_date,
        sum(cases_cumulative) as cases_cumulative,
        sum(deaths_cumulative) as deaths_cumulative,
        sum(recovered_cumulative) as recovered_cumulative
    from {{ ref('fct_epidemic_daily') }}
    where epidemic_code = 'covid19' and source_code = 'jhu'
    group by date
),

from_provinces as (
    select
        reported_date,
        sum(cases_cumulative) as cases_cumulative,
        sum(deaths_cumulative) as deaths_cumulative,
        sum(recovered_cumulative) as recovered_cumulative
    from {{ ref('stg_sources__long') }}
    where _source_table = 'covid_19_clean_complete' and _quarantine_reason is null
    group by reported_date
),

final as (
    select
        cast(coalesce(published.reported_date, from_mart.reported_date) as date) as date,
        cast(published.cases_cumulative as bigint) as published_cases,
        cast(from_mart.cases_cumulative as bigint) as mart_cases,
        cast(from_provinces.cases_cumulative as bigint) as province_cases,
        cast(published.deaths_cumulative as bigint) as published_deaths,
        cast(from_mart.deaths_cumulative as bigint) as mart_deaths,
        cast(from_provinces.deaths_cumulative as bigint) as province_deaths,
        cast(published.recovered_cumulative as bigint) as published_recovered,
        cast(from_mart.recovered_cumulative as bigint) as mart_recovered,
        cast(from_provinces.recovered_cumulative as bigint) as province_recovered,
        coalesce(published.cases_cumulative = from_mart.cases_cumulative, false)
        and coalesce(published.deaths_cumulative = from_mart.deaths_cumulative, false)
        and coalesce(published.recovered_cumulative = from_mart.recovered_cumulative, false)
        and coalesce(published.cases_cumulative = from_provinces.cases_cumulative, false)
        and coalesce(published.deaths_cumulative = from_provinces.deaths_cumulative, false)
        and coalesce(published.recovered_cumulative = from_provinces.recovered_cumulative, false)
            as is_reconciled
    from published
    full outer join from_mart on published.reported_date = from_mart.reported_date
    left join
        from_provinces
        on coalesce(published.reported_date, from_mart.reported_date) = from_provinces.reported_date
)

select * from final
