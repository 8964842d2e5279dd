{#- Fails with every row where the boolean `expression` is false. A NULL result passes (use
    `coalesce` in the expression to make it fail). On a column, the expression is appended to it:
    `expression: ">= 0"` tests `<column> >= 0`. -#}
{% test expression_is_true(model, expression, column_name=None) %}
    select *
    from {{ model }}
    where not ({{ column_name ~ ' ' if column_name }}{{ expression }})
{% endtest %}
