-- Guards country resolution: fails (listing them) when a raw file uses a location name no seed resolves.
{# Add the name to seeds/country_aliases.csv or country_names.csv. The names are logged, as dbt only prints a count. #}
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
