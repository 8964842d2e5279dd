{#- Every (raw table, file, load) the daily and snapshot rows come from: a handful of rows, the dictionary
    locate_and_collapse ranks its rows' provenance against. A table, not a CTE: a DISTINCT over millions of
    rows is estimated at millions, and DuckDB then built its joins on the wrong side (out of memory at 100x). -#}
{%- set relations = [ref('int_epidemic_daily_unioned'), ref('int_country_snapshots_unioned')] %}

with provenance as (
    {%- for relation in relations %}
    select distinct
        _source_table,
        _source_file,
        _load_id
    from {{ relation }}
    {%- if not loop.last %}
    union
    {%- endif %}
    {%- endfor %}
)

select * from provenance
