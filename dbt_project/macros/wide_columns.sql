{#- The date columns of a wide raw table, as dlt named them: `_2022_05_06` for header 2022-05-06.
    Read from the warehouse at run time, so a new date column in the file needs no code change. -#}
{% macro wide_date_columns(relation) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if modules.re.match('^_[0-9]{4}_[0-9]{2}_[0-9]{2}$', column.name) -%}
            {%- do names.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names | sort) }}
{%- endmacro %}

{#- `2022-05-06` from `_2022_05_06`. -#}
{% macro date_from_column_name(name) -%}
    {{ return(name[1:] | replace('_', '-')) }}
{%- endmacro %}
