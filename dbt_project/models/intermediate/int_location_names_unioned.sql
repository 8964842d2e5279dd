{#- Every place name written in any file, with where it was written and how often: the places of the
    daily series (after provinces are placed) and the location column of every other long file. -#}
{%- set daily_tables = catalog_sources(feeds='daily') -%}

with daily_places as (
    select
        location_name,
        _source_file,
        count(*) as row_count
    from {{ ref('int_epidemic_daily_unioned') }}
    group by location_name, _source_file
),

other_places as (
    select
        location_name,
        _source_file,
        count(*) as row_count
    from {{ ref('stg_sources__long') }}
    where location_name is not null and _source_table not in {{ source_tables_in(daily_tables) }}
    group by location_name, _source_file
),

occurrences as (
    select * from daily_places
    union all
    select * from other_places
)

select * from occurrences
