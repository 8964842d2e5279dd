with doses as (
    select * from {{ ref('stg_owid__vaccinations_by_manufacturer') }}
    where _quarantine_reason is null
),

names as (
    select * from {{ ref('int_location_names_resolved') }}
),

countries as (
    select * from {{ ref('dim_country') }}
),

located as (
    select
        doses.*,
        names.country_iso3,
        coalesce(names.location_kind, 'unresolved') as location_kind,
        case
            when names.location_kind = 'country' then countries.country_name
            else doses.location_name
        end as resolved_name
    from doses
    left join names on doses.location_name = names.location_name
    left join countries on names.country_iso3 = countries.country_iso3
),

final as (
    select
        cast({{ surrogate_key(['resolved_name', 'reported_date', 'vaccine_name']) }} as text)
            as vaccination_by_manufacturer_id,
        cast(resolved_name as text) as location_name,
        cast(country_iso3 as text) as country_iso3,
        cast(location_kind as text) as location_kind,
        cast(reported_date as date) as date,
        cast(vaccine_name as text) as vaccine_name,
        cast(doses_total as bigint) as doses_total,
        cast(location_name as text) as source_location_name,
        cast(_source_file as text) as _source_file,
        cast(_source_line as bigint) as _source_line,
        cast(_load_id as text) as _load_id
    from located
)

select * from final
