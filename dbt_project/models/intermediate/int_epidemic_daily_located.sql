{{ locate_and_collapse(
    ref('int_epidemic_daily_unioned'),
    grain=['epidemic_code', 'source_code', 'reported_date'],
    measures=[
        'cases_cumulative', 'cases_new', 'deaths_cumulative', 'deaths_new',
        'recovered_cumulative', 'recovered_new',
    ],
) }}
