{#- Fails with the rows where any of `columns` is NULL: one scan for every required column of a model
    or seed, where one `not_null` test per column would scan it once per column. (Marts say not null
    with enforced contract constraints instead.) -#}
{% test not_null_columns(model, columns) %}
    select *
    from {{ model }}
    where
    {%- for column in columns %}
        {{ column }} is null{% if not loop.last %} or{% endif %}
    {%- endfor %}
{% endtest %}
