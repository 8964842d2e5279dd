{#- Fails with one row per source table and key that occurs more than once among that table's rows not
    quarantined. `keys` maps each source table (the `_source_table` column) to its key columns, as the
    catalog declares them: one scan checks every file of a layout model, where one test per file would
    scan the model once per file (ingest/dbt_catalog.py writes this test). NULLs count as a value. -#}
{% test unique_key_per_source(model, keys) %}
    {%- set tables = keys.keys() | list | sort %}
    select _source_table, key_text, count(*) as occurrences
    from (
        select
            _source_table,
            case _source_table
            {%- for table in tables %}
                when '{{ table }}' then
                {%- for column in keys[table] %}
                    coalesce(cast({{ column }} as {{ dbt.type_string() }}), '<null>')
                    {%- if not loop.last %} || '|' || {% endif %}
                {%- endfor %}
            {%- endfor %}
            end as key_text
        from {{ model }}
        where
            _quarantine_reason is null
            and _source_table in ({% for table in tables %}'{{ table }}'{% if not loop.last %}, {% endif %}{% endfor %})
    ) as keyed
    group by _source_table, key_text
    having count(*) > 1
{% endtest %}
