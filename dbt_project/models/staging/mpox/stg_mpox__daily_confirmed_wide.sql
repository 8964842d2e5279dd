{#- Still wide (one text column per report date); int_mpox_daily_cases_unpivoted makes it long. -#}
{%- set columns = [
    ['country', 'location_name', 'text', true],
] -%}
{%- set date_columns = wide_date_columns(source('mpox', 'daily_country_wise_confirmed_cases')) -%}

with source as (
    select * from {{ source('mpox', 'daily_country_wise_confirmed_cases') }}
),

renamed as (
    select
        {{ parsed_columns(columns) }},
        {%- for date_column in date_columns %}
            {{ date_column }},
        {%- endfor %}
        {{ quarantine_reason_for(columns, keys=['location_name']) }} as _quarantine_reason,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
