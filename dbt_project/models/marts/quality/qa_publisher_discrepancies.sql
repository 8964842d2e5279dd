{#- Each series against the one the catalog compares it with (`compare_with`: the JHU time series and
    worldometers against JHU, the mpox line list against the mpox daily file), per country and day both
    publish: cumulative cases and deaths, and their differences. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_to_rebuild('source_code', also='reference_source_code') }}",
) }}
{%- set pairs = [] -%}
{%- for code, spec in catalog_spec()['source_codes'].items() if spec.compare_with -%}
    {%- do pairs.append([code, spec.compare_with]) -%}
{%- endfor -%}

with daily as (
    select * from {{ ref('fct_epidemic_daily') }}
    where country_iso3 is not null
),

pairs as (
    {%- for pair in pairs %}
    select
        '{{ pair[0] }}' as source_code,
        '{{ pair[1] }}' as reference_source_code
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as source_code,
        cast(null as {{ dbt.type_string() }}) as reference_source_code
    where 1 = 0
    {%- endfor %}
),

{#- An incremental run (DuckDB) compares again the pairs where either side was rebuilt. #}
pairs_to_build as (
    select * from pairs
    where {{ rebuilt_rows('source_code', also='reference_source_code') }}
),

final as (
    select
        cast(compared.source_code as {{ dbt.type_string() }}) as source_code,
        cast(pairs.reference_source_code as {{ dbt.type_string() }}) as reference_source_code,
        cast(compared.epidemic_code as {{ dbt.type_string() }}) as epidemic_code,
        cast(compared.country_iso3 as {{ dbt.type_string() }}) as country_iso3,
        cast(compared.location_name as {{ dbt.type_string() }}) as location_name,
        cast(compared.date as date) as date,
        cast(compared.cases_cumulative as bigint) as cases_cumulative,
        cast(reference.cases_cumulative as bigint) as reference_cases_cumulative,
        cast(compared.cases_cumulative - reference.cases_cumulative as bigint) as cases_difference,
        cast(
            (compared.cases_cumulative - reference.cases_cumulative) * {{ double_literal('1.0') }}
            / nullif(reference.cases_cumulative, 0) as {{ type_double() }}
        ) as cases_relative_difference,
        cast(compared.deaths_cumulative as bigint) as deaths_cumulative,
        cast(reference.deaths_cumulative as bigint) as reference_deaths_cumulative,
        cast(compared.deaths_cumulative - reference.deaths_cumulative as bigint) as deaths_difference
    from pairs_to_build as pairs
    inner join daily as compared on pairs.source_code = compared.source_code
    inner join daily as reference
        on
            pairs.reference_source_code = reference.source_code
            and compared.epidemic_code = reference.epidemic_code
            and compared.country_iso3 = reference.country_iso3
            and compared.date = reference.date
)

select * from final
