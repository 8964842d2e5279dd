with epidemics as (
    select * from {{ ref('epidemics') }}
),

final as (
    select
        cast(epidemic_code as {{ dbt.type_string() }}) as epidemic_code,
        cast(epidemic_name as {{ dbt.type_string() }}) as epidemic_name,
        cast(pathogen_name as {{ dbt.type_string() }}) as pathogen_name,
        cast(epidemic_type as {{ dbt.type_string() }}) as epidemic_type,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(transmission_mode as {{ dbt.type_string() }}) as transmission_mode,
        cast(description as {{ dbt.type_string() }}) as description
    from epidemics
)

{{ apply_api_edits('final') }}
