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

{#- Java regular expressions: `$` also matches before a final line break (U+2028 and the like survive
    trimming), `\z` only at the very end; a backslash in a Spark string literal is an escape. -#}
{% macro spark__regex_matches(expression, pattern) -%}
    {%- set pattern = pattern[:-1] ~ '\\z' if pattern.endswith('$') else pattern -%}
    ({{ expression }} rlike '{{ pattern | replace('\\', '\\\\') }}')
{%- endmacro %}

{#- The value without the whitespace publishers leave around it: spaces, tabs, line breaks, no-break spaces
    (U+00A0, U+202F) and a stray byte-order mark (U+FEFF). -#}
{#- A column named `<name>__trimmed` is already trimmed (staged_union trims each raw cell once, in a
    subquery, and parses that): it is returned as it is. -#}
{% macro trimmed(column) -%}
    {%- if column.endswith('__trimmed') -%}{{ return(column) }}{%- endif -%}
    {{ return(adapter.dispatch('trimmed', 'epidemic')(column)) }}
{%- endmacro %}

{% macro whitespace_characters() -%}
    {{ return(adapter.dispatch('whitespace_characters', 'epidemic')()) }}
{%- endmacro %}

{% macro default__whitespace_characters() -%}
    ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(160) || chr(8239) || chr(65279)
{%- endmacro %}

{#- Spark's chr() only makes characters up to 255 (chr(8239) is '/'): escapes in the literal instead. -#}
{% macro spark__whitespace_characters() -%}
    '\u0020\u0009\u000A\u000B\u000C\u000D\u00A0\u202F\uFEFF'
{%- endmacro %}

{% macro default__trimmed(column) -%}
    btrim({{ column }}, {{ whitespace_characters() }})
{%- endmacro %}

{#- DuckDB's trim() with a set of characters costs ~0.4 µs a value, five times reading its first and last
    character: only a value that starts or ends with one of them is trimmed. The CASE is written once per
    raw cell (staged_union and int_wide_cells_unpivoted trim each cell once, then parse the result); when
    each parser trimmed again, the CASE made stg_sources__long's SQL twice as long and its planning cost
    more than the sample's whole parse (reverted in a43e14b). With one trim per cell, stg_sources__long
    alone at 10x: 14.1-15.2 s -> 10.2-11.1 s (plain trim once: 12.1-14.3 s); on the sample 1.27-1.54 s
    either way. -#}
{% macro duckdb__trimmed(column) -%}
    case
        when contains({{ whitespace_characters() }}, left({{ column }}, 1))
            or contains({{ whitespace_characters() }}, right({{ column }}, 1))
            then trim({{ column }}, {{ whitespace_characters() }})
        else {{ column }}
    end
{%- endmacro %}

{% macro clean_text(column) -%}
    nullif({{ trimmed(column) }}, '')
{%- endmacro %}

{% macro number_pattern() -%}
    ^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$
{%- endmacro %}

{#- A decimal number such as 123, 123.0, -4.5 or 1e3. -#}
{% macro parse_number(column) -%}
    case
        when {{ regex_matches(trimmed(column), number_pattern()) }}
            then cast({{ trimmed(column) }} as {{ type_double() }})
    end
{%- endmacro %}

{#- A whole count: 123, 123.0 (publishers write counts as floats) or an exact integer in scientific
    notation (5.6069e+04); 123.5 is not a count, nor is anything beyond 2^53 (not exact as a double). -#}
{% macro parse_count(column) -%}
    {#- Nested CASEs: Postgres does not promise to test the pattern before casting in one condition, and
        Spark's floor() of a double beyond the bigint range raises, so the size is tested first. -#}
    {%- set value = 'cast(' ~ trimmed(column) ~ ' as ' ~ type_double() ~ ')' %}
    case
        when {{ regex_matches(trimmed(column), number_pattern()) }}
            then case
                when abs({{ value }}) < 9007199254740992
                    then case
                        when {{ value }} = floor({{ value }}) then cast({{ value }} as bigint)
                    end
            end
    end
{%- endmacro %}

{#- A calendar date in a declared format (`date_spec` from the catalog: pattern, order of the parts,
    separators, two-digit year). Without one: year first, `-` or `/`, padding optional (2020-01-22,
    2020-2-15, 2021/1/5). Text that does not match the format, and impossible dates (2020-02-30,
    month 13), give NULL: a format is never guessed. -#}
{% macro parse_date(column, date_spec=none) -%}
    {%- set spec = date_spec or {
        'pattern': '^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}$', 'order': 'YMD', 'separators': '-/',
        'two_digit_year': false, 'strftime': '%Y-%m-%d',
    } -%}
    {{ return(adapter.dispatch('parse_date', 'epidemic')(column, spec)) }}
{%- endmacro %}

{% macro duckdb__parse_date(column, spec) -%}
    {#- strptime reads one separator: the others are replaced by it first (2021/1/5 -> 2021-1-5). -#}
    {%- set value = namespace(sql=trimmed(column)) -%}
    {%- for separator in spec.separators[1:] -%}
        {%- set value.sql = "replace(" ~ value.sql ~ ", '" ~ separator ~ "', '" ~ spec.separators[0] ~ "')" -%}
    {%- endfor -%}
    case
        when {{ regex_matches(trimmed(column), spec.pattern) }}
            then cast(try_strptime({{ value.sql }}, '{{ spec.strftime }}') as date)
    end
{%- endmacro %}

{% macro default__parse_date(column, spec) -%}
    {#- Nested CASEs: Postgres only evaluates make_date once the parts are known to be in range. -#}
    {%- set parts = {} -%}
    {%- if spec.separators -%}
        {%- for letter in spec.order -%}
            {%- do parts.update({
                letter: "cast(" ~ nth_part(trimmed(column), '[' ~ spec.separators ~ ']', loop.index) ~ " as integer)"
            }) -%}
        {%- endfor -%}
    {%- else -%}
        {%- do parts.update({
            'Y': "cast(substr(" ~ trimmed(column) ~ ", 1, 4) as integer)",
            'M': "cast(substr(" ~ trimmed(column) ~ ", 5, 2) as integer)",
            'D': "cast(substr(" ~ trimmed(column) ~ ", 7, 2) as integer)",
        }) -%}
    {%- endif -%}
    {#- Two-digit years as strptime reads them (POSIX): 00-68 -> 20xx, 69-99 -> 19xx. -#}
    {%- set y = (
        "(case when " ~ parts['Y'] ~ " < 69 then 2000 else 1900 end + " ~ parts['Y'] ~ ")"
    ) if spec.two_digit_year else parts['Y'] -%}
    {%- set m = parts['M'] -%}
    {%- set d = parts['D'] -%}
    case
        when {{ regex_matches(trimmed(column), spec.pattern) }}
            then case
                when {{ m }} between 1 and 12 and {{ d }} between 1 and 31
                    then case
                        when extract(month from make_date({{ y }}, {{ m }}, 1) + ({{ d }} - 1)) = {{ m }}
                            then make_date({{ y }}, {{ m }}, {{ d }})
                    end
            end
    end
{%- endmacro %}

{#- The n-th part (from 1) of `text` split where the regular expression `separator` matches. -#}
{% macro nth_part(text, separator, n) -%}
    {{ return(adapter.dispatch('nth_part', 'epidemic')(text, separator, n)) }}
{%- endmacro %}

{% macro default__nth_part(text, separator, n) -%}
    (regexp_split_to_array({{ text }}, '{{ separator }}'))[{{ n }}]
{%- endmacro %}

{#- Postgres: regexp_split_to_array costs ~1 µs a call, and a parsed date calls it about nine times. A
    class of literal characters (`[-/]`, as parse_date builds them) is split with translate() and
    split_part() instead, ten times cheaper; parse_date only asks for parts its pattern guarantees. -#}
{% macro postgres__nth_part(text, separator, n) -%}
    {%- set literal = modules.re.fullmatch('\\[([-./]+)\\]', separator) -%}
    {%- if literal -%}
        {%- set characters = literal.group(1) -%}
        {%- set first = characters[0] -%}
        {%- if characters | length > 1 -%}
    split_part(translate({{ text }}, '{{ characters[1:] }}', '{{ first * (characters | length - 1) }}'), '{{ first }}', {{ n }})
        {%- else -%}
    split_part({{ text }}, '{{ first }}', {{ n }})
        {%- endif -%}
    {%- else -%}
    {{ default__nth_part(text, separator, n) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__nth_part(text, separator, n) -%}
    try_element_at(split({{ text }}, '{{ separator }}'), {{ n }})
{%- endmacro %}

{#- "<label>: '<raw>' is not a <kind>" when the raw cell has text but parsed to NULL; `label` is the
    publisher's header (default: the raw column). Publishers write undefined ratios (x / 0) as inf or
    nan: those are NULL, not errors. The parsed value is tested first, so that an engine that stops an
    AND at a false term (Postgres, and DuckDB in a CASE condition) trims the raw text again only for the
    cells that did not parse. -#}
{% macro unparsed_reason(raw_column, parsed_expression, kind, label=none, trimmed_column=none) -%}
    {%- set trimmed_column = trimmed_column or raw_column -%}
    case
        when ({{ parsed_expression }}) is null and {{ clean_text(trimmed_column) }} is not null
            {%- if kind == 'number' %}
            and lower({{ trimmed(trimmed_column) }}) not in ('inf', '-inf', '+inf', 'infinity', '-infinity', 'nan')
            {%- endif %}
            then '{{ sql_text(label or raw_column) }}: ''' || {{ raw_column }} || ''' is not a {{ kind }}'
    end
{%- endmacro %}

{#- Text for inside a SQL string literal. -#}
{% macro sql_text(text) -%}
    {{- return(adapter.dispatch('sql_text', 'epidemic')(text)) -}}
{%- endmacro %}

{% macro default__sql_text(text) -%}
    {{- return(text | replace("'", "''")) -}}
{%- endmacro %}

{#- A backslash starts an escape in a Spark string literal. -#}
{% macro spark__sql_text(text) -%}
    {{- return(text | replace('\\', '\\\\') | replace("'", "''")) -}}
{%- endmacro %}

{#- Join the reasons that apply (NULL ones are skipped); NULL when the row is clean. -#}
{% macro quarantine_reason(reasons) -%}
    nullif(concat_ws('; ', {{ reasons | join(', ') }}), '')
{%- endmacro %}

{% macro required_reason(raw_column, label=none) -%}
    case when {{ clean_text(raw_column) }} is null then '{{ sql_text(label or raw_column) }}: required value is empty' end
{%- endmacro %}
