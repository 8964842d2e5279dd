{#- Every row (or, for the wide mpox file, every cell) that could not be used, with the reason. -#}
with row_level as (
    {%- for model, raw_table in staging_models().items() %}
        select
            '{{ raw_table }}' as raw_table,
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
        'daily_country_wise_confirmed_cases' as raw_table,
        'cell' as quarantine_level,
        _quarantine_reason as reason,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('int_mpox_daily_cases_unpivoted') }}
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
