{{ config(
    indexes=postgres_indexes([['country_iso3', 'date'], ['vaccine_name', 'date']]),
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_of_feed('vaccinations_by_manufacturer') }}",
) }}
{%- set rebuilt = rebuilds_feed('vaccinations_by_manufacturer') %}

with located as (
    {{ located_rows('vaccinations_by_manufacturer', ['reported_date', 'vaccine_name', 'doses_total']) }}
),

held_back as (
    select * from {{ ref('int_rows_held_back') }}
),

final as (
    select
        cast({{ surrogate_key(['resolved_name', 'reported_date', 'vaccine_name']) }} as {{ dbt.type_string() }})
            as vaccination_by_manufacturer_id,
        cast(resolved_name as {{ dbt.type_string() }}) as location_name,
        cast(country_iso3 as {{ dbt.type_string() }}) as country_iso3,
        cast(location_kind as {{ dbt.type_string() }}) as location_kind,
        cast(reported_date as date) as date,
        cast(vaccine_name as {{ dbt.type_string() }}) as vaccine_name,
        cast(doses_total as bigint) as doses_total,
        cast(location_name as {{ dbt.type_string() }}) as source_location_name,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_line as bigint) as source_line,
        cast(_load_id as {{ dbt.type_string() }}) as load_id
    from located
    where not exists (
            select 1 from held_back
            where held_back._source_file = located._source_file and held_back._source_line = located._source_line
        )
)

{{ apply_api_edits('final', rebuilt=rebuilt) }}
