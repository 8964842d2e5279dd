with countries as (
    select * from {{ ref('countries') }}
),

continents as (
    select * from {{ ref('continents') }}
),

final as (
    select
        cast(countries.country_iso3 as {{ dbt.type_string() }}) as country_iso3,
        cast(countries.country_iso2 as {{ dbt.type_string() }}) as country_iso2,
        cast(countries.country_name as {{ dbt.type_string() }}) as country_name,
        cast(countries.continent_code as {{ dbt.type_string() }}) as continent_code,
        cast(continents.continent_name as {{ dbt.type_string() }}) as continent_name,
        cast(countries.who_region as {{ dbt.type_string() }}) as who_region,
        cast(countries.population as bigint) as population
    from countries
    left join continents on countries.continent_code = continents.continent_code
)

{{ apply_api_edits('final') }}
