-- Guards row accounting: raw rows = clean + quarantined rows, and raw rows = the rows the registry loaded
-- (none for a file that was never loaded: its raw table is empty).
select
    raw_table,
    registry_rows,
    raw_rows,
    clean_rows,
    quarantined_rows
from {{ ref('qa_file_row_counts') }}
where
    raw_rows != clean_rows + quarantined_rows
    or raw_rows != coalesce(registry_rows, 0)
