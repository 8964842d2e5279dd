{#- Line lists -> daily counts: one row per file, place and day with the number of clean case rows,
    as the measure the catalog names (`counts`, e.g. cases_new). -#}
{%- set entries = catalog_sources(layout='line_list') -%}

with cases as (
    select * from {{ ref('stg_sources__line_list') }}
    where _quarantine_reason is null
),

counted as (
    {%- for entry in entries %}
        select
            _source_table,
            source_code,
            epidemic_code,
            location_name,
            reported_date,
            cast('{{ entry.counts }}' as text) as measure,
            count(*) as case_count,
            min(_source_file) as _source_file,
            min(_source_line) as _source_line,
            max(_load_id) as _load_id
        from cases
        where _source_table = '{{ entry.table }}'
        group by _source_table, source_code, epidemic_code, location_name, reported_date
        {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        cast(null as text) as _source_table,
        cast(null as text) as source_code,
        cast(null as text) as epidemic_code,
        cast(null as text) as location_name,
        cast(null as date) as reported_date,
        cast(null as text) as measure,
        cast(null as bigint) as case_count,
        cast(null as text) as _source_file,
        cast(null as bigint) as _source_line,
        cast(null as text) as _load_id
    where 1 = 0
    {%- endfor %}
)

select * from counted
