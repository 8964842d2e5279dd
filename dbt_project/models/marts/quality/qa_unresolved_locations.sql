{#- Location names that no seed resolves, with the files and rows they appear in. Expected empty:
    a new name makes a test fail until it is added to seeds/country_aliases.csv or country_names.csv. -#}
with occurrences as (
    select * from {{ ref('int_location_names_unioned') }}
),

resolved as (
    select * from {{ ref('int_location_names_resolved') }}
),

final as (
    select
        cast(occurrences.location_name as {{ dbt.type_string() }}) as location_name,
        cast({{ string_agg_distinct('occurrences._source_file') }} as {{ dbt.type_string() }}) as source_files,
        cast(sum(occurrences.row_count) as bigint) as row_count
    from occurrences
    inner join resolved on occurrences.location_name = resolved.location_name
    where resolved.location_kind = 'unresolved'
    group by occurrences.location_name
)

select * from final
