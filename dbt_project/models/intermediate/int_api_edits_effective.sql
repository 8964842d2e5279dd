{#- The edit in force for each edited row: its latest event. A revert ends the row's edits (the source
    values return), so rows whose latest event is a revert are left out. -#}
with events as (
    select * from {{ ref('stg_api__edits') }}
),

ranked as (
    select
        events.*,
        row_number() over (partition by events.resource, events.row_key order by events.edit_id desc) as recency
    from events
),

final as (
    select
        edit_id,
        resource,
        row_key,
        operation,
        changes,
        after_row,
        before_row
    from ranked
    where recency = 1 and operation in ('upsert', 'delete')
)

select * from final
