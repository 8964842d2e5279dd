{#- Attach resolved locations to rows that carry a publisher's `location_name`, and collapse them to
    one row per resolved location and grain:
    - countries are named by `dim_country`, whatever the publisher wrote (`US`, `USA` -> United States);
    - sub-national rows (England, Scotland, ...) are summed into their country, unless the same
      publisher also gives the country itself for that grain: then the national row wins, so nothing
      is counted twice;
    - non-countries (cruise ships) and aggregates stay as their own location with a NULL country code:
      never dropped, never forced into a country; unresolved names are held back (int_rows_held_back).
    `grain` are the other key columns (e.g. epidemic, source, date); `measures` are summed; `where` filters
    the rows read (an incremental run's scope). -#}
{% macro locate_and_collapse(relation, grain, measures, where='1 = 1') -%}
with rows_in as (
    select * from {{ relation }}
    where {{ where }}
),

resolved as (
    select
        rows_in.*,
        names.country_iso3 as resolved_iso3,
        names.location_kind as resolved_kind
    from rows_in
    {#- unresolved names are held back (int_rows_held_back lists their rows) #}
    inner join {{ ref('int_location_names_resolved') }} as names
        on rows_in.location_name = names.location_name
    where names.location_kind != 'unresolved'
),

{{ national_rows_win(grain) }},

{#- Text columns are aggregated as ranks in small dictionaries, not as text: DuckDB keeps text min/max
    states outside its memory budget (a group per row and date at 100x took 4 GB under a 1 GB budget),
    integer states spill. Each rank orders as its text does, so min/max of ranks give min/max of texts.
    The dictionaries are read from small tables (int_location_names_resolved, int_row_provenance), whose
    size the engine knows: a dictionary estimated at millions of rows had DuckDB build its joins on the
    millions of rows instead. -#}
location_ranks as (
    select
        location_name,
        dense_rank() over (order by location_name) as location_rank
    from (select distinct location_name from {{ ref('int_location_names_resolved') }}) as location_names
),

iso3_ranks as (
    select
        country_iso3,
        dense_rank() over (order by country_iso3) as iso3_rank
    from (
        select distinct country_iso3 from {{ ref('int_location_names_resolved') }}
        where country_iso3 is not null
    ) as codes
),

provenance_ranks as (
    select
        _source_table,
        _source_file,
        _load_id,
        case when _source_table is not null then dense_rank() over (order by _source_table) end as table_rank,
        case when _source_file is not null then dense_rank() over (order by _source_file) end as file_rank,
        case when _load_id is not null then dense_rank() over (order by _load_id) end as load_rank
    from {{ ref('int_row_provenance') }}
),

named as (
    select
        kept.*,
        case
            when kept.resolved_kind in ('country', 'subnational') then countries.country_name
            else kept.location_name
        end as resolved_name,
        case
            when kept.resolved_kind = 'subnational' then 'country'
            else kept.resolved_kind
        end as collapsed_kind,
        location_ranks.location_rank,
        iso3_ranks.iso3_rank,
        provenance_ranks.table_rank,
        provenance_ranks.file_rank,
        provenance_ranks.load_rank
    from kept
    left join {{ ref('countries') }} as countries
        on kept.resolved_iso3 = countries.country_iso3
    inner join location_ranks
        on kept.location_name = location_ranks.location_name
    left join iso3_ranks
        on kept.resolved_iso3 = iso3_ranks.country_iso3
    inner join provenance_ranks
        on
            kept._source_table is not distinct from provenance_ranks._source_table
            and kept._source_file is not distinct from provenance_ranks._source_file
            and kept._load_id is not distinct from provenance_ranks._load_id
),
{%- set group_key = grain + ['resolved_name', 'collapsed_kind'] %}

collapsed as (
    select
        {%- for column in group_key %}
        {{ column }},
        {%- endfor %}
        {{ collapse_aggregates(measures) | indent(8) }}
    from named
    group by {% for column in group_key %}{{ column }}{{ ", " if not loop.last }}{% endfor %}
),

{#- Locations made of several publishers' names (a country summed from its provinces) are aggregated
    again from their rows, with the list of names: only those (a list per group of millions does not fit a
    memory budget: DuckDB cannot spill list states), and without joining the groups back to all of
    `collapsed` (a join DuckDB may build on its millions of rows). -#}
several_names as (
    select
        {%- for column in group_key %}
        {{ column }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from collapsed
    where first_location_rank != last_location_rank
),

collapsed_several as (
    select
        {%- for column in group_key %}
        named.{{ column }},
        {%- endfor %}
        {{ collapse_aggregates(measures, 'named.') | indent(8) }},
        {{ string_agg_distinct('named.location_name') }} as source_location_names
    from named
    inner join several_names
        on
            {%- for column in group_key %}
            named.{{ column }} = several_names.{{ column }}{{ " and" if not loop.last }}
            {%- endfor %}
    group by {% for column in group_key %}named.{{ column }}{{ ", " if not loop.last }}{% endfor %}
),

{#- a NULL key never matched in several_names: such a group keeps its first name -#}
published as (
    select
        collapsed.*,
        cast(null as {{ dbt.type_string() }}) as source_location_names
    from collapsed
    where
        collapsed.first_location_rank = collapsed.last_location_rank
        {%- for column in group_key %}
        or collapsed.{{ column }} is null
        {%- endfor %}
    union all
    select * from collapsed_several
)

select
    {%- for column in grain %}
    published.{{ column }},
    {%- endfor %}
    published.resolved_name as location_name,
    iso3_ranks.country_iso3,
    published.collapsed_kind as location_kind,
    {%- for measure in measures %}
    published.{{ measure }},
    {%- endfor %}
    coalesce(published.source_location_names, first_names.location_name) as source_location_names,
    tables.table_name as _source_table,
    files.file_name as _source_file,
    published._source_line,
    loads.load_id as _load_id
from published
left join iso3_ranks
    on published.iso3_rank = iso3_ranks.iso3_rank
left join location_ranks as first_names
    on published.first_location_rank = first_names.location_rank
left join (select distinct table_rank, _source_table as table_name from provenance_ranks) as tables
    on published.table_rank = tables.table_rank
left join (select distinct file_rank, _source_file as file_name from provenance_ranks) as files
    on published.file_rank = files.file_rank
left join (select distinct load_rank, _load_id as load_id from provenance_ranks) as loads
    on published.load_rank = loads.load_rank
{%- endmacro %}

{#- The CTEs `national` and `kept`: the rows of `resolved` without the sub-national rows whose country
    the same publisher also gives for the same grain. A window over the grain and country (NULLs fall
    together, as `is not distinct from` has them) marks the partitions holding a country row in one sort;
    an anti-join on `is not distinct from` ran as a nested loop on Postgres (20 s at 1x) and took 35% longer
    with more memory on DuckDB at 100x (131 s -> 97 s for the whole model). A NULL country code never
    matches. -#}
{% macro national_rows_win(grain) -%}
national as (
    select
        resolved.*,
        max(case when resolved.resolved_kind = 'country' and resolved.resolved_iso3 is not null then 1 else 0 end)
            over (partition by {% for column in grain %}resolved.{{ column }}, {% endfor %}resolved.resolved_iso3)
        as has_national_row
    from resolved
),

kept as (
    select national.*
    from national
    where national.resolved_kind != 'subnational' or national.has_national_row = 0
)
{%- endmacro %}


{#- The distinct values of `column`, sorted and joined by ' | '. -#}
{% macro string_agg_distinct(column) -%}
    {{ return(adapter.dispatch('string_agg_distinct', 'epidemic')(column)) }}
{%- endmacro %}

{% macro default__string_agg_distinct(column) -%}
    string_agg(distinct {{ column }}, ' | ' order by {{ column }})
{%- endmacro %}

{#- DuckDB sorts inside each group of an ordered DISTINCT aggregate (~50 s of CPU for 1.7 M groups at
    the benchmark's 10x); collecting a list and sorting its distinct values is vectorised. -#}
{% macro duckdb__string_agg_distinct(column) -%}
    case when count({{ column }}) > 0 then array_to_string(list_sort(list_distinct(list({{ column }}))), ' | ') end
{%- endmacro %}

{% macro spark__string_agg_distinct(column) -%}
    listagg(distinct {{ column }}, ' | ') within group (order by {{ column }})
{%- endmacro %}

{#- Clean rows of the long files that feed `feeds` (catalog), with their resolved location, one row per
    input row (no collapsing): the standard `columns` asked for (NULL where no file has one), provenance,
    `country_iso3`, `location_kind`, `resolved_name` (the dim_country name for countries, the publisher's
    name otherwise) and the country's `population`. -#}
{% macro located_rows(feeds, columns) -%}
    {%- set long_entries = catalog_sources(layout='long') %}
    select
        {%- for name in columns %}
        {{ column_or_null('rows_in', long_entries, name) }} as {{ name }},
        {%- endfor %}
        rows_in.location_name,
        rows_in._source_file,
        rows_in._source_line,
        rows_in._load_id,
        names.country_iso3,
        coalesce(names.location_kind, 'unresolved') as location_kind,
        case
            when names.location_kind = 'country' then countries.country_name
            else rows_in.location_name
        end as resolved_name,
        countries.population
    from {{ ref('stg_sources__long') }} as rows_in
    left join {{ ref('int_location_names_resolved') }} as names
        on rows_in.location_name = names.location_name
    left join {{ ref('dim_country') }} as countries
        on names.country_iso3 = countries.country_iso3
    where
        rows_in._quarantine_reason is null
        and rows_in._source_table in {{ source_tables_in(catalog_sources(layout='long', feeds=feeds)) }}
        and names.location_kind != 'unresolved'
{%- endmacro %}

{#- The aggregates of locate_and_collapse's groups (`prefix`: the rows' relation), text as ranks. -#}
{% macro collapse_aggregates(measures, prefix='') -%}
max({{ prefix }}iso3_rank) as iso3_rank,
{%- for measure in measures %}
sum({{ prefix }}{{ measure }}) as {{ measure }},
{%- endfor %}
min({{ prefix }}location_rank) as first_location_rank,
max({{ prefix }}location_rank) as last_location_rank,
min({{ prefix }}table_rank) as table_rank,
min({{ prefix }}file_rank) as file_rank,
min({{ prefix }}_source_line) as _source_line,
max({{ prefix }}load_rank) as load_rank
{%- endmacro %}
