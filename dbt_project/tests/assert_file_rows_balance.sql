-- Guards row accounting, per file: data lines = raw rows + rejected lines, raw rows = clean + quarantined
-- rows, and raw rows = the rows the registry loaded (none for a file never loaded: its raw table is empty).
select
    raw_table,
    file_lines,
    rejected_lines,
    registry_rows,
    raw_rows,
    clean_rows,
    quarantined_rows
from {{ ref('qa_file_row_counts') }}
where
    raw_rows != clean_rows + quarantined_rows
    or raw_rows != coalesce(registry_rows, 0)
    or coalesce(file_lines, 0) != raw_rows + coalesce(rejected_lines, 0)
