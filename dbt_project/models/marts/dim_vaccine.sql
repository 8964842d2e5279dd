with vaccines as (
    select * from {{ ref('vaccines') }}
),

final as (
    select
        cast(vaccine_name as {{ dbt.type_string() }}) as vaccine_name,
        cast(manufacturer as {{ dbt.type_string() }}) as manufacturer,
        cast(technology as {{ dbt.type_string() }}) as technology,
        cast(doses as {{ dbt.type_string() }}) as doses,
        cast(epidemic_code as {{ dbt.type_string() }}) as epidemic_code
    from vaccines
)

{{ apply_api_edits('final') }}
