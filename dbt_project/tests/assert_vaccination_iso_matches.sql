-- Guards country resolution: where OWID gives a real ISO code (not OWID_...), the resolved country_iso3 is it.
select
    source_location_name,
    location_name,
    iso_code_reported,
    country_iso3,
    count(*) as row_count
from {{ ref('fct_vaccinations') }}
where
    iso_code_reported is not null
    and substr(iso_code_reported, 1, 5) != 'OWID_'
    and country_iso3 is distinct from iso_code_reported
group by source_location_name, location_name, iso_code_reported, country_iso3
