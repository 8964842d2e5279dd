{#- Per loaded file: rows in raw, rows clean in staging, rows quarantined. raw = clean + quarantined
    is tested; so is raw = the registry's loaded_rows. -#}
with registry as (
    select * from {{ source('ingest', 'file_registry') }}
),

raw_counts as (
    {%- for model, raw_table in staging_models().items() %}
        select
            '{{ raw_table }}' as raw_table,
            (select count(*) from {{ source(model.split('__')[0][4:], raw_table) }}) as raw_rows,
            count(*) filter (where _quarantine_reason is null) as clean_rows,
            count(*) filter (where _quarantine_reason is not null) as quarantined_rows
        from {{ ref(model) }}
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
        cast(raw_counts.clean_rows as bigint) as clean_rows,
        cast(raw_counts.quarantined_rows as bigint) as quarantined_rows,
        cast(registry.status as text) as last_status,
        cast(registry.last_loaded_at as timestamp) as last_loaded_at
    from raw_counts
    left join registry on raw_counts.raw_table = registry.table_name
)

select * from final
