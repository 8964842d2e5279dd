{#- Edits made through the REST API, applied at every build (see models/staging/api).

    `apply_api_edits(relation)` ends an editable mart: it selects the mart's contracted columns from
    `relation` (the model's last CTE) with the edits in force put over them:
    - an upsert of an existing row replaces the columns it changed, so the others keep following the source;
    - an upsert of a key the source does not have adds the whole row;
    - a delete leaves the row out (a tombstone: it stays out while the source keeps sending it).
    Columns and the primary key come from the model's contract, so one macro serves every mart.
    `order_by` (column names) stores the rows in that order: on DuckDB a filter on the leading columns
    then skips most of the table. `scope`: in an incremental build, the column by which the run rebuilds
    rows (macros/incremental.sql); rows the edits add are then added only within its scope (the others
    are kept from the last build). `rebuilt` false: an incremental build keeps every row of the mart as
    built (macros/incremental.sql, rebuilds_feed), so this select gives none. Unit tests check the model's own logic: there the macro passes
    `relation` through. -#}
{% macro apply_api_edits(relation, order_by=none, scope=none, rebuilt=true) -%}
    {%- if model.resource_type == 'unit_test' -%}
        {{ return('select * from ' ~ relation) }}
    {%- endif -%}
    {%- set columns = model['columns'].values() | list -%}
    {%- set key = primary_key_column() -%}
    {%- set edits = "edits_in_force" %}
    ,

    {{ edits }} as (
        select row_key, operation, changes, after_row
        from {{ ref('int_api_edits_effective') }}
        where resource = '{{ model.name }}'
    )

    select
        {%- for column in columns %}
        case
            when {{ json_has(edits ~ '.changes', column.name) }}
                then cast({{ json_text(edits ~ '.changes', column.name) }} as {{ sql_data_type(column.data_type) }})
            else {{ relation }}.{{ adapter.quote(column.name) }}
        end as {{ adapter.quote(column.name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    left join {{ edits }}
        on cast({{ relation }}.{{ adapter.quote(key) }} as {{ dbt.type_string() }}) = {{ edits }}.row_key
    where
        ({{ edits }}.operation is null or {{ edits }}.operation <> 'delete')
        {%- if not rebuilt %}
        and 1 = 0
        {%- endif %}

    union all

    select
        {%- for column in columns %}
        cast({{ json_text(edits ~ '.after_row', column.name) }} as {{ sql_data_type(column.data_type) }})
            as {{ adapter.quote(column.name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ edits }}
    where
        {{ edits }}.operation = 'upsert'
        {%- if scope %}
        and {{ in_build_scope(json_text(edits ~ '.after_row', scope), by=scope) }}
        {%- endif %}
        {%- if not rebuilt %}
        and 1 = 0
        {%- endif %}
        and not exists (
            select 1 from {{ relation }}
            where cast({{ relation }}.{{ adapter.quote(key) }} as {{ dbt.type_string() }}) = {{ edits }}.row_key
        )
    {{- stored_order(order_by) }}
{%- endmacro %}

{#- `order by` the columns given (none: no clause), for the rows' storage order. -#}
{% macro stored_order(order_by) -%}
    {{ return(adapter.dispatch('stored_order', 'epidemic')(order_by)) }}
{%- endmacro %}

{% macro default__stored_order(order_by) -%}
    {%- if order_by %}

    order by {% for column in order_by %}{{ adapter.quote(column) }}{{ ", " if not loop.last }}{% endfor %}
    {%- endif %}
{%- endmacro %}

{#- Postgres serves filters from the model's indexes, not from the storage order (which only DuckDB's
    min/max skipping uses), and sorting the whole table took a third of fct_epidemic_daily's build at 10x
    (470 MB sorted on disk). The API orders every page itself. -#}
{% macro postgres__stored_order(order_by) -%}
{%- endmacro %}

{#- The model's primary key column, from its contract (one column). -#}
{% macro primary_key_column() -%}
    {%- for column in model['columns'].values() -%}
        {%- for constraint in column.get('constraints', []) -%}
            {%- if constraint['type'] == 'primary_key' -%}
                {{ return(column['name']) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if execute -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": apply_api_edits needs a primary_key constraint on one column") }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- The text value of a top-level key of a JSON object (NULL for JSON null or a missing key). -#}
{% macro json_text(expression, key) -%}
    {{ return(adapter.dispatch('json_text', 'epidemic')(expression, key)) }}
{%- endmacro %}

{% macro default__json_text(expression, key) -%}
    (cast({{ expression }} as jsonb) ->> '{{ key }}')
{%- endmacro %}

{% macro duckdb__json_text(expression, key) -%}
    json_extract_string({{ expression }}, '$."{{ key }}"')
{%- endmacro %}

{#- Keys are column names (letters, digits and underscores): no quoting in the path. -#}
{% macro spark__json_text(expression, key) -%}
    get_json_object({{ expression }}, '$.{{ key }}')
{%- endmacro %}

{#- Whether a JSON object has the key (even with a null value: an edit may set a column to NULL). -#}
{% macro json_has(expression, key) -%}
    {{ return(adapter.dispatch('json_has', 'epidemic')(expression, key)) }}
{%- endmacro %}

{% macro default__json_has(expression, key) -%}
    coalesce(jsonb_exists(cast({{ expression }} as jsonb), '{{ key }}'), false)
{%- endmacro %}

{% macro duckdb__json_has(expression, key) -%}
    coalesce(json_exists({{ expression }}, '$."{{ key }}"'), false)
{%- endmacro %}

{% macro spark__json_has(expression, key) -%}
    coalesce(array_contains(json_object_keys({{ expression }}), '{{ key }}'), false)
{%- endmacro %}
