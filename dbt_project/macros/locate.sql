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
        end as collapsed_kind
    from kept
    left join {{ ref('countries') }} as countries
        on kept.resolved_iso3 = countries.country_iso3
),
{%- set group_key = grain + ['resolved_name', 'collapsed_kind'] %}

collapsed as (
    select
        {%- for column in group_key %}
        {{ column }},
        {%- endfor %}
        max(resolved_iso3) as country_iso3,
        {%- for measure in measures %}
        sum({{ measure }}) as {{ measure }},
        {%- endfor %}
        min(location_name) as first_location_name,
        max(location_name) as last_location_name,
        min(_source_table) as _source_table,
        min(_source_file) as _source_file,
        min(_source_line) as _source_line,
        max(_load_id) as _load_id
    from named
    group by {% for column in group_key %}{{ column }}{{ ", " if not loop.last }}{% endfor %}
),

{#- The publishers' names of a location made of several (a country summed from its provinces), listed
    only for those: a list per group of millions does not fit a memory budget (DuckDB cannot spill list
    states), min/max do. -#}
several_names as (
    select
        {%- for column in group_key %}
        named.{{ column }},
        {%- endfor %}
        {{ string_agg_distinct('named.location_name') }} as source_location_names
    from named
    inner join collapsed
        on
            {%- for column in group_key %}
            named.{{ column }} = collapsed.{{ column }}{{ " and" if not loop.last }}
            {%- endfor %}
    where collapsed.first_location_name != collapsed.last_location_name
    group by {% for column in group_key %}named.{{ column }}{{ ", " if not loop.last }}{% endfor %}
)

select
    {%- for column in grain %}
    collapsed.{{ column }},
    {%- endfor %}
    collapsed.resolved_name as location_name,
    collapsed.country_iso3,
    collapsed.collapsed_kind as location_kind,
    {%- for measure in measures %}
    collapsed.{{ measure }},
    {%- endfor %}
    coalesce(several_names.source_location_names, collapsed.first_location_name) as source_location_names,
    collapsed._source_table,
    collapsed._source_file,
    collapsed._source_line,
    collapsed._load_id
from collapsed
left join several_names
    on
        {%- for column in group_key %}
        collapsed.{{ column }} = several_names.{{ column }}{{ " and" if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{#- The CTEs `national` and `kept`: the rows of `resolved` without the sub-national rows whose country
    the same publisher also gives for the same grain. Grain columns may be NULL and match as equal. -#}
{% macro national_rows_win(grain) -%}
    {{ return(adapter.dispatch('national_rows_win', 'epidemic')(grain)) }}
{%- endmacro %}

{% macro default__national_rows_win(grain) -%}
national as (
    select distinct
        {% for column in grain %}{{ column }}, {% endfor %}resolved_iso3
    from resolved
    where resolved_kind = 'country'
),

kept as (
    select resolved.*
    from resolved
    where
        resolved.resolved_kind != 'subnational'
        or not exists (
            select 1
            from national
            where
                national.resolved_iso3 = resolved.resolved_iso3
                {%- for column in grain %}
                and national.{{ column }} is not distinct from resolved.{{ column }}
                {%- endfor %}
        )
)
{%- endmacro %}

{#- Postgres cannot hash `is not distinct from`: the anti-join above runs as a nested loop, every
    sub-national row scanning every national row (20 s at 1x). A window over the same partition (NULLs
    fall together, as `is not distinct from` has them) marks the partitions holding a country row in one
    sort. A NULL country code never matches, as with `=` above. -#}
{% macro postgres__national_rows_win(grain) -%}
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
