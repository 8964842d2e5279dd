{#- Per file of the catalog: data lines in the file, lines the reader rejected, rows in raw, rows clean in
    staging, rows quarantined. lines = raw + rejected, raw = clean + quarantined and raw = the registry's
    loaded_rows are tested. -#}
{%- set layout_models = {
    'long': 'stg_sources__long', 'wide': 'stg_sources__wide_rows', 'line_list': 'stg_sources__line_list',
} -%}

with registry as (
    select * from {{ source('ingest', 'file_registry') }}
),

held_back as (
    select distinct
        _source_file,
        _source_line
    from {{ ref('int_rows_held_back') }}
),

staged_counts as (
    {%- for layout, model in layout_models.items() %}
        select
            staged._source_table as raw_table,
            count(*) filter (
                where staged._quarantine_reason is null and held_back._source_line is null
            ) as clean_rows,
            count(*) filter (
                where staged._quarantine_reason is not null or held_back._source_line is not null
            ) as quarantined_rows
        from {{ ref(model) }} as staged
        left join held_back
            on staged._source_file = held_back._source_file and staged._source_line = held_back._source_line
        group by staged._source_table
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}
),

raw_counts as (
    {%- for entry in catalog_sources() %}
        select
            '{{ entry.table }}' as raw_table,
            count(*) as raw_rows
        from {{ source(entry.publisher, entry.table) }}
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        cast(raw_counts.raw_table as {{ dbt.type_string() }}) as raw_table,
        cast(registry.file_name as {{ dbt.type_string() }}) as file_name,
        cast(registry.source_file as {{ dbt.type_string() }}) as source_file,
        cast(registry.data_lines as bigint) as file_lines,
        cast(registry.rejected_lines as bigint) as rejected_lines,
        cast(registry.loaded_rows as bigint) as registry_rows,
        cast(raw_counts.raw_rows as bigint) as raw_rows,
        cast(coalesce(staged_counts.clean_rows, 0) as bigint) as clean_rows,
        cast(coalesce(staged_counts.quarantined_rows, 0) as bigint) as quarantined_rows,
        cast(registry.status as {{ dbt.type_string() }}) as last_status,
        cast(registry.last_loaded_at as timestamp) as last_loaded_at
    from raw_counts
    left join staged_counts on raw_counts.raw_table = staged_counts.raw_table
    left join registry on raw_counts.raw_table = registry.table_name
)

select * from final
