{#- Names match the seeds exactly (after trimming): seeds list each spelling a publisher uses. -#}
with names as (
    select distinct location_name
    from {{ ref('int_location_names_unioned') }}
),

aliases as (
    select * from {{ ref('country_aliases') }}
),

converted as (
    select * from {{ ref('country_names') }}
),

countries as (
    select * from {{ ref('countries') }}
),

resolved as (
    select
        names.location_name,
        case
            when aliases.location_name is not null then aliases.country_iso3
            else coalesce(converted.country_iso3, countries.country_iso3)
        end as country_iso3,
        case
            when aliases.location_name is not null then aliases.location_kind
            when converted.country_iso3 is not null or countries.country_iso3 is not null then 'country'
            else 'unresolved'
        end as location_kind,
        case
            when aliases.location_name is not null then 'alias'
            when converted.country_iso3 is not null then 'country_converter'
            when countries.country_iso3 is not null then 'country_name'
        end as resolved_by
    from names
    left join aliases on names.location_name = aliases.location_name
    left join converted on names.location_name = converted.location_name
    left join countries on names.location_name = countries.country_name
)

select * from resolved
