{#- Every staging model, each reading one raw table. Quality models iterate over this list. -#}
{% macro staging_models() -%}
    {{ return({
        'stg_jhu__clean_complete': 'covid_19_clean_complete',
        'stg_jhu__full_grouped': 'full_grouped',
        'stg_jhu__day_wise': 'day_wise',
        'stg_jhu__country_wise_latest': 'country_wise_latest',
        'stg_worldometer__snapshot': 'worldometer_data',
        'stg_worldometer__daily': 'worldometer_coronavirus_daily_data',
        'stg_worldometer__summary': 'worldometer_coronavirus_summary_data',
        'stg_owid__vaccinations': 'country_vaccinations',
        'stg_owid__vaccinations_by_manufacturer': 'country_vaccinations_by_manufacturer',
        'stg_mpox__daily_confirmed_wide': 'daily_country_wise_confirmed_cases',
        'stg_mpox__cases_worldwide': 'monkey_pox_cases_worldwide',
    }) }}
{%- endmacro %}
