{{ locate_and_collapse(
    ref('int_country_snapshots_unioned'),
    grain=['epidemic_code', 'source_code', 'as_of_date'],
    measures=[
        'cases_total', 'deaths_total', 'recovered_total', 'active_total', 'serious_critical_total',
        'tests_total', 'cases_suspected_total', 'hospitalized_total', 'population_reported',
    ],
) }}
