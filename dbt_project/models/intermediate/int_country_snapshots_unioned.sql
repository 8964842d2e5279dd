{#- The latest-per-country files of every publisher (catalog `feeds: snapshot`), clean rows only, in one
    shape. A snapshot is dated by the last day of the daily series its entry names (`dated_by`), or
    undated (worldometer_data.csv's figures are not tied to the daily file). -#}
{%- set measures = [
    'cases_total', 'deaths_total', 'recovered_total', 'active_total', 'serious_critical_total',
    'tests_total', 'cases_suspected_total', 'hospitalized_total', 'population_reported',
] -%}
{%- set entries = catalog_sources(layout='long', feeds='snapshot') -%}

with snapshots as (
    select
        snapshot_rows.epidemic_code,
        snapshot_rows.source_code,
        snapshot_rows.location_name,
        {%- for measure in measures %}
            {{ column_or_null('snapshot_rows', entries, measure) }} as {{ measure }},
        {%- endfor %}
        {%- set dated = entries | selectattr('dated_by') | list %}
        {%- if dated %}
            case snapshot_rows._source_table
                {%- for entry in dated %}
                    when '{{ entry.table }}' then '{{ entry.dated_by }}'
                {%- endfor %}
            end
        {%- else %}
            cast(null as {{ dbt.type_string() }})
        {%- endif %} as dated_by,
        snapshot_rows._source_table,
        snapshot_rows._source_file,
        snapshot_rows._source_line,
        snapshot_rows._load_id
    from {{ ref('stg_sources__long') }} as snapshot_rows
    where snapshot_rows._quarantine_reason is null and snapshot_rows._source_table in {{ source_tables_in(entries) }}
),

series_ends as (
    select
        source_code,
        max(reported_date) as last_date
    from {{ ref('int_epidemic_daily_unioned') }}
    group by source_code
),

dated as (
    select
        snapshots.epidemic_code,
        snapshots.source_code,
        snapshots.location_name,
        {%- for measure in measures %}
            snapshots.{{ measure }},
        {%- endfor %}
        snapshots._source_table,
        snapshots._source_file,
        snapshots._source_line,
        snapshots._load_id,
        series_ends.last_date as as_of_date
    from snapshots
    left join series_ends on snapshots.dated_by = series_ends.source_code
)

select * from dated
