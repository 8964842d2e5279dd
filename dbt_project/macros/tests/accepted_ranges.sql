{#- Fails with every row where one of the columns in `ranges` lies outside its bounds: `ranges` maps a
    column to its `min_value` and/or `max_value` (and `inclusive: false` for strict bounds), as
    accepted_range takes them. One scan for every range of a model, where one accepted_range test per
    column would scan it once per column. NULL values pass. -#}
{% test accepted_ranges(model, ranges) %}
    select *
    from {{ model }}
    where
        false
        {%- for column, bounds in ranges.items() %}
            {%- set inclusive = bounds.get('inclusive', true) %}
            {%- if bounds.get('min_value') is none and bounds.get('max_value') is none %}
                {{ exceptions.raise_compiler_error("accepted_ranges: " ~ column ~ " needs min_value or max_value") }}
            {%- endif %}
        or (
            {{ column }} is not null
            and (
                false
                {%- if bounds.get('min_value') is not none %}
                or {{ column }} {{ '<' if inclusive else '<=' }} {{ bounds['min_value'] }}
                {%- endif %}
                {%- if bounds.get('max_value') is not none %}
                or {{ column }} {{ '>' if inclusive else '>=' }} {{ bounds['max_value'] }}
                {%- endif %}
            )
        )
        {%- endfor %}
{% endtest %}
