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
            cast('{{ entry.counts }}' as {{ dbt.type_string() }}) as measure,
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
    {{ empty_select(['_source_table', 'source_code', 'epidemic_code', 'location_name', ['reported_date', 'date'],
        'measure', ['case_count', 'bigint'], '_source_file', ['_source_line', 'bigint'], '_load_id']) }}
    {%- endfor %}
)

select * from counted
