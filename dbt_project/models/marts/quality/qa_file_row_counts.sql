{#- Per file of the catalog: rows in raw, rows clean in staging, rows quarantined. raw = clean + quarantined
    is tested; so is raw = the registry's loaded_rows. -#}
{%- set layout_models = {
    'long': 'stg_sources__long', 'wide': 'stg_sources__wide_rows', 'line_list': 'stg_sources__line_list',
} -%}

with registry as (
    select * from {{ source('ingest', 'file_registry') }}
),

staged_counts as (
    {%- for layout, model in layout_models.items() %}
        select
            _source_table as raw_table,
            count(*) filter (where _quarantine_reason is null) as clean_rows,
            count(*) filter (where _quarantine_reason is not null) as quarantined_rows
        from {{ ref(model) }}
        group by _source_table
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
        cast(raw_counts.raw_table as text) as raw_table,
        cast(registry.file_name as text) as file_name,
        cast(registry.source_file as text) as source_file,
        cast(registry.loaded_rows as bigint) as registry_rows,
        cast(raw_counts.raw_rows as bigint) as raw_rows,
        cast(coalesce(staged_counts.clean_rows, 0) as bigint) as clean_rows,
        cast(coalesce(staged_counts.quarantined_rows, 0) as bigint) as quarantined_rows,
        cast(registry.status as text) as last_status,
        cast(registry.last_loaded_at as timestamp) as last_loaded_at
    from raw_counts
    left join staged_counts on raw_counts.raw_table = staged_counts.raw_table
    left join registry on raw_counts.raw_table = registry.table_name
)

select * from final
