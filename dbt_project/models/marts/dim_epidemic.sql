with epidemics as (
    select * from {{ ref('epidemics') }}
),

final as (
    select
        cast(epidemic_code as text) as epidemic_code,
        cast(epidemic_name as text) as epidemic_name,
        cast(pathogen_name as text) as pathogen_name,
        cast(epidemic_type as text) as epidemic_type,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(transmission_mode as text) as transmission_mode,
        cast(description as text) as description
    from epidemics
)

{{ apply_api_edits('final') }}
