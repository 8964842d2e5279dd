with source as (
    select * from {{ source('api', 'api_edits') }}
),

final as (
    select
        cast(edit_id as bigint) as edit_id,
        cast(resource as text) as resource,
        cast(row_key as text) as row_key,
        cast(operation as text) as operation,
        cast(changes as text) as changes,
        cast(after_row as text) as after_row,
        cast(before_row as text) as before_row,
        cast(batch_id as text) as batch_id,
        cast(reason as text) as reason,
        cast(edited_by as text) as edited_by,
        cast(edited_at as timestamp) as edited_at
    from source
)

select * from final
