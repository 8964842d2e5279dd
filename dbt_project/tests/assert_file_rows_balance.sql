-- Guards row accounting: raw rows = clean + quarantined rows, and raw rows = the rows the registry loaded.
select
    raw_table,
    registry_rows,
    raw_rows,
    clean_rows,
    quarantined_rows
from {{ ref('qa_file_row_counts') }}
where
    raw_rows != clean_rows + quarantined_rows
    or registry_rows is null
    or raw_rows != registry_rows
