-- Reports country resolution: warns (listing them) when a file uses a location name no seed resolves.
{# A data problem, not a bug: the rows are held back (int_rows_held_back, qa_quarantine) and the others are
    published. Add the name to seeds/country_aliases.csv or country_names.csv and the next run brings them in.
    The names are logged, as dbt only prints a count. #}
{{ config(severity='warn') }}
{%- if execute -%}
    {%- set found = run_query(
        "select location_name, source_files from " ~ ref('qa_unresolved_locations') ~ " order by location_name"
    ) -%}
    {%- if found.rows | length > 0 -%}
        {%- set listed = [] -%}
        {%- for row in found.rows -%}
            {%- do listed.append("'" ~ row[0] ~ "' (" ~ row[1] ~ ")") -%}
        {%- endfor -%}
        {%- do log("Unresolved location names: " ~ listed | join(", "), info=true) -%}
    {%- endif -%}
{%- endif %}

select
    location_name,
    source_files,
    row_count
from {{ ref('qa_unresolved_locations') }}
