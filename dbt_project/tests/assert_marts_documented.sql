-- Guards user docs: every mart/quality model and column is described, and the yml lists exactly the built columns.
{# Read from the project graph at execution time: one row per undocumented model or column under
    models/marts, per column built but missing from the yml, and per yml column not built. #}
-- depends_on: {{ ref('dim_continent') }}, {{ ref('dim_country') }}, {{ ref('dim_date') }}
-- depends_on: {{ ref('dim_epidemic') }}, {{ ref('dim_vaccine') }}, {{ ref('dim_source') }}
-- depends_on: {{ ref('fct_epidemic_daily') }}
-- depends_on: {{ ref('fct_vaccinations') }}, {{ ref('fct_vaccinations_by_manufacturer') }}
-- depends_on: {{ ref('fct_country_snapshot') }}, {{ ref('qa_file_row_counts') }}, {{ ref('qa_quarantine') }}
-- depends_on: {{ ref('qa_reconciliation_world_daily') }}, {{ ref('qa_publisher_discrepancies') }}
-- depends_on: {{ ref('qa_unresolved_locations') }}
{%- set problems = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.original_file_path.startswith('models/marts/') -%}
        {%- if not (node.description or '') | trim -%}
            {%- do problems.append([node.name, none, 'model has no description']) -%}
        {%- endif -%}
        {%- set documented = {} -%}
        {%- for column in node.columns.values() -%}
            {%- do documented.update({column.name | lower: true}) -%}
            {%- if not (column.description or '') | trim -%}
                {%- do problems.append([node.name, column.name, 'column has no description']) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
        {%- if relation is not none -%}
            {%- set built = [] -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do built.append(column.name | lower) -%}
                {%- if column.name | lower not in documented -%}
                    {%- do problems.append([node.name, column.name, 'column is built but not listed in the yml']) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- for name in documented if name not in built -%}
                {%- do problems.append([node.name, name, 'column is listed in the yml but not built']) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

{% if problems -%}
    {%- for problem in problems %}
    select
        cast('{{ problem[0] }}' as {{ dbt.type_string() }}) as model_name,
        cast({{ "'" ~ problem[1] ~ "'" if problem[1] is not none else 'null' }} as {{ dbt.type_string() }}) as column_name,
        cast('{{ problem[2] }}' as {{ dbt.type_string() }}) as problem
        {%- if not loop.last %}
    union all
        {%- endif %}
    {%- endfor %}
{%- else -%}
    select
        cast(null as {{ dbt.type_string() }}) as model_name,
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(null as {{ dbt.type_string() }}) as problem
    where 1 = 0
{%- endif %}
