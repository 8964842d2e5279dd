{#- The source catalog (ingest/catalog.yml) as the models use it. `catalog_spec()` is generated from the
    catalog before every dbt command (ingest/dbt_catalog.py); these macros read it. -#}

{#- Catalog entries, optionally of one layout (long, wide, line_list) and feeding one mart. -#}
{% macro catalog_sources(layout=none, feeds=none) -%}
    {%- set found = [] -%}
    {%- for entry in catalog_spec()['sources'] -%}
        {%- if (layout is none or entry.layout == layout) and (feeds is none or entry.feeds == feeds) -%}
            {%- do found.append(entry) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#- The raw tables of `entries`, as a SQL list for `in (...)`; `('')` when there are none. -#}
{% macro source_tables_in(entries) -%}
    {%- set tables = [] -%}
    {%- for entry in entries -%}{%- do tables.append(entry.table) -%}{%- endfor -%}
    {{ source_values_in(tables) }}
{%- endmacro %}

{#- The standard columns any of `entries` has, in the order they are first declared. -#}
{% macro catalog_column_names(entries) -%}
    {%- set names = [] -%}
    {%- for entry in entries -%}
        {%- for column in entry.columns if column.name not in names -%}
            {%- do names.append(column.name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{% macro sql_type(kind) -%}
    {{- return({'text': dbt.type_string(), 'number': type_double(), 'count': 'bigint', 'date': 'date'}[kind]) -}}
{%- endmacro %}

{% macro standard_type(name) -%}
    {{- return(sql_type(catalog_spec()['columns'][name]['type'])) -}}
{%- endmacro %}

{#- `relation.name` when the layout model has the column (some entry declares it), else a typed NULL:
    the marts read standard columns whatever the catalog holds. -#}
{% macro column_or_null(relation, entries, name) -%}
    {%- if name in catalog_column_names(entries) -%}
        {{ relation }}.{{ name }}
    {%- else -%}
        cast(null as {{ standard_type(name) }})
    {%- endif -%}
{%- endmacro %}

{% macro parse_as(raw_column, type, date_spec=none) -%}
    {%- if type == 'text' -%} {{ clean_text(raw_column) }}
    {%- elif type == 'number' -%} {{ parse_number(raw_column) }}
    {%- elif type == 'count' -%} {{ parse_count(raw_column) }}
    {%- elif type == 'date' -%} {{ parse_date(raw_column, date_spec) }}
    {%- else -%} {{ exceptions.raise_compiler_error("unknown column type: " ~ type) }}
    {%- endif -%}
{%- endmacro %}

{% macro type_label(type, date_spec=none) -%}
    {%- if type == 'date' -%}
        {{- return('date (' ~ (date_spec.format if date_spec else 'YYYY-MM-DD') ~ ')') -}}
    {%- endif -%}
    {{- return({'number': 'number', 'count': 'whole number'}[type]) -}}
{%- endmacro %}

{% macro catalog_column(entry, name) -%}
    {%- for column in entry.columns if column.name == name -%}
        {{- return(column) -}}
    {%- endfor -%}
    {{- return(none) -}}
{%- endmacro %}

{#- One standard column of one entry: parsed from the raw column, or a typed NULL when the file has none. -#}
{#- Each row of a file is parsed once, in a subquery (`parsed`): every declared column under its standard
    name, beside its raw text as `<name>__raw` for the messages and its trimmed text as `<name>__trimmed`.
    Each cell is trimmed once, in the subquery below it (`trimmed_cells`), and parsed from that: a parser
    reads its text up to four times (a count: the pattern, then the number three times), and trimming was
    most of a cell's parse. The reasons are then worked out on the parsed values. -#}

{#- Why a parsed row cannot be used, cell by cell (NULL for a clean row): a required cell is empty, a cell
    does not parse, a rule of the catalog is broken. Labels are the publisher's headers. -#}
{% macro cell_quarantine_reason(entry) -%}
    {%- set reasons = [] -%}
    {%- for column in entry.columns -%}
        {%- set raw = column.name ~ '__raw' -%}
        {%- if column.required -%}
            {%- do reasons.append(required_reason(column.name ~ '__trimmed', column.header)) -%}
        {%- endif -%}
        {%- if column.type != 'text' -%}
            {%- do reasons.append(unparsed_reason(
                raw, column.name, type_label(column.type, column.get('date')), column.header,
                trimmed_column=column.name ~ '__trimmed',
            )) -%}
        {%- endif -%}
        {%- do reasons.extend(rule_reasons(entry, column)) -%}
    {%- endfor -%}
    {{ quarantine_reason(reasons) if reasons else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
{%- endmacro %}

{#- The row's reasons (`cell_reasons`, from cell_quarantine_reason), then whether it repeats the key of an
    earlier line of the same file. The window runs a level above the cells' reasons, on the parsed values
    only: below it, each row also carries every cell's text twice (as written and trimmed), which the
    window would have to hold and move (stg_sources__long at 10x on DuckDB, same rows and reasons: 24.4-25.8 s
    -> 20.2-21.1 s, three runs each). -#}
{% macro row_quarantine_reason(entry, cell_reasons) -%}
    {%- if entry.key -%}
        {{ quarantine_reason([
            cell_reasons,
            "case when row_number() over (partition by " ~ entry.key | join(', ')
            ~ " order by _source_line) > 1 then 'repeats the key (" ~ entry.key | join(', ')
            ~ ") of an earlier line' end"
        ]) }}
    {%- else -%}
        {{ cell_reasons }}
    {%- endif -%}
{%- endmacro %}

{#- The catalog's rules for one parsed cell (see ingest/catalog.yml, `columns:`): at least `min`, at most
    the row's `at_most` column, text no longer than `max_length`, a date between its epidemic's start and
    the load date. Each gives a reason when broken, NULL otherwise. -#}
{% macro rule_reasons(entry, column) -%}
    {%- set rules = catalog_spec()['columns'][column.name] -%}
    {%- set value, raw, label = column.name, column.name ~ '__raw', sql_text(column.header) -%}
    {%- set reasons = [] -%}
    {%- if rules.get('min') is not none -%}
        {%- do reasons.append(
            "case when " ~ value ~ " < " ~ rules['min'] ~ " then '" ~ label ~ ": ''' || " ~ raw
            ~ " || ''' is below " ~ rules['min'] ~ "' end"
        ) -%}
    {%- endif -%}
    {%- set other = catalog_column(entry, rules.get('at_most')) if rules.get('at_most') else none -%}
    {%- if other -%}
        {%- do reasons.append(
            "case when " ~ value ~ " > " ~ other.name ~ " then '" ~ label ~ " (' || " ~ raw
            ~ " || ') is above " ~ sql_text(other.header) ~ " (' || " ~ other.name ~ "__raw || ')' end"
        ) -%}
    {%- endif -%}
    {%- if rules.get('max_length') -%}
        {%- do reasons.append(
            "case when length(" ~ value ~ ") > " ~ rules['max_length'] ~ " then '" ~ label ~ ": text of ' || "
            ~ "cast(length(" ~ value ~ ") as " ~ dbt.type_string() ~ ") || ' characters, more than "
            ~ rules['max_length'] ~ "' end"
        ) -%}
    {%- endif -%}
    {%- if column.type == 'date' -%}
        {%- do reasons.append(date_range_reason(value, raw, label, entry.epidemic)) -%}
    {%- endif -%}
    {{ return(reasons) }}
{%- endmacro %}

{#- The last plausible date: the load date, unless the var `latest_valid_date` (YYYY-MM-DD; the ELT sets it
    from ELT_LATEST_VALID_DATE) moves it, e.g. for synthetic data dated in the future. -#}
{% macro latest_valid_date() -%}
    {%- set latest = var('latest_valid_date', none) -%}
    {%- if latest is none or latest == '' -%}
        current_date
    {%- elif modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', latest | string) -%}
        cast('{{ latest }}' as date)
    {%- else -%}
        {{ exceptions.raise_compiler_error("latest_valid_date must be YYYY-MM-DD, got " ~ latest) }}
    {%- endif -%}
{%- endmacro %}

{#- A date after the load date, or before its epidemic began (seeds/epidemics.csv), is not plausible. -#}
{% macro date_range_reason(value, raw, label, epidemic) -%}
    {%- set start = "(select start_date from " ~ ref('epidemics') ~ " where epidemic_code = '" ~ epidemic ~ "')" -%}
    case
        when {{ value }} > {{ latest_valid_date() }} then '{{ label }}: ''' || {{ raw }} || ''' is after the load date'
        when {{ value }} < {{ start }}
            then '{{ label }}: ''' || {{ raw }} || ''' is before {{ epidemic }} began ('
            || cast({{ start }} as {{ dbt.type_string() }}) || ')'
    end
{%- endmacro %}

{#- Every row of every file in `entries`, typed: the standard columns any of them has (NULL where a file
    has no such column), the row's quarantine reason and its provenance. In an incremental run, only the
    files whose raw table changed (macros/incremental.sql); the columns stay those of all `entries`. -#}
{% macro staged_union(entries) -%}
    {%- set names = catalog_column_names(entries) -%}
    {%- set to_build = entries_to_build(entries) -%}
    {#- nothing changed among them: the first file's shape, no rows -#}
    {%- set branches = to_build or entries[:1] -%}
    {%- for entry in branches %}
    select
        cast('{{ entry.table }}' as {{ dbt.type_string() }}) as _source_table,
        cast('{{ entry.source_code }}' as {{ dbt.type_string() }}) as source_code,
        cast('{{ entry.epidemic }}' as {{ dbt.type_string() }}) as epidemic_code,
        {%- for name in names %}
        {%- if catalog_column(entry, name) %}
        {{ name }},
        {%- else %}
        cast(null as {{ standard_type(name) }}) as {{ name }},
        {%- endif %}
        {%- endfor %}
        {{ row_quarantine_reason(entry, '_cell_reasons') }} as _quarantine_reason,
        _source_file,
        _source_line,
        _load_id
    from (
        select
            {%- for column in entry.columns %}
            {{ column.name }},
            {%- endfor %}
            {{ cell_quarantine_reason(entry) }} as _cell_reasons,
            _source_file,
            _source_line,
            _load_id
        from (
            select
                {%- for column in entry.columns %}
                {{ parse_as(column.name ~ '__trimmed', column.type, column.get('date')) }} as {{ column.name }},
                {{ column.name }}__raw,
                {{ column.name }}__trimmed,
                {%- endfor %}
                _source_file,
                _source_line,
                _load_id
            from (
                select
                    {%- for column in entry.columns %}
                    {{ trimmed(adapter.quote(column.column)) }} as {{ column.name }}__trimmed,
                    {{ adapter.quote(column.column) }} as {{ column.name }}__raw,
                    {%- endfor %}
                    _source_file,
                    _source_line,
                    _load_id
                from {{ source(entry.publisher, entry.table) }}
                {{- parsed_once() }}
            ) as trimmed_cells
            {{- parsed_once() }}
        ) as parsed
        {{- parsed_once() }}
    ) as checked
    {%- if not to_build %}
    where 1 = 0
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    {#- no file of this layout in the catalog: an empty table of the same shape -#}
    {{ empty_select(['_source_table', 'source_code', 'epidemic_code', '_quarantine_reason', '_source_file',
        ['_source_line', 'bigint'], '_load_id']) }}
    {%- endfor %}
{%- endmacro %}

{#- Ends a subquery whose parsed columns the query around it reads several times (staged_union's
    `parsed`, int_wide_cells_unpivoted's `counted`). Postgres pulls a subquery up into the query around it
    and then evaluates a parsed column again wherever a reason reads it (five times for some): `offset 0`
    keeps the subquery, so each cell is parsed once (stg_sources__long 7.9 s -> 5 s at 1x). -#}
{% macro parsed_once() -%}
    {{ return(adapter.dispatch('parsed_once', 'epidemic')()) }}
{%- endmacro %}

{% macro default__parsed_once() -%}
{%- endmacro %}

{% macro postgres__parsed_once() %}
        offset 0
{%- endmacro %}

{% macro wide_date_columns(entry) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set found = run_query(
        "select header_columns from " ~ source('ingest', 'file_registry')
        ~ " where table_name = '" ~ entry.table ~ "' and header_columns is not null"
    ) -%}
    {%- set dates = [] -%}
    {%- for row in found.rows -%}
        {%- for column in fromjson(row[0]) if column.get('date') -%}
            {%- do dates.append(column) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(dates) }}
{%- endmacro %}

{#- The non-blank date cells of a wide file's raw table (`relation`), as a select of
    (_source_line, header, reported_date, cell_value): one row per raw row and date column (`date_columns`,
    from wide_date_columns) whose cell is not blank. -#}
{% macro wide_date_cells(date_columns, relation) -%}
    {{ return(adapter.dispatch('wide_date_cells', 'epidemic')(date_columns, relation)) }}
{%- endmacro %}

{% macro default__wide_date_cells(date_columns, relation) -%}
    select
        raw_rows._source_line,
        cells.header,
        cells.reported_date,
        cells.cell_value
    from {{ relation }} as raw_rows
    cross join lateral (
        values
        {%- for column in date_columns %}
            (
                '{{ sql_text(column.header) }}',
                cast('{{ column.date }}' as date),
                raw_rows.{{ adapter.quote(column.column) }}
            ){{ "," if not loop.last }}
        {%- else %}
            (cast(null as {{ dbt.type_string() }}), cast(null as date), cast(null as {{ dbt.type_string() }}))
        {%- endfor %}
    ) as cells (header, reported_date, cell_value)
    where {{ clean_text('cells.cell_value') }} is not null
{%- endmacro %}

{#- DuckDB and Postgres: a wide file's date cells are one JSON object per row, `_date_cells`
    (ingest/date_cells.py; a Postgres table has at most 1,600 columns), {raw column -> cell text}: expanded
    in bulk (date_cell_entries), with a constant mapping giving each raw column its header and date. -#}
{% macro duckdb__wide_date_cells(date_columns, relation) -%}
    {{ return(packed_date_cells(date_columns, relation)) }}
{%- endmacro %}

{% macro postgres__wide_date_cells(date_columns, relation) -%}
    {{ return(packed_date_cells(date_columns, relation)) }}
{%- endmacro %}

{% macro packed_date_cells(date_columns, relation) -%}
    {%- if not date_columns -%}
    {{ return(empty_select([['_source_line', 'bigint'], 'header', ['reported_date', 'date'], 'cell_value'])) }}
    {%- endif %}
    {#- One line per date column (56,000 at 100x): quoted with a filter, not sql_text(), whose dispatch per
        call made this loop most of the model's compile time. DuckDB and Postgres only (no Spark escapes). #}
    with date_columns (column_name, header, reported_date) as (
        values
        {%- for column in date_columns %}
            ('{{ column.column | replace("'", "''") }}', '{{ column.header | replace("'", "''") }}', cast('{{ column.date }}' as date))
            {{- "," if not loop.last }}
        {%- endfor %}
    ),

    cells as (
        {{ date_cell_entries(relation, date_columns | length) | indent(8) }}
    )

    select
        cells._source_line,
        date_columns.header,
        date_columns.reported_date,
        cells.cell_value
    from cells
    inner join date_columns on cells.column_name = date_columns.column_name
    where {{ clean_text('cells.cell_value') }} is not null
{%- endmacro %}

{#- (_source_line, column_name, cell_value): one row per member of each row's `_date_cells` (about
    `cells_per_row` members). -#}
{% macro date_cell_entries(relation, cells_per_row) -%}
    {{ return(adapter.dispatch('date_cell_entries', 'epidemic')(relation, cells_per_row)) }}
{%- endmacro %}

{#- An adapter without the JSON layout (Spark keeps one column per date) never calls this; dbt's parser still
    resolves every dispatch it finds, so the default must exist. -#}
{% macro default__date_cell_entries(relation, cells_per_row) -%}
    {{ exceptions.raise_compiler_error('date_cell_entries: ' ~ target.type ~ ' has no _date_cells column') }}
{%- endmacro %}

{#- DuckDB reads the object as a MAP and unnests its entries (5 M cells in under a second). It converts a
    whole vector of rows at once (up to 2,048), and the MAPs of a file of many rows and many dates outgrow
    the memory budget: at 100x (266 rows x 56,000 dates, three such files) the build ran out of its 1 GB.
    So the rows are taken in slices (`_source_line` modulo n) of about DATE_CELLS_PER_SLICE cells each:
    15 slices per file there (1.0 s, 467 MB for the three files, against 0.8 s and out of memory whole),
    one for the real files. json_each() streams, but took 95 s for the same cells. The environment
    variable ELT_DATE_CELLS_PER_SLICE sets the slice size (tests/dbt/test_wide_cells.py: the same cells). -#}
{% macro duckdb__date_cell_entries(relation, cells_per_row) -%}
    {%- set date_cells_per_slice = env_var('ELT_DATE_CELLS_PER_SLICE', '1000000') | int -%}
    {%- set rows = run_query('select count(*) from ' ~ relation).columns[0].values()[0] if execute else 0 -%}
    {%- set slices = [1, ((rows * cells_per_row) / date_cells_per_slice) | round(0, 'ceil') | int] | max -%}
    {%- for slice in range(slices) %}
    {%- if not loop.first %}

    union all

    {% endif -%}
    select
        _source_line,
        entry.key as column_name,
        entry.value as cell_value
    from (
        select
            _source_line,
            unnest(map_entries(json_transform(_date_cells, '"MAP(VARCHAR, VARCHAR)"'))) as entry
        from {{ relation }}
        {%- if slices > 1 %}
        where _source_line % {{ slices }} = {{ slice }}
        {%- endif %}
    ) as entries
    {%- endfor %}
{%- endmacro %}

{% macro postgres__date_cell_entries(relation, cells_per_row) -%}
    select
        raw_rows._source_line,
        entries.column_name,
        entries.cell_value
    from {{ relation }} as raw_rows
    cross join lateral jsonb_each_text(raw_rows._date_cells) as entries (column_name, cell_value)
{%- endmacro %}

{#- Spark's inline tables cannot read the columns of the row they are joined to: stack() makes the rows. -#}
{% macro spark__wide_date_cells(date_columns, relation) -%}
    select
        raw_rows._source_line,
        cells.header,
        cells.reported_date,
        cells.cell_value
    from {{ relation }} as raw_rows
    cross join lateral stack(
        {{ [date_columns | length, 1] | max }},
        {%- for column in date_columns %}
        '{{ sql_text(column.header) }}',
        cast('{{ column.date }}' as date),
        raw_rows.{{ adapter.quote(column.column) }}{{ "," if not loop.last }}
        {%- else %}
        cast(null as string), cast(null as date), cast(null as string)
        {%- endfor %}
    ) as cells (header, reported_date, cell_value)
    where {{ clean_text('cells.cell_value') }} is not null
{%- endmacro %}

{#- A select of no rows with the given columns ([name, type], or a name for text): the shape a model keeps
    when the catalog has no file of its kind, so the models downstream still build. -#}
{% macro empty_select(columns) -%}
    select
        {%- for column in columns %}
        {%- set name, type = (column, dbt.type_string()) if column is string else column %}
        cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    where 1 = 0
{%- endmacro %}
