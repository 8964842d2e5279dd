{{ config(
    indexes=postgres_indexes([['country_iso3', 'date'], ['date']]),
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_of_feed('vaccinations') }}",
) }}
{%- set rebuilt = rebuilds_feed('vaccinations') %}

with located as (
    {{ located_rows('vaccinations', [
        'reported_date', 'doses_total', 'people_vaccinated', 'people_fully_vaccinated', 'doses_daily_raw',
        'doses_daily_smoothed', 'doses_per_hundred', 'people_vaccinated_per_hundred',
        'people_fully_vaccinated_per_hundred', 'doses_daily_per_million', 'vaccines_list', 'iso_code_reported',
        'reporting_source_name', 'reporting_source_url',
    ]) }}
),

held_back as (
    select * from {{ ref('int_rows_held_back') }}
),

final as (
    select
        cast({{ surrogate_key(['resolved_name', 'reported_date']) }} as {{ dbt.type_string() }}) as vaccination_id,
        cast(resolved_name as {{ dbt.type_string() }}) as location_name,
        cast(country_iso3 as {{ dbt.type_string() }}) as country_iso3,
        cast(location_kind as {{ dbt.type_string() }}) as location_kind,
        cast(reported_date as date) as date,
        cast(doses_total as bigint) as doses_total,
        cast(people_vaccinated as bigint) as people_vaccinated,
        cast(people_fully_vaccinated as bigint) as people_fully_vaccinated,
        cast(doses_daily_raw as bigint) as doses_daily_raw,
        cast(doses_daily_smoothed as bigint) as doses_daily_smoothed,
        cast(doses_per_hundred as {{ type_double() }}) as doses_per_hundred,
        cast(people_vaccinated_per_hundred as {{ type_double() }}) as people_vaccinated_per_hundred,
        cast(people_fully_vaccinated_per_hundred as {{ type_double() }}) as people_fully_vaccinated_per_hundred,
        cast(doses_daily_per_million as {{ type_double() }}) as doses_daily_per_million,
        cast(case when location_kind = 'country' then population end as bigint) as population,
        cast(vaccines_list as {{ dbt.type_string() }}) as vaccines_list,
        cast(iso_code_reported as {{ dbt.type_string() }}) as iso_code_reported,
        cast(reporting_source_name as {{ dbt.type_string() }}) as reporting_source_name,
        cast(reporting_source_url as {{ dbt.type_string() }}) as reporting_source_url,
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
