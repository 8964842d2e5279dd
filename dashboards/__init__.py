"""Dashboards as code: YAML specs (specs/*.yml) rendered to a static report and provisioned into Metabase."""
