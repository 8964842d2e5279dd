{#- Every row of every wide file in the catalog, typed. See _sources__models.yml. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_to_rebuild() }}",
    meta={'build_scope': '_source_table'},
) }}
{{ staged_union(catalog_sources(layout='wide')) }}
