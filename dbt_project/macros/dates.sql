{#- Calendar functions the engines spell differently (dim_date). -#}

{#- A table of one row per day from `first_date` to `last_date`, one timestamp column, for a FROM clause. -#}
{% macro day_series(first_date, last_date) -%}
    {{ return(adapter.dispatch('day_series', 'epidemic')(first_date, last_date)) }}
{%- endmacro %}

{% macro default__day_series(first_date, last_date) -%}
    generate_series(cast({{ first_date }} as timestamp), cast({{ last_date }} as timestamp), interval '1 day')
{%- endmacro %}

{% macro spark__day_series(first_date, last_date) -%}
    lateral explode(sequence(cast({{ first_date }} as timestamp), cast({{ last_date }} as timestamp), interval 1 day))
{%- endmacro %}

{#- ISO day of the week: 1 (Monday) to 7 (Sunday). -#}
{% macro iso_day_of_week(date) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'epidemic')(date)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date) -%}
    extract(isodow from {{ date }})
{%- endmacro %}

{% macro spark__iso_day_of_week(date) -%}
    extract(dayofweek_iso from {{ date }})
{%- endmacro %}
