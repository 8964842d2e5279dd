{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_to_rebuild() }}",
    meta={'build_scope': 'source_code'},
) }}
{{ locate_and_collapse(
    ref('int_epidemic_daily_unioned'),
    where=in_build_scope('source_code'),
    grain=['epidemic_code', 'source_code', 'reported_date'],
    measures=[
        'cases_cumulative', 'cases_new', 'deaths_cumulative', 'deaths_new',
        'recovered_cumulative', 'recovered_new',
    ],
) }}
