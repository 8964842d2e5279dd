{#- Fails with one row per combination of `combination_of_columns` that occurs more than once.
    NULLs count as a value (two rows with the same NULL key are duplicates). Filter rows with the
    test's `where` config, e.g. `where: "_quarantine_reason is null"`. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
