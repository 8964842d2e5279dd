with continents as (
    select * from {{ ref('continents') }}
),

final as (
    select
        cast(continent_code as {{ dbt.type_string() }}) as continent_code,
        cast(continent_name as {{ dbt.type_string() }}) as continent_name,
        cast(population as bigint) as population
    from continents
)

{{ apply_api_edits('final') }}
