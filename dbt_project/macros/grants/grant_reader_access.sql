{#- The project's on-run-end hook: let the role named by DBT_READER_ROLE (Metabase, the API) read the
    marts this run built: USAGE on each marts schema and SELECT on every table and view in it.

    On Postgres the ELT builds `marts__build` and renames it over `marts` (ingest/atomic.py), so grants
    made on the live schema would vanish at the next swap. Privileges belong to the schema and its
    tables, not to their names: granted here, on the build schema before the swap, they go live with
    it, and readers never see a marts schema they cannot read. The swap keeps the schema it replaces
    (`marts__previous`, the next build's starting point) and revokes every role's rights on it but its
    owner's; built on again, it is granted here again, to this run's role, before it goes live. The
    schemas come from the graph (every model under models/marts, wherever its schema is configured), so
    new marts are covered.
    No-op when DBT_READER_ROLE is unset, and on DuckDB (no roles). Role setup: deploy/postgres/. -#}
{% macro grant_reader_access() -%}
    {{ return(adapter.dispatch('grant_reader_access')()) }}
{%- endmacro %}

{% macro default__grant_reader_access() -%}
    {{ return('') }}
{%- endmacro %}

{% macro postgres__grant_reader_access() -%}
    {%- set role = env_var('DBT_READER_ROLE', '') | trim -%}
    {%- if not (role and execute) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set schemas = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.fqn[1] == 'marts' and node.schema not in schemas -%}
        {%- do schemas.append(node.schema) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for schema in schemas | sort if adapter.check_schema_exists(target.database, schema) -%}
        {%- do statements.append('grant usage on schema ' ~ adapter.quote(schema) ~ ' to ' ~ adapter.quote(role)) -%}
        {%- do statements.append(
            'grant select on all tables in schema ' ~ adapter.quote(schema) ~ ' to ' ~ adapter.quote(role)
        ) -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
{%- endmacro %}
