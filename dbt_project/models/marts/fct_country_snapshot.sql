with located as (
    select * from {{ ref('int_country_snapshots_located') }}
),

countries as (
    select * from {{ ref('dim_country') }}
),

final as (
    select
        cast(
            {{ surrogate_key(['located.epidemic_code', 'located.source_code', 'located.location_name']) }}
            as {{ dbt.type_string() }}
        ) as country_snapshot_id,
        cast(located.epidemic_code as {{ dbt.type_string() }}) as epidemic_code,
        cast(located.source_code as {{ dbt.type_string() }}) as source_code,
        cast(located.location_name as {{ dbt.type_string() }}) as location_name,
        cast(located.country_iso3 as {{ dbt.type_string() }}) as country_iso3,
        cast(located.location_kind as {{ dbt.type_string() }}) as location_kind,
        cast(located.as_of_date as date) as as_of_date,
        cast(located.cases_total as bigint) as cases_total,
        cast(located.deaths_total as bigint) as deaths_total,
        cast(located.recovered_total as bigint) as recovered_total,
        cast(located.active_total as bigint) as active_total,
        cast(located.serious_critical_total as bigint) as serious_critical_total,
        cast(located.tests_total as bigint) as tests_total,
        cast(located.cases_suspected_total as bigint) as cases_suspected_total,
        cast(located.hospitalized_total as bigint) as hospitalized_total,
        cast(located.population_reported as bigint) as population_reported,
        cast(countries.population as bigint) as population,
        cast({{ per_million('located.cases_total', 'countries.population') }} as {{ type_double() }})
            as cases_per_million,
        cast({{ per_million('located.deaths_total', 'countries.population') }} as {{ type_double() }})
            as deaths_per_million,
        cast(located.source_location_names as {{ dbt.type_string() }}) as source_location_names,
        cast(located._source_file as {{ dbt.type_string() }}) as source_file,
        cast(located._source_line as bigint) as source_line,
        cast(located._load_id as {{ dbt.type_string() }}) as load_id
    from located
    left join countries on located.country_iso3 = countries.country_iso3
)

{{ apply_api_edits('final') }}
