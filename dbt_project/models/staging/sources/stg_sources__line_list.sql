{#- Every row of every line_list file in the catalog, typed. See _sources__models.yml. -#}
{{ staged_union(catalog_sources(layout='line_list')) }}
