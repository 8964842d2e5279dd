{#- What an enforced contract guarantees, as a test, for engines that cannot enforce it (Spark, on Parquet
    tables): every column with a `not_null` or `primary_key` constraint in the model's yml has no NULL, and
    the primary key (its `primary_key` columns) has no repeated value. The constraints are read from the
    model's node, so the test follows the contract. Fails with one row per broken constraint and the
    number of rows breaking it. Enabled on Spark only: DuckDB and Postgres enforce the contract as they
    build, so they do not pay for a second check. -#}
{% test contract_constraints(model) %}
    {{ config(enabled=(target.type == 'spark')) }}
    {%- set required, key = [], [] -%}
    {%- if execute -%}
        {#- `model` is a relation, or a query of the rows an incremental build rebuilt (get_where_subquery):
            then the tested model is the test's own (config.model is the test node). -#}
        {%- set tested = graph.nodes.get(config.model.attached_node) if model is string else model_node_of(model) -%}
        {%- for node in [tested] if tested -%}
            {%- for column in node.columns.values() -%}
                {%- set types = column.constraints | map(attribute='type') | list -%}
                {%- if 'not_null' in types or 'primary_key' in types -%}
                    {%- do required.append(column.name) -%}
                {%- endif -%}
                {%- if 'primary_key' in types -%}
                    {%- do key.append(column.name) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set quoted_key = [] -%}
    {%- for column in key -%}
        {%- do quoted_key.append(adapter.quote(column)) -%}
    {%- endfor %}
    with null_counts as (
        select
            {%- for column in required %}
            count(*) - count({{ adapter.quote(column) }}) as null_rows_{{ loop.index }},
            {%- endfor %}
            count(*) as all_rows
        from {{ model }}
    ),

    repeated_keys as (
        select count(*) as repeated_values
        {%- if key %}
        from (
            select {{ quoted_key | join(', ') }}
            from {{ model }}
            group by {{ quoted_key | join(', ') }}
            having count(*) > 1
        ) as repeated
        {%- else %}
        from null_counts
        where 1 = 0
        {%- endif %}
    )

    {%- for column in required %}

    select
        '{{ column }}' as column_name,
        'not_null' as broken_constraint,
        null_rows_{{ loop.index }} as failing_rows
    from null_counts
    where null_rows_{{ loop.index }} > 0

    union all
    {%- endfor %}

    select
        '{{ key | join(", ") }}' as column_name,
        'primary_key (unique)' as broken_constraint,
        repeated_values as failing_rows
    from repeated_keys
    where repeated_values > 0
{% endtest %}
