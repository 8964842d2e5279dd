with vaccines as (
    select * from {{ ref('vaccines') }}
),

final as (
    select
        cast(vaccine_name as text) as vaccine_name,
        cast(manufacturer as text) as manufacturer,
        cast(technology as text) as technology,
        cast(doses as text) as doses,
        cast(epidemic_code as text) as epidemic_code
    from vaccines
)

{{ apply_api_edits('final') }}
