{#- Every API edit event this build saw, in order. The API reads max(edit_id) to know which edits the
    marts already contain: newer ones it shows on top of the marts until the next build. -#}
with events as (
    select * from {{ ref('stg_api__edits') }}
),

in_force as (
    select edit_id from {{ ref('int_api_edits_effective') }}
),

final as (
    select
        cast(events.edit_id as bigint) as edit_id,
        cast(events.resource as {{ dbt.type_string() }}) as resource,
        cast(events.row_key as {{ dbt.type_string() }}) as row_key,
        cast(events.operation as {{ dbt.type_string() }}) as operation,
        cast(events.changes as {{ dbt.type_string() }}) as changes,
        cast(events.batch_id as {{ dbt.type_string() }}) as batch_id,
        cast(events.reason as {{ dbt.type_string() }}) as reason,
        cast(events.edited_by as {{ dbt.type_string() }}) as edited_by,
        cast(events.edited_at as timestamp) as edited_at,
        cast(in_force.edit_id is not null as boolean) as is_in_force
    from events
    left join in_force on events.edit_id = in_force.edit_id
)

select * from final
