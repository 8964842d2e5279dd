{#- One row per source code of the catalog (ingest/catalog.yml): the series a figure belongs to. -#}
{%- set codes = catalog_spec()['source_codes'] -%}

with catalog_codes as (
    {%- for code, spec in codes.items() %}
        select
            '{{ code }}' as source_code,
            '{{ spec.epidemic }}' as epidemic_code,
            '{{ sql_text(spec.description) }}' as description,
            {{ "'" ~ spec.compare_with ~ "'" if spec.compare_with else 'null' }} as reference_source_code,
            '{{ sql_text(spec.files | join(", ")) }}' as file_names
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        cast(source_code as {{ dbt.type_string() }}) as source_code,
        cast(epidemic_code as {{ dbt.type_string() }}) as epidemic_code,
        cast(description as {{ dbt.type_string() }}) as description,
        cast(reference_source_code as {{ dbt.type_string() }}) as reference_source_code,
        cast(file_names as {{ dbt.type_string() }}) as file_names
    from catalog_codes
)

select * from final
