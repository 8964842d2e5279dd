{#- DuckDB builds this fact without its contract's constraints: a primary key there is an in-memory ART
    index, and at 100x (17 M rows of md5 text keys) building it needs ~3.9 GB, four times the default
    budget (ELT_MEMORY_LIMIT). Its `contract_constraints` test checks the same (no NULL, no repeated key)
    on every DuckDB build instead; Postgres enforces the contract (its key is a btree on disk).
    Postgres indexes: a page of one publisher's series for a country (the API's and the dashboards' usual
    filter) reads its 50 rows from (country_iso3, source_code, date) alone: with (country_iso3, date) only,
    it also read every other publisher's rows of those days (at 10x 1,246 buffers against 7 per page, and
    the API's filtered page went from ~720 to ~930 requests per second, BENCHMARKS.md "API at 100x"). -#}
{{ config(
    contract={'enforced': target.type == 'postgres'},
    indexes=postgres_indexes([
        ['country_iso3', 'source_code', 'date'], ['country_iso3', 'date'], ['location_name', 'date'], ['date'],
    ]),
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_to_rebuild() }}",
    meta={'build_scope': 'source_code'},
) }}

{%- set daily_key = [
    'averaged.epidemic_code', 'averaged.source_code', 'averaged.location_name', 'averaged.reported_date',
] -%}

with averaged as (
    select * from {{ ref('int_epidemic_daily_completed') }}
    where _held_back_reason is null and {{ in_build_scope('source_code') }}
),

countries as (
    select * from {{ ref('dim_country') }}
),

final as (
    select
        cast({{ surrogate_key(daily_key) }} as {{ dbt.type_string() }}) as epidemic_daily_id,
        cast(averaged.epidemic_code as {{ dbt.type_string() }}) as epidemic_code,
        cast(averaged.source_code as {{ dbt.type_string() }}) as source_code,
        cast(averaged.location_name as {{ dbt.type_string() }}) as location_name,
        cast(averaged.country_iso3 as {{ dbt.type_string() }}) as country_iso3,
        cast(averaged.location_kind as {{ dbt.type_string() }}) as location_kind,
        cast(averaged.reported_date as date) as date,
        cast(averaged.cases_cumulative_filled as bigint) as cases_cumulative,
        cast(averaged.cases_new_filled as bigint) as cases_new,
        cast(averaged.deaths_cumulative_filled as bigint) as deaths_cumulative,
        cast(averaged.deaths_new_filled as bigint) as deaths_new,
        cast(averaged.recovered_cumulative as bigint) as recovered_cumulative,
        cast(averaged.recovered_new_filled as bigint) as recovered_new,
        cast(averaged.cases_new_7d_avg as {{ type_double() }}) as cases_new_7d_avg,
        cast(averaged.deaths_new_7d_avg as {{ type_double() }}) as deaths_new_7d_avg,
        cast(countries.population as bigint) as population,
        cast({{ per_million('averaged.cases_cumulative_filled', 'countries.population') }} as {{ type_double() }})
            as cases_cumulative_per_million,
        cast({{ per_million('averaged.deaths_cumulative_filled', 'countries.population') }} as {{ type_double() }})
            as deaths_cumulative_per_million,
        cast({{ per_million('averaged.cases_new_7d_avg', 'countries.population') }} as {{ type_double() }})
            as cases_new_7d_avg_per_million,
        cast({{ per_million('averaged.deaths_new_7d_avg', 'countries.population') }} as {{ type_double() }})
            as deaths_new_7d_avg_per_million,
        coalesce(averaged.cases_new_filled < 0, false) as is_cases_new_negative,
        coalesce(averaged.deaths_new_filled < 0, false) as is_deaths_new_negative,
        (averaged.cases_new is null and averaged.cases_new_filled is not null)
        or (averaged.cases_cumulative is null and averaged.cases_cumulative_filled is not null) as is_derived,
        cast(averaged.source_location_names as {{ dbt.type_string() }}) as source_location_names,
        cast(averaged._source_file as {{ dbt.type_string() }}) as source_file,
        cast(averaged._source_line as bigint) as source_line,
        cast(averaged._load_id as {{ dbt.type_string() }}) as load_id
    from averaged
    left join countries on averaged.country_iso3 = countries.country_iso3
)

{{ apply_api_edits('final', order_by=['country_iso3', 'date', 'epidemic_daily_id'], scope='source_code') }}
