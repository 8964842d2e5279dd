-- Guards world totals: JHU's day_wise.csv, the mart's JHU series and the province file agree every day
-- (when all three files are loaded whole: with lines left out, qa_reconciliation_world_daily shows the gap).
{# Returns each day that does not reconcile, plus one row when day_wise.csv is loaded but no day
    was reconciled at all (an empty comparison must not pass silently). Applies when the three JHU
    daily files are loaded: with any of them missing there is nothing to reconcile. Days on which a
    JHU COVID-19 row was corrected through the API are left out: the correction is meant to differ
    from what JHU published (qa_reconciliation_world_daily still shows the difference).
    A warning, not an error: the three files are separate publications, and when JHU's own files
    disagree (a data problem) the good data must still be published; the pytest suite checks exact
    agreement on inputs known to agree (tests/dbt/test_build.py, tests/e2e/test_real_data.py). #}
{{ config(severity='warn') }}
with reconciliation as (
    select * from {{ ref('qa_reconciliation_world_daily') }}
),

day_wise_loaded as (
    select count(*) as loaded_rows
    from {{ ref('stg_sources__long') }}
    where _source_table = 'day_wise' and _quarantine_reason is null
),

jhu_daily_files_loaded as (
    select
        (
            select count(*) from {{ ref('stg_sources__long') }}
            where _source_table = 'full_grouped'
        ) > 0
        and (
            select count(*) from {{ ref('stg_sources__long') }}
            where _source_table = 'covid_19_clean_complete'
        ) > 0
        and (select loaded_rows from day_wise_loaded) > 0
        -- Exact agreement is only owed when nothing of the three files was left out: a quarantined or
        -- rejected line is a data problem (shown in qa_reconciliation_world_daily), not a bug.
        and not exists (
            select 1 from {{ ref('qa_file_row_counts') }} as counts
            where
                counts.raw_table in ('full_grouped', 'covid_19_clean_complete', 'day_wise')
                and (counts.quarantined_rows > 0 or coalesce(counts.rejected_lines, 0) > 0)
        ) as all_loaded
),

days_edited_through_api as (
    select distinct cast({{ json_text('edited_row', 'date') }} as date) as edited_day
    from (
        select coalesce(after_row, before_row) as edited_row
        from {{ ref('int_api_edits_effective') }}
        where resource = 'fct_epidemic_daily'
    ) as edits
    where
        {{ json_text('edited_row', 'epidemic_code') }} = 'covid19'
        and {{ json_text('edited_row', 'source_code') }} = 'jhu'
),

unreconciled as (
    select
        cast(date as {{ dbt.type_string() }}) as failing_day,
        'published ' || coalesce(cast(published_cases as {{ dbt.type_string() }}), '-') || ' / mart '
        || coalesce(cast(mart_cases as {{ dbt.type_string() }}), '-') || ' / provinces '
        || coalesce(cast(province_cases as {{ dbt.type_string() }}), '-') || ' cases' as detail
    from reconciliation
    where
        not is_reconciled
        and (select jhu_daily_files_loaded.all_loaded from jhu_daily_files_loaded)
        and date not in (select days_edited_through_api.edited_day from days_edited_through_api)
),

nothing_compared as (
    select
        cast(null as {{ dbt.type_string() }}) as failing_day,
        'day_wise.csv has ' || cast(day_wise_loaded.loaded_rows as {{ dbt.type_string() }})
        || ' clean rows but qa_reconciliation_world_daily is empty' as detail
    from day_wise_loaded
    where
        (select jhu_daily_files_loaded.all_loaded from jhu_daily_files_loaded)
        and not exists (select 1 from reconciliation)
)

select * from unreconciled
union all
select * from nothing_compared
