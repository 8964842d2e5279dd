{#- Wide -> long: one row per country and report date column of the mpox daily file. Empty cells are
    not reports and give no row; cells that are not whole numbers are quarantined with their column. -#}
{%- set date_columns = wide_date_columns(source('mpox', 'daily_country_wise_confirmed_cases')) -%}

with wide as (
    select * from {{ ref('stg_mpox__daily_confirmed_wide') }}
    where _quarantine_reason is null
),

cells as (
    select
        wide.location_name,
        cast(cells.report_date as date) as reported_date,
        cells.cell_value,
        wide._source_file,
        wide._source_line,
        wide._load_id
    from wide
    cross join lateral (
        values
        {%- for column in date_columns %}
            ('{{ date_from_column_name(column) }}', wide.{{ column }}){{ "," if not loop.last }}
        {%- else %}
            {#- no date column yet (the file was never loaded): no cells #}
            (cast(null as text), cast(null as text))
        {%- endfor %}
    ) as cells (report_date, cell_value)
    {%- if not date_columns %}
    where false
    {%- endif %}
),

parsed as (
    select
        location_name,
        reported_date,
        {{ parse_count('cell_value') }} as cases_new,
        case
            when {{ clean_text('cell_value') }} is not null and {{ parse_count('cell_value') }} is null
                then 'column ' || cast(reported_date as varchar) || ': ''' || cell_value || ''' is not a whole number'
        end as _quarantine_reason,
        _source_file,
        _source_line,
        _load_id
    from cells
    where {{ clean_text('cell_value') }} is not null
)

select * from parsed
