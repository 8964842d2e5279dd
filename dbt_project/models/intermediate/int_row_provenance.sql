{#- Every (raw table, file, load) the daily and snapshot rows come from: a handful of rows, the dictionary
    locate_and_collapse ranks its rows' provenance against. A table, not a CTE: a DISTINCT over millions of
    rows is estimated at millions, and DuckDB then built its joins on the wrong side (out of memory at 100x). -#}

with daily as (
    select distinct
        _source_table,
        _source_file,
        _load_id
    from {{ ref('int_epidemic_daily_unioned') }}
),

snapshots as (
    select distinct
        _source_table,
        _source_file,
        _load_id
    from {{ ref('int_country_snapshots_unioned') }}
)

select * from daily
union
select * from snapshots
