{#- Staging models declare their columns once, as [raw column, new name, type, required?]
    with type one of text | number | count | date. These macros turn the declaration into the
    parsed select list and into the row's quarantine reason, so parsing and quarantine can never
    disagree. -#}

{% macro parse_as(raw_column, type) -%}
    {%- if type == 'text' -%} {{ clean_text(raw_column) }}
    {%- elif type == 'number' -%} {{ parse_number(raw_column) }}
    {%- elif type == 'count' -%} {{ parse_count(raw_column) }}
    {%- elif type == 'date' -%} {{ parse_date(raw_column) }}
    {%- else -%} {{ exceptions.raise_compiler_error("unknown staging column type: " ~ type) }}
    {%- endif -%}
{%- endmacro %}

{% macro parsed_columns(columns) -%}
    {%- for column in columns %}
        {{ parse_as(column[0], column[2]) }} as {{ column[1] }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Why a row cannot be used: a required cell is empty, a cell does not parse, or the row repeats
    the key of an earlier line of the same file. NULL for a clean row. -#}
{% macro quarantine_reason_for(columns, keys=[]) -%}
    {%- set reasons = [] -%}
    {%- set by_name = {} -%}
    {%- for column in columns -%}
        {%- do by_name.update({column[1]: parse_as(column[0], column[2])}) -%}
        {%- if column | length > 3 and column[3] -%}
            {%- do reasons.append(required_reason(column[0])) -%}
        {%- endif -%}
        {%- if column[2] != 'text' -%}
            {%- do reasons.append(unparsed_reason(column[0], parse_as(column[0], column[2]), type_label(column[2]))) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if keys -%}
        {%- set key_expressions = [] -%}
        {%- for key in keys -%}{%- do key_expressions.append(by_name[key]) -%}{%- endfor -%}
        {%- do reasons.append(
            "case when row_number() over (partition by " ~ key_expressions | join(', ')
            ~ " order by _source_line) > 1 then 'repeats the key (" ~ keys | join(', ')
            ~ ") of an earlier line' end"
        ) -%}
    {%- endif -%}
    {{ quarantine_reason(reasons) }}
{%- endmacro %}

{% macro type_label(type) -%}
    {{ return({'number': 'number', 'count': 'whole number', 'date': 'date (year-month-day)'}[type]) }}
{%- endmacro %}
