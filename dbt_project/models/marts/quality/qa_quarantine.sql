{#- Every row that could not be used, with the reason: rows of every layout model, and single cells of
    wide files. -#}
with row_level as (
    {%- for model in ['stg_sources__long', 'stg_sources__wide_rows', 'stg_sources__line_list'] %}
        select
            _source_table as raw_table,
            'row' as quarantine_level,
            _quarantine_reason as reason,
            _source_file,
            _source_line,
            _load_id
        from {{ ref(model) }}
        where _quarantine_reason is not null
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}
),

cell_level as (
    select
        _source_table as raw_table,
        'cell' as quarantine_level,
        _quarantine_reason as reason,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('int_wide_cells_unpivoted') }}
    where _quarantine_reason is not null
),

unioned as (
    select * from row_level
    union all
    select * from cell_level
),

final as (
    select
        cast(raw_table as text) as raw_table,
        cast(_source_file as text) as source_file,
        cast(_source_line as bigint) as source_line,
        cast(quarantine_level as text) as quarantine_level,
        cast(reason as text) as reason,
        cast(_load_id as text) as load_id
    from unioned
)

select * from final
