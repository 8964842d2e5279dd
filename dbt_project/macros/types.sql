{#- Type names the engines spell differently. Text is `dbt.type_string()` (text on DuckDB and Postgres, string
    on Spark); a double has no cross-database macro (dbt.type_float() is a 4-byte float on DuckDB). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'epidemic')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    {{ return('double precision') }}
{%- endmacro %}

{% macro spark__type_double() -%}
    {{ return('double') }}
{%- endmacro %}

{#- A contract's data_type (the marts' yml names: text, float8, bigint, ...) as this engine spells it. -#}
{% macro sql_data_type(data_type) -%}
    {{ return(adapter.dispatch('sql_data_type', 'epidemic')(data_type)) }}
{%- endmacro %}

{% macro default__sql_data_type(data_type) -%}
    {{ return(data_type) }}
{%- endmacro %}

{% macro spark__sql_data_type(data_type) -%}
    {{ return({'text': 'string', 'float8': 'double', 'double precision': 'double'}.get(data_type, data_type)) }}
{%- endmacro %}
