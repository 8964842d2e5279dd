{#- Parsing raw text cells. Every parser returns NULL for blanks and for text it cannot read;
    `unparsed_reason` turns "not blank but NULL after parsing" into a quarantine reason. -#}

{% macro regex_matches(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'epidemic')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(expression, pattern) -%}
    ({{ expression }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regex_matches(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- A decimal number such as 123, 123.0, -4.5 or 1e3. -#}
{% macro parse_number(column) -%}
    case
        when {{ regex_matches('trim(' ~ column ~ ')', '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$') }}
            then cast(trim({{ column }}) as double precision)
    end
{%- endmacro %}

{#- A whole count such as 123 or 123.0 (publishers write counts as floats); 123.5 is not a count. -#}
{% macro parse_count(column) -%}
    case
        when {{ regex_matches('trim(' ~ column ~ ')', '^[+-]?[0-9]+([.]0*)?$') }}
            then cast(cast(trim({{ column }}) as double precision) as bigint)
    end
{%- endmacro %}

{#- A calendar date written year first: 2020-01-22, 2020-2-15, 2021/1/5. Impossible dates
    (2020-02-30, month 13) give NULL. -#}
{% macro parse_date(column) -%}
    {{ return(adapter.dispatch('parse_date', 'epidemic')(column)) }}
{%- endmacro %}

{% macro duckdb__parse_date(column) -%}
    cast(try_strptime(replace(trim({{ column }}), '/', '-'), '%Y-%m-%d') as date)
{%- endmacro %}

{% macro default__parse_date(column) -%}
    {#- Nested CASEs: Postgres only evaluates make_date once the parts are known to be in range. -#}
    {%- set parts = "regexp_split_to_array(trim(" ~ column ~ "), '[-/]')" -%}
    {%- set y = "cast((" ~ parts ~ ")[1] as integer)" -%}
    {%- set m = "cast((" ~ parts ~ ")[2] as integer)" -%}
    {%- set d = "cast((" ~ parts ~ ")[3] as integer)" -%}
    case
        when {{ regex_matches('trim(' ~ column ~ ')', '^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}$') }}
            then case
                when {{ m }} between 1 and 12 and {{ d }} between 1 and 31
                    then case
                        when extract(month from make_date({{ y }}, {{ m }}, 1) + ({{ d }} - 1)) = {{ m }}
                            then make_date({{ y }}, {{ m }}, {{ d }})
                    end
            end
    end
{%- endmacro %}

{#- "<label>: '<raw>' is not a <kind>" when the raw cell has text but parsed to NULL. -#}
{#- Publishers write undefined ratios (x / 0) as inf or nan: those are NULL, not errors. -#}
{% macro unparsed_reason(raw_column, parsed_expression, kind) -%}
    case
        when {{ clean_text(raw_column) }} is not null and ({{ parsed_expression }}) is null
            {%- if kind == 'number' %}
            and lower(trim({{ raw_column }})) not in ('inf', '-inf', '+inf', 'infinity', '-infinity', 'nan')
            {%- endif %}
            then '{{ raw_column }}: ''' || {{ raw_column }} || ''' is not a {{ kind }}'
    end
{%- endmacro %}

{#- Join the reasons that apply (NULL ones are skipped); NULL when the row is clean. -#}
{% macro quarantine_reason(reasons) -%}
    nullif(concat_ws('; ', {{ reasons | join(', ') }}), '')
{%- endmacro %}

{% macro required_reason(raw_column) -%}
    case when {{ clean_text(raw_column) }} is null then '{{ raw_column }}: required value is empty' end
{%- endmacro %}
