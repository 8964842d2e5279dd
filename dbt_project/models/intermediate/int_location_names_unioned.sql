{#- Every place name the marts resolve, with where it was written and how often: the places of the daily
    series (after provinces are placed) and of the files that feed the snapshots and vaccinations. -#}
{%- set located_long = catalog_sources(layout='long', feeds='snapshot')
    + catalog_sources(layout='long', feeds='vaccinations')
    + catalog_sources(layout='long', feeds='vaccinations_by_manufacturer') -%}

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
        {{ column_or_null('long_rows', catalog_sources(layout='long'), 'location_name') }} as location_name,
        long_rows._source_file,
        count(*) as row_count
    from {{ ref('stg_sources__long') }} as long_rows
    where long_rows._source_table in {{ source_tables_in(located_long) }}
    group by {{ column_or_null('long_rows', catalog_sources(layout='long'), 'location_name') }}, long_rows._source_file
    having {{ column_or_null('long_rows', catalog_sources(layout='long'), 'location_name') }} is not null
),

occurrences as (
    select * from daily_places
    union all
    select * from other_places
)

select * from occurrences
