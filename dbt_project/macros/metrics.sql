{#- Mean of `value` over the 7 calendar days ending on `date_column` (missing days count as zero,
    as a publisher that reports nothing reports no new cases). NULL until the series has 7 days. -#}
{% macro trailing_average(value, date_column, series_start, partition_by) -%}
    case
        when {{ date_column }} - {{ series_start }} >= {{ var('rolling_window_days') - 1 }}
            then sum({{ value }}) over (
                partition by {{ partition_by | join(', ') }}
                order by {{ date_column }}
                range between interval '{{ var('rolling_window_days') - 1 }} days' preceding and current row
            ) / {{ var('rolling_window_days') }}.0
    end
{%- endmacro %}

{% macro per_million(value, population) -%}
    {{ value }} * 1000000.0 / nullif({{ population }}, 0)
{%- endmacro %}

{#- A stable text key from several columns (md5 of their text joined by '|'). -#}
{% macro surrogate_key(columns) -%}
    md5(
        {%- for column in columns %}
        coalesce(cast({{ column }} as text), '') {{- " || '|' ||" if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
