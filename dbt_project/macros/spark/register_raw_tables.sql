{#- The project's on-run-start hook. On Spark the ELT leaves each raw table as a folder of Parquet files,
    $LAKE_PATH/raw/<table>/ (a table with no rows: one empty file with its columns); this makes every
    source dbt reads (the catalog's tables, file_registry, rejected_lines, api_edits: all of `graph.sources`)
    an external table over its folder. Each is dropped and created again at every run, so a file whose
    header changed is read with its new columns; dropping an external table leaves its files alone.
    A relative LAKE_PATH is read from the working directory, as the warehouse and metastore folders of
    profiles.yml are. No-op on DuckDB and Postgres, where the ELT loads raw itself. -#}
{% macro register_raw_tables() -%}
    {{ return(adapter.dispatch('register_raw_tables', 'epidemic')()) }}
{%- endmacro %}

{% macro default__register_raw_tables() -%}
    {{ return('') }}
{%- endmacro %}

{% macro spark__register_raw_tables() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set lake = env_var('LAKE_PATH', 'lake') | trim -%}
    {%- set lake = lake.rstrip('/') or lake -%}
    {%- set tables = {} -%}
    {%- for source in graph.sources.values() -%}
        {%- do tables.setdefault(source.schema, []).append(source.identifier) -%}
    {%- endfor -%}
    {#- Spark runs one statement per call: each is run here, and the hook itself is empty. -#}
    {%- for schema in tables | sort -%}
        {%- do run_query('create database if not exists ' ~ adapter.quote(schema)) -%}
        {%- for table in tables[schema] | unique | sort -%}
            {%- set relation = adapter.quote(schema) ~ '.' ~ adapter.quote(table) -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query(
                'create table ' ~ relation ~ " using parquet location '"
                ~ (lake ~ '/raw/' ~ table) | replace('\\', '\\\\') | replace("'", "\\'") ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
