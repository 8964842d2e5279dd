{#- Every row of every long file in the catalog, typed. See _sources__models.yml. -#}
{{ staged_union(catalog_sources(layout='long')) }}
