with source as (
    select * from {{ source('api', 'api_edits') }}
),

final as (
    select
        cast(edit_id as bigint) as edit_id,
        cast(resource as {{ dbt.type_string() }}) as resource,
        cast(row_key as {{ dbt.type_string() }}) as row_key,
        cast(operation as {{ dbt.type_string() }}) as operation,
        cast(changes as {{ dbt.type_string() }}) as changes,
        cast(after_row as {{ dbt.type_string() }}) as after_row,
        cast(before_row as {{ dbt.type_string() }}) as before_row,
        cast(batch_id as {{ dbt.type_string() }}) as batch_id,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(edited_by as {{ dbt.type_string() }}) as edited_by,
        cast(edited_at as timestamp) as edited_at
    from source
)

select * from final
