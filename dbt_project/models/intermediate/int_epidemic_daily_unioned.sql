{#- The daily series of every file that feeds the daily fact (catalog `feeds: daily`), clean rows only,
    at the publisher's own grain and place names: long files row by row, wide files cell by cell, line
    lists counted per day. A row with a province counts toward its country, unless the country has a
    row of its own in the same file (then the province is a place of its own: French Guiana, Bermuda)
    or the province is itself a non-country place (a cruise ship): then the province names the row. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_to_rebuild() }}",
    meta={'build_scope': '_source_table'},
) }}
{%- set measures = [
    'cases_cumulative', 'cases_new', 'deaths_cumulative', 'deaths_new', 'recovered_cumulative', 'recovered_new',
] -%}
{%- set long_entries = catalog_sources(layout='long', feeds='daily') -%}
{%- set wide_entries = catalog_sources(layout='wide') -%}

with long_rows as (
    select
        long_rows._source_table,
        long_rows.epidemic_code,
        long_rows.source_code,
        long_rows.location_name,
        {{ column_or_null('long_rows', long_entries, 'province_name') }} as province_name,
        long_rows.reported_date,
        {%- for measure in measures %}
            {{ column_or_null('long_rows', long_entries, measure) }} as {{ measure }},
        {%- endfor %}
        long_rows._source_file,
        long_rows._source_line,
        long_rows._load_id
    from {{ ref('stg_sources__long') }} as long_rows
    where
        long_rows._quarantine_reason is null
        and long_rows._source_table in {{ source_tables_in(long_entries) }}
        and {{ in_build_scope('long_rows._source_table') }}
),

wide_cells as (
    select
        wide_cells._source_table,
        wide_cells.epidemic_code,
        wide_cells.source_code,
        wide_cells.location_name,
        {{ column_or_null('wide_cells', wide_entries, 'province_name') }} as province_name,  -- noqa: AL09
        wide_cells.reported_date,
        {%- for measure in measures %}
            case when wide_cells.measure = '{{ measure }}' then wide_cells.cell_count end as {{ measure }},
        {%- endfor %}
        wide_cells._source_file,
        wide_cells._source_line,
        wide_cells._load_id
    from {{ ref('int_wide_cells_unpivoted') }} as wide_cells
    where wide_cells._quarantine_reason is null and {{ in_build_scope('wide_cells._source_table') }}
),

line_list_counts as (
    select
        _source_table,
        epidemic_code,
        source_code,
        location_name,
        cast(null as {{ dbt.type_string() }}) as province_name,
        reported_date,
        {%- for measure in measures %}
            case when measure = '{{ measure }}' then case_count end as {{ measure }},
        {%- endfor %}
        _source_file,
        _source_line,
        _load_id
    from {{ ref('int_line_list_cases_counted') }}
    where {{ in_build_scope('_source_table') }}
),

unioned as (
    select * from long_rows
    union all
    select * from wide_cells
    union all
    select * from line_list_counts
),

non_country_places as (
    select location_name from {{ ref('country_aliases') }}
    where location_kind = 'non_country'
),

flagged as (
    select
        unioned.*,
        bool_or(unioned.province_name is null) over (
            partition by unioned._source_file, unioned.location_name
        ) as country_has_own_row,
        non_country_places.location_name is not null as province_is_non_country
    from unioned
    left join non_country_places on unioned.province_name = non_country_places.location_name
),

placed as (
    select
        _source_table,
        epidemic_code,
        source_code,
        case
            when province_name is not null and (country_has_own_row or province_is_non_country)
                then province_name
            else location_name
        end as location_name,
        reported_date,
        {%- for measure in measures %}
            {{ measure }},
        {%- endfor %}
        _source_file,
        _source_line,
        _load_id
    from flagged
)

select * from placed
