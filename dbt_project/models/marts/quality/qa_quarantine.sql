{#- Everything that could not be used, with the reason: lines the reader set aside (raw.rejected_lines),
    rows of every layout model, rows held back downstream (int_rows_held_back: unresolved location, unknown
    vaccine), and single cells of wide files. -#}
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

line_level as (
    select
        table_name as raw_table,
        'line' as quarantine_level,
        reason,
        source_file as _source_file,
        line as _source_line,
        load_id as _load_id
    from {{ source('ingest', 'rejected_lines') }}
),

held_back as (
    select
        _source_table as raw_table,
        'row' as quarantine_level,
        reason,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('int_rows_held_back') }}
),

series_level as (
    select
        _source_table as raw_table,
        'series' as quarantine_level,
        _held_back_reason as reason,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('int_epidemic_daily_completed') }}
    where _held_back_reason is not null
),

unioned as (
    select * from series_level
    union all
    select * from held_back
    union all
    select * from line_level
    union all
    select * from row_level
    union all
    select * from cell_level
),

final as (
    select
        cast(raw_table as {{ dbt.type_string() }}) as raw_table,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_line as bigint) as source_line,
        cast(quarantine_level as {{ dbt.type_string() }}) as quarantine_level,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(_load_id as {{ dbt.type_string() }}) as load_id
    from unioned
)

select * from final
