{#- Every calendar day from the first to the last date any clean row mentions. -#}
with fact_dates as (
    select reported_date from {{ ref('int_epidemic_daily_unioned') }}
    union all
    select {{ column_or_null('long_rows', catalog_sources(layout='long'), 'reported_date') }} as reported_date
    from {{ ref('stg_sources__long') }} as long_rows
    where long_rows._quarantine_reason is null
),

bounds as (
    select
        min(reported_date) as first_date,
        max(reported_date) as last_date
    from fact_dates
),

days as (
    select cast(series.day_start as date) as date_day
    from bounds
    cross join {{ day_series('bounds.first_date', 'bounds.last_date') }} as series (day_start)
),

final as (
    select
        date_day as date,
        cast(extract(year from date_day) as integer) as year,
        cast(extract(quarter from date_day) as integer) as quarter,
        cast(extract(month from date_day) as integer) as month,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast({{ iso_day_of_week('date_day') }} as integer) as iso_day_of_week,
        cast(extract(week from date_day) as integer) as iso_week,
        cast(date_trunc('week', date_day) as date) as week_start,
        cast(date_trunc('month', date_day) as date) as month_start,
        {{ iso_day_of_week('date_day') }} in (6, 7) as is_weekend
    from days
)

{{ apply_api_edits('final') }}
