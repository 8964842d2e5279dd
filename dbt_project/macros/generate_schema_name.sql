{#- Use the folder's schema name as is (staging, intermediate, marts, reference) instead of
    dbt's default <target schema>_<custom schema>, so both targets share one layout.
    ELT_SCHEMA_SUFFIX (set by ingest/atomic.py on Postgres) builds beside the live schemas. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}{{ env_var('ELT_SCHEMA_SUFFIX', '') | trim }}
{%- endmacro %}
