{#- The located daily series completed: values a publisher leaves out derived from the others, trailing
    7-day averages, and a check across the files of a series: once combined (the JHU time series gives cases
    and deaths in two files) a day whose deaths to date exceed its cases to date, or whose count to date
    is below 0 once new counts are summed, is held back with the reason (`_held_back_reason`; listed in
    qa_quarantine), the other days are published. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_to_rebuild() }}",
    meta={'build_scope': 'source_code'},
) }}
{%- set series_key = ['epidemic_code', 'source_code', 'location_name'] -%}

with located as (
    select * from {{ ref('int_epidemic_daily_located') }}
    where {{ in_build_scope('source_code') }}
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
            sum(located.cases_new) over series_to_date
        ) as cases_cumulative_filled,
        coalesce(
            located.deaths_cumulative,
            sum(located.deaths_new) over series_to_date
        ) as deaths_cumulative_filled,
        min(located.reported_date)
            over (partition by located.epidemic_code, located.source_code, located.location_name)
            as series_start
    from located
    -- series_to_date repeats series: Spark cannot add a frame to a named window
    window
        series as (partition by epidemic_code, source_code, location_name order by reported_date),
        series_to_date as (
            partition by epidemic_code, source_code, location_name
            order by reported_date
            rows between unbounded preceding and current row
        )
),

averaged as (
    select
        completed.*,
        cast(
            {{ trailing_average('cases_new_filled', 'reported_date', 'series_start', series_key) }}
            as {{ type_double() }}
        ) as cases_new_7d_avg,
        cast(
            {{ trailing_average('deaths_new_filled', 'reported_date', 'series_start', series_key) }}
            as {{ type_double() }}
        ) as deaths_new_7d_avg
    from completed
),

checked as (
    select
        averaged.*,
        case
            when averaged.cases_cumulative_filled < 0 or averaged.deaths_cumulative_filled < 0
                or averaged.recovered_cumulative < 0
                then 'a count to date below 0 once the new counts of the series are summed'
            when averaged.deaths_cumulative_filled > averaged.cases_cumulative_filled
                then 'deaths to date (' || cast(averaged.deaths_cumulative_filled as {{ dbt.type_string() }})
                    || ') above cases to date (' || cast(averaged.cases_cumulative_filled as {{ dbt.type_string() }})
                    || ') once the files of the series are combined'
        end as _held_back_reason
    from averaged
)

select * from checked
