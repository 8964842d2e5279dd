{{ config(indexes=postgres_indexes([['country_iso3', 'date'], ['location_name', 'date'], ['date']])) }}

{%- set series_key = ['epidemic_code', 'source_code', 'location_name'] -%}
{%- set daily_key = [
    'averaged.epidemic_code', 'averaged.source_code', 'averaged.location_name', 'averaged.reported_date',
] -%}

with located as (
    select * from {{ ref('int_epidemic_daily_located') }}
),

countries as (
    select * from {{ ref('dim_country') }}
),

completed as (
    {#- Fill what a publisher leaves out: `new` from the day-over-day change of `cumulative`
        (worldometer leaves first days empty), `cumulative` as the running sum of `new` (mpox only
        publishes new cases). Publisher values always win over derived ones. -#}
    select
        located.*,
        coalesce(
            located.cases_new,
            located.cases_cumulative - lag(located.cases_cumulative) over series
        ) as cases_new_filled,
        coalesce(
            located.deaths_new,
            located.deaths_cumulative - lag(located.deaths_cumulative) over series
        ) as deaths_new_filled,
        coalesce(
            located.recovered_new,
            located.recovered_cumulative - lag(located.recovered_cumulative) over series
        ) as recovered_new_filled,
        coalesce(
            located.cases_cumulative,
            sum(located.cases_new) over (series rows between unbounded preceding and current row)
        ) as cases_cumulative_filled,
        coalesce(
            located.deaths_cumulative,
            sum(located.deaths_new) over (series rows between unbounded preceding and current row)
        ) as deaths_cumulative_filled,
        min(located.reported_date)
            over (partition by located.epidemic_code, located.source_code, located.location_name)
            as series_start
    from located
    window series as (partition by epidemic_code, source_code, location_name order by reported_date)
),

averaged as (
    select
        completed.*,
        {{ trailing_average('cases_new_filled', 'reported_date', 'series_start', series_key) }} as cases_new_7d_avg,
        {{ trailing_average('deaths_new_filled', 'reported_date', 'series_start', series_key) }} as deaths_new_7d_avg
    from completed
),

final as (
    select
        cast({{ surrogate_key(daily_key) }} as text) as epidemic_daily_id,
        cast(averaged.epidemic_code as text) as epidemic_code,
        cast(averaged.source_code as text) as source_code,
        cast(averaged.location_name as text) as location_name,
        cast(averaged.country_iso3 as text) as country_iso3,
        cast(averaged.location_kind as text) as location_kind,
        cast(averaged.reported_date as date) as date,
        cast(averaged.cases_cumulative_filled as bigint) as cases_cumulative,
        cast(averaged.cases_new_filled as bigint) as cases_new,
        cast(averaged.deaths_cumulative_filled as bigint) as deaths_cumulative,
        cast(averaged.deaths_new_filled as bigint) as deaths_new,
        cast(averaged.recovered_cumulative as bigint) as recovered_cumulative,
        cast(averaged.recovered_new_filled as bigint) as recovered_new,
        cast(averaged.cases_new_7d_avg as float8) as cases_new_7d_avg,
        cast(averaged.deaths_new_7d_avg as float8) as deaths_new_7d_avg,
        cast(countries.population as bigint) as population,
        cast({{ per_million('averaged.cases_cumulative_filled', 'countries.population') }} as float8)
            as cases_cumulative_per_million,
        cast({{ per_million('averaged.deaths_cumulative_filled', 'countries.population') }} as float8)
            as deaths_cumulative_per_million,
        cast({{ per_million('averaged.cases_new_7d_avg', 'countries.population') }} as float8)
            as cases_new_7d_avg_per_million,
        cast({{ per_million('averaged.deaths_new_7d_avg', 'countries.population') }} as float8)
            as deaths_new_7d_avg_per_million,
        coalesce(averaged.cases_new_filled < 0, false) as is_cases_new_negative,
        coalesce(averaged.deaths_new_filled < 0, false) as is_deaths_new_negative,
        (averaged.cases_new is null and averaged.cases_new_filled is not null)
        or (averaged.cases_cumulative is null and averaged.cases_cumulative_filled is not null) as is_derived,
        cast(averaged.source_location_names as text) as source_location_names,
        cast(averaged._source_file as text) as source_file,
        cast(averaged._source_line as bigint) as source_line,
        cast(averaged._load_id as text) as load_id
    from averaged
    left join countries on averaged.country_iso3 = countries.country_iso3
)

{{ apply_api_edits('final', order_by=['country_iso3', 'date', 'epidemic_daily_id']) }}
