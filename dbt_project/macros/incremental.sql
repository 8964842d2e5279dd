{#- Rebuilding only what changed (DuckDB, Postgres).

    The file-level models (staging, the wide cells, the daily union) are incremental by raw table, and the
    daily series (located, completed, the daily fact) by source, and the vaccination marts whole, by feed
    (rebuilds_feed, below): a run rebuilds the rows of the raw tables
    the ELT names in the environment variable DBT_CHANGED_TABLES (comma-separated: those whose load
    differs from the last build's), and of their sources, and keeps the others' rows as built. The ELT
    sets it only when the project, the settings and the API's edits are those of the last build, and
    passes `--full-refresh` otherwise (ingest/build_scope.py). Unset (dbt run by hand), every raw table
    counts as changed: the result is a full rebuild either way. (An environment variable, not a dbt var:
    other vars at every run would cost dbt's partial parse, ~5 s.)

    DuckDB builds in the previous version of its file, Postgres in the previous version of its schemas
    (ingest/atomic.py), so the previous rows are there. Spark writes plain Parquet tables; there these
    models are tables, rebuilt whole. -#}

{% macro incremental_materialization() -%}
    {{- return('incremental' if target.type in incremental_targets() else 'table') -}}
{%- endmacro %}

{% macro incremental_targets() -%}
    {{- return(['duckdb', 'postgres']) -}}
{%- endmacro %}

{#- Whether this run adds to the model's rows (is_incremental(), which unit tests cannot call: they test
    the whole model). -#}
{% macro builds_incrementally() -%}
    {{- return(model.resource_type != 'unit_test' and is_incremental()) -}}
{%- endmacro %}

{#- The raw tables to rebuild this run, or none for all of them. -#}
{% macro changed_tables() -%}
    {%- set named = env_var('DBT_CHANGED_TABLES', '*') -%}
    {%- if named == '*' -%}{{ return(none) }}{%- endif -%}
    {{- return(named.split(',') | map('trim') | reject('equalto', '') | list) -}}
{%- endmacro %}

{#- Whether rows of the raw table `table` are (re)built by this run of an incremental model. -#}
{% macro rebuilds_table(table) -%}
    {{- return(not builds_incrementally() or changed_tables() is none or table in changed_tables()) -}}
{%- endmacro %}

{#- The catalog entries (of `entries`) whose rows this run of an incremental model builds. -#}
{% macro entries_to_build(entries) -%}
    {%- set found = [] -%}
    {%- for entry in entries if rebuilds_table(entry.table) -%}{%- do found.append(entry) -%}{%- endfor -%}
    {{- return(found) -}}
{%- endmacro %}

{#- A filter for the rows this run of an incremental model builds: `column` (`_source_table` or
    `source_code`) among those of the changed raw tables; always true on a full build. -#}
{% macro in_build_scope(column, by=none) -%}
    {%- if not builds_incrementally() or changed_tables() is none -%}
    1 = 1
    {%- else -%}
    {{ column }} in {{ build_scope_values(by or column.split('.')[-1]) }}
    {%- endif -%}
{%- endmacro %}

{#- The changed raw tables (`by` = '_source_table') or their sources (`by` = 'source_code'), as SQL. -#}
{% macro build_scope_values(by) -%}
    {%- set values = [] -%}
    {%- for entry in catalog_sources() if entry.table in changed_tables() -%}
        {%- set value = entry.table if by == '_source_table' else entry.source_code -%}
        {%- if value not in values -%}{%- do values.append(value) -%}{%- endif -%}
    {%- endfor -%}
    {{ source_values_in(values) }}
{%- endmacro %}

{% macro source_values_in(values) -%}
    {%- set quoted = [] -%}
    {%- for value in values -%}{%- do quoted.append("'" ~ value ~ "'") -%}{%- endfor -%}
    ({{ quoted | join(', ') if quoted else "''" }})
{%- endmacro %}

{#- pre-hook of an incremental model: remove the rows this run rebuilds. By default those of the scope column
    the model declares (`meta: {build_scope: <column>}`, which also scopes its tests); a model whose rows
    belong to two scopes (a comparison and its reference source) names both (rebuilt_rows, below). -#}
{% macro delete_rows_to_rebuild(column=none, also=none) -%}
    {%- if builds_incrementally() -%}
    delete from {{ this }} where {{ rebuilt_rows(column or declared_build_scope(), also) }}
    {%- endif -%}
{%- endmacro %}

{#- The scope column the running model declares in its meta (`build_scope`). -#}
{% macro declared_build_scope() -%}
    {%- set column = (config.get('meta') or {}).get('build_scope') -%}
    {%- if not column -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": delete_rows_to_rebuild() needs meta.build_scope") }}
    {%- endif -%}
    {{- return(column) -}}
{%- endmacro %}

{#- A filter for the rows this run rebuilds: `column` in the build scope, or `also` (a column of the same
    kind, e.g. a reference source) in it. -#}
{% macro rebuilt_rows(column, also=none) -%}
    {%- if also -%}
    ({{ in_build_scope(column) }} or {{ in_build_scope(also, by=column) }})
    {%- else -%}
    {{ in_build_scope(column) }}
    {%- endif -%}
{%- endmacro %}

{#- The marts of one feed (the vaccinations, by manufacturer): their rows come from that feed's files only
    (and seeds, settings and edits, which change the build's fingerprint: a full build), so an incremental
    run rebuilds such a mart whole when one of the feed's raw tables changed and keeps it as built when
    none did (a change to a daily file costs them nothing). -#}
{% macro rebuilds_feed(feed) -%}
    {{- return(entries_to_build(catalog_sources(feeds=feed)) | length > 0) -}}
{%- endmacro %}

{#- pre-hook of a feed's mart: empty it when this run rebuilds it. -#}
{% macro delete_rows_of_feed(feed) -%}
    {%- if builds_incrementally() and rebuilds_feed(feed) -%}
    delete from {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- Tests in an incremental run read only the rows it rebuilt. The rows of unchanged raw tables are those
    the last build made and tested (the ELT rebuilds whole whenever anything else changed: the project,
    seeds, settings, edits), so a test of a model that declares `meta: {build_scope: <column>}` (the column
    its pre-hook deletes by: `source_code` or `_source_table`) is given the rebuilt rows only. That is right
    for the tests such models have: per-row checks, relationships from the model to a dimension built from
    seeds, and keys that contain the scope column (a repeated key is within one source). A test whose
    failure can involve rows of two scopes must set its own `where` (e.g. `1 = 1`): a test's `where` wins.
    Full builds, and builds outside the ELT, test every row. Overrides dbt's get_where_subquery, which
    wraps every generic test's `model`. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') or tested_build_scope(relation) -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') as dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The filter of a test of `relation` to the rows this incremental run rebuilt, or '' for all rows. -#}
{% macro tested_build_scope(relation) -%}
    {%- if not execute or target.type not in incremental_targets() or flags.FULL_REFRESH or changed_tables() is none -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set node = model_node_of(relation) -%}
    {%- set column = (node.config.meta or {}).get('build_scope') if node else none -%}
    {%- if not column -%}{{- return('') -}}{%- endif -%}
    {{- return(column ~ ' in ' ~ build_scope_values(column)) -}}
{%- endmacro %}

{#- The model node of a relation (none for a seed, a source or a relation dbt does not build). -#}
{% macro model_node_of(relation) -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.alias == relation.identifier and node.schema == relation.schema -%}
        {{- return(node) -}}
    {%- endfor -%}
    {{- return(none) -}}
{%- endmacro %}
