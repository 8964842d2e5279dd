{#- Wide -> long: one row per clean row of a wide file and date column. The date columns are read from
    the registry's header mapping (the dates parsed at load from the declared format), so new dates need
    no change. Empty cells are not reports and give no row; a cell that is not a whole number, breaks the
    catalog's rule for its measure (`min`) or is dated outside its epidemic (before it began, after the
    load date) is quarantined with its column. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_to_rebuild() }}",
    meta={'build_scope': '_source_table'},
) }}
{%- set entries = catalog_sources(layout='wide') -%}
{%- set id_columns = catalog_column_names(entries) or ['location_name'] -%}
{#- an incremental run: the files whose raw table changed (if none, the first file's shape, no rows) -#}
{%- set to_build = entries_to_build(entries) -%}
{%- set branches = to_build or entries[:1] -%}

with
{%- for entry in branches %}
{%- set date_columns = wide_date_columns(entry) %}

cells_{{ loop.index }} as (
    select
        wide_rows._source_table,
        wide_rows.source_code,
        wide_rows.epidemic_code,
        {%- for name in id_columns %}
        wide_rows.{{ name }},
        {%- endfor %}
        cast('{{ entry['values'] }}' as {{ dbt.type_string() }}) as measure,
        {%- set rules = catalog_spec()['columns'][entry['values']] %}
        cast({{ rules.get('min') if rules.get('min') is not none else 'null' }} as bigint) as measure_min,
        cells.header,
        cells.reported_date,
        cells.cell_value,
        wide_rows._source_file,
        wide_rows._source_line,
        wide_rows._load_id
    from {{ ref('stg_sources__wide_rows') }} as wide_rows
    inner join (
        {{ wide_date_cells(date_columns, source(entry.publisher, entry.table)) | indent(8) }}
    ) as cells
        on wide_rows._source_line = cells._source_line
    where
        wide_rows._source_table = '{{ entry.table }}'
        and wide_rows._quarantine_reason is null
        {%- if not to_build %}
        and 1 = 0
        {%- endif %}
),
{%- endfor %}

unioned as (
    {%- for entry in branches %}
    select * from cells_{{ loop.index }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    {{ empty_select(['_source_table', 'source_code', 'epidemic_code', 'location_name', 'measure',
        ['measure_min', 'bigint'], 'header', ['reported_date', 'date'], 'cell_value', '_source_file',
        ['_source_line', 'bigint'], '_load_id']) }}
    {%- endfor %}
),

epidemics as (
    select * from {{ ref('epidemics') }}
),

{#- Each cell trimmed once, then parsed from that (a count reads its text four times). -#}
trimmed_cells as (
    select
        unioned.*,
        {{ trimmed('unioned.cell_value') }} as cell_value__trimmed
    from unioned
    {{- parsed_once() }}
),

counted as (
    select
        trimmed_cells.*,
        {{ parse_count('cell_value__trimmed') }} as cell_count
    from trimmed_cells
    {{- parsed_once() }}
),

parsed as (
    select
        counted._source_table,
        counted.source_code,
        counted.epidemic_code,
        {%- for name in id_columns %}
        counted.{{ name }},
        {%- endfor %}
        counted.measure,
        counted.header,
        counted.reported_date,
        counted.cell_value,
        counted.cell_count,
        case
            when counted.cell_count is null
                then 'column ' || counted.header || ': ''' || counted.cell_value || ''' is not a whole number'
            when counted.cell_count < counted.measure_min
                then 'column ' || counted.header || ': ''' || counted.cell_value || ''' is below '
                || cast(counted.measure_min as {{ dbt.type_string() }})
            when counted.reported_date > {{ latest_valid_date() }}
                then 'column ' || counted.header || ': the date is after the load date'
            when counted.reported_date < epidemics.start_date
                then 'column ' || counted.header || ': the date is before ' || counted.epidemic_code || ' began ('
                || cast(epidemics.start_date as {{ dbt.type_string() }}) || ')'
        end as _quarantine_reason,
        counted._source_file,
        counted._source_line,
        counted._load_id
    from counted
    left join epidemics on counted.epidemic_code = epidemics.epidemic_code
)

select * from parsed
