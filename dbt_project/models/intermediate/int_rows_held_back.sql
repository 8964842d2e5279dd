{#- Clean rows (they parse and pass every rule of the catalog) that are held back from the marts, with why:
    a place name nothing resolves (it comes in once an alias is added: nothing is lost, only held back), or
    a vaccine dim_vaccine does not know. One row per file line and reason; qa_quarantine lists them and
    qa_file_row_counts counts them as quarantined. -#}
{%- set line_lists = catalog_sources(layout='line_list') -%}
{%- set located_long = catalog_sources(layout='long', feeds='snapshot')
    + catalog_sources(layout='long', feeds='vaccinations')
    + catalog_sources(layout='long', feeds='vaccinations_by_manufacturer') -%}
{%- set by_manufacturer = catalog_sources(layout='long', feeds='vaccinations_by_manufacturer') -%}

with unresolved as (
    select location_name from {{ ref('int_location_names_resolved') }}
    where location_kind = 'unresolved'
),

daily_rows as (
    {#- long and wide rows of the daily series (a line list is counted per day: its own rows below) -#}
    select distinct
        daily._source_table,
        daily._source_file,
        daily._source_line,
        daily._load_id,
        'unresolved location: ' || daily.location_name as reason
    from {{ ref('int_epidemic_daily_unioned') }} as daily
    inner join unresolved on daily.location_name = unresolved.location_name
    where daily._source_table not in {{ source_tables_in(line_lists) }}
),

case_rows as (
    {%- if line_lists %}
        select
            cases._source_table,
            cases._source_file,
            cases._source_line,
            cases._load_id,
            'unresolved location: ' || cases.location_name as reason
        from {{ ref('stg_sources__line_list') }} as cases
        inner join unresolved on cases.location_name = unresolved.location_name
        where cases._quarantine_reason is null
    {%- else %}
        select * from daily_rows where 1 = 0
    {%- endif %}
),

long_rows as (
    select
        long_rows._source_table,
        long_rows._source_file,
        long_rows._source_line,
        long_rows._load_id,
        'unresolved location: ' || long_rows.location_name as reason
    from {{ ref('stg_sources__long') }} as long_rows
    inner join unresolved on long_rows.location_name = unresolved.location_name
    where long_rows._quarantine_reason is null and long_rows._source_table in {{ source_tables_in(located_long) }}
),

unknown_vaccines as (
    select
        long_rows._source_table,
        long_rows._source_file,
        long_rows._source_line,
        long_rows._load_id,
        'unknown vaccine: ' || {{ column_or_null('long_rows', by_manufacturer, 'vaccine_name') }}
        || ' (not in dim_vaccine)' as reason
    from {{ ref('stg_sources__long') }} as long_rows
    where
        long_rows._quarantine_reason is null
        and long_rows._source_table in {{ source_tables_in(by_manufacturer) }}
        {%- if by_manufacturer %}
            and {{ column_or_null('long_rows', by_manufacturer, 'vaccine_name') }}
            not in (select dim_vaccine.vaccine_name from {{ ref('dim_vaccine') }} as dim_vaccine)
        {%- endif %}
),

{#- The vaccination facts are keyed by place and day (and vaccine), whatever the file or spelling: a row
    whose key an earlier row already has (another file, or `US` beside `United States`) is held back. -#}
{%- set vaccinations = catalog_sources(layout='long', feeds='vaccinations') %}
{%- set long_entries = catalog_sources(layout='long') %}

vaccination_keys as (
    select
        long_rows._source_table,
        long_rows._source_file,
        long_rows._source_line,
        long_rows._load_id,
        case
            when long_rows._source_table in {{ source_tables_in(by_manufacturer) }}
                then {{ column_or_null('long_rows', long_entries, 'vaccine_name') }}
        end as vaccine_name,
        row_number() over (
            partition by
                case when long_rows._source_table in {{ source_tables_in(by_manufacturer) }} then 1 else 0 end,
                case when names.location_kind = 'country' then names.country_iso3 else long_rows.location_name end,
                {{ column_or_null('long_rows', long_entries, 'reported_date') }},
                case
                    when long_rows._source_table in {{ source_tables_in(by_manufacturer) }}
                        then {{ column_or_null('long_rows', long_entries, 'vaccine_name') }}
                end
            order by long_rows._source_file, long_rows._source_line
        ) as key_rank
    from {{ ref('stg_sources__long') }} as long_rows
    inner join {{ ref('int_location_names_resolved') }} as names
        on long_rows.location_name = names.location_name
    where
        long_rows._quarantine_reason is null
        and names.location_kind != 'unresolved'
        and long_rows._source_table in {{ source_tables_in(vaccinations + by_manufacturer) }}
),

repeated_vaccination_keys as (
    select
        _source_table,
        _source_file,
        _source_line,
        _load_id,
        'repeats the place and day' || case when vaccine_name is not null then ' and vaccine' else '' end
        || ' of an earlier row (another file, or another spelling of the place)' as reason
    from vaccination_keys
    where key_rank > 1
),

final as (
    select * from daily_rows
    union all
    select * from case_rows
    union all
    select * from long_rows
    union all
    select * from unknown_vaccines
    union all
    select * from repeated_vaccination_keys
)

select * from final
