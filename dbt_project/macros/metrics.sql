{#- Mean of `value` over the 7 calendar days ending on `date_column` (missing days count as zero,
    as a publisher that reports nothing reports no new cases). NULL until the series has 7 days. -#}
{% macro trailing_average(value, date_column, series_start, partition_by) -%}
    case
        when {{ days_from(series_start, date_column) }} >= {{ var('rolling_window_days') - 1 }}
            then sum({{ value }}) over (
                partition by {{ partition_by | join(', ') }}
                order by {{ date_column }}
                range between interval '{{ var('rolling_window_days') - 1 }} days' preceding and current row
            ) / {{ double_literal(var('rolling_window_days') ~ '.0') }}
    end
{%- endmacro %}

{#- Whole days from `start_date` to `end_date`. -#}
{% macro days_from(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_from', 'epidemic')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_from(start_date, end_date) -%}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}

{#- Spark's date - date is an interval. -#}
{% macro spark__days_from(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}

{#- A literal with a fraction (1.0, 7.0) in a division whose result is a double. DuckDB divides such a
    decimal as doubles and Postgres as numerics (both kept as they were); Spark would keep a decimal rounded
    to 6 places or fewer, so there the literal is a double (1.0D) and the division is in doubles, as on DuckDB. -#}
{% macro double_literal(number) -%}
    {{ return(adapter.dispatch('double_literal', 'epidemic')(number)) }}
{%- endmacro %}

{% macro default__double_literal(number) -%}
    {{ number }}
{%- endmacro %}

{% macro spark__double_literal(number) -%}
    {{ number }}D
{%- endmacro %}

{% macro per_million(value, population) -%}
    {{ value }} * {{ double_literal('1000000.0') }} / nullif({{ population }}, 0)
{%- endmacro %}

{#- A stable text key from several columns (md5 of their text joined by '|'). -#}
{% macro surrogate_key(columns) -%}
    md5(
        {%- for column in columns %}
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), '') {{- " || '|' ||" if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
