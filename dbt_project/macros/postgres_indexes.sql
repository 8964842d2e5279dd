{#- The `indexes` config of a model: on Postgres, one index per column list (the filters the API and the
    dashboards use); none on DuckDB, whose indexes serve only point lookups and make dbt's rebuild of a
    table (renamed to __dbt_backup first) fail. -#}
{% macro postgres_indexes(column_lists) %}
    {%- set indexes = [] -%}
    {%- if target.type == 'postgres' -%}
        {%- for columns in column_lists -%}
            {%- do indexes.append({'columns': columns}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(indexes) }}
{% endmacro %}
