with countries as (
    select * from {{ ref('countries') }}
),

continents as (
    select * from {{ ref('continents') }}
),

final as (
    select
        cast(countries.country_iso3 as text) as country_iso3,
        cast(countries.country_iso2 as text) as country_iso2,
        cast(countries.country_name as text) as country_name,
        cast(countries.continent_code as text) as continent_code,
        cast(continents.continent_name as text) as continent_name,
        cast(countries.who_region as text) as who_region,
        cast(countries.population as bigint) as population
    from countries
    left join continents on countries.continent_code = continents.continent_code
)

{{ apply_api_edits('final') }}
