{#- Every place name written in any file, with where it was written and how often. -#}
{%- set located_models = [
    'stg_jhu__clean_complete',
    'stg_jhu__full_grouped',
    'stg_jhu__country_wise_latest',
    'stg_worldometer__snapshot',
    'stg_worldometer__daily',
    'stg_worldometer__summary',
    'stg_owid__vaccinations',
    'stg_owid__vaccinations_by_manufacturer',
    'stg_mpox__daily_confirmed_wide',
    'stg_mpox__cases_worldwide',
] -%}

with occurrences as (
    {%- for model in located_models %}
        select
            location_name,
            '{{ model }}' as staging_model,
            _source_file,
            count(*) as row_count
        from {{ ref(model) }}
        where location_name is not null
        group by location_name, _source_file
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}
)

select * from occurrences
