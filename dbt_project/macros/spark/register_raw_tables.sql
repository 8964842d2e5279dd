{#- The project's on-run-start hook. On Spark the ELT leaves each raw table as a folder of Parquet files,
    $LAKE_PATH/raw/<table>/ (a table with no rows: one empty file with its columns); this makes every
    source dbt reads (the catalog's tables, file_registry, rejected_lines, api_edits: all of `graph.sources`)
    an external table over its folder. Each is dropped and created again at every run, so a file whose
    header changed is read with its new columns; dropping an external table leaves its files alone.
    No-op on DuckDB and Postgres, where the ELT loads raw itself. -#}
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
    {#- Spark reads a relative LOCATION from the database's folder (warehouse/raw.db/), but the relative
        warehouse and metastore folders of profiles.yml from the driver's working directory: a relative
        LAKE_PATH is made absolute from there, so all three are under the same lake. -#}
    {%- if not (lake.startswith('/') or modules.re.match('^[A-Za-z][A-Za-z0-9+.-]*:', lake)) -%}
        {%- set found = run_query("select reflect('java.lang.System', 'getProperty', 'user.dir')") -%}
        {%- set lake = found.columns[0].values()[0].rstrip('/') ~ '/' ~ lake -%}
    {%- endif -%}
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
