-- Guards plausibility: cumulative deaths never exceed cumulative cases (daily fact and snapshots).
with daily as (
    select
        'fct_epidemic_daily' as model_name,
        epidemic_daily_id as row_id,
        source_code,
        location_name,
        date,
        cases_cumulative as cases,
        deaths_cumulative as deaths
    from {{ ref('fct_epidemic_daily') }}
    where deaths_cumulative > cases_cumulative
),

snapshots as (
    select
        'fct_country_snapshot' as model_name,
        country_snapshot_id as row_id,
        source_code,
        location_name,
        as_of_date as date,
        cases_total as cases,
        deaths_total as deaths
    from {{ ref('fct_country_snapshot') }}
    where deaths_total > cases_total
)

select * from daily
union all
select * from snapshots
