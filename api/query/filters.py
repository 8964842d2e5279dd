"""PostgREST-style query grammar, turned into SQLAlchemy expressions with bound parameters.

    ?country_iso3=eq.FRA&date=gte.2020-03-01&cases_new=gt.0
    &select=date,cases_new&order=date.desc,country_iso3&limit=100&offset=200
    &or=(cases_new.lt.0,deaths_new.lt.0)&location_name=not.ilike.*congo*&country_iso3=is.null

Operators: eq, neq, lt, lte, gt, gte, like, ilike (`*` is the wildcard), in.(a,b,"c,d"),
is.(null|true|false), each negatable with `not.`; `or=(…)` / `and=(…)` group conditions and nest.
Column names are looked up in the table (never interpolated); values are converted to the column's
type and bound as parameters. Every mistake raises a 400 APIError naming the parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from api.core.errors import APIError, bad_request

RESERVED = frozenset({"select", "order", "limit", "offset", "or", "and", "count", "format"})
COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": lambda column, value: column == value,
    "neq": lambda column, value: column != value,
    "lt": lambda column, value: column < value,
    "lte": lambda column, value: column <= value,
    "gt": lambda column, value: column > value,
    "gte": lambda column, value: column >= value,
}
OPERATORS = (*COMPARISONS, "like", "ilike", "in", "is")
HINT_OPERATORS = "use column=<op>.<value> with op one of " + ", ".join(OPERATORS) + ", optionally prefixed by not."


@dataclass
class ListQuery:
    """A parsed list request: what to select, filter, order and page."""

    columns: list[sa.Column[Any]]
    where: list[sa.ColumnElement[bool]] = field(default_factory=list)
    order_by: list[sa.UnaryExpression[Any] | sa.Column[Any]] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    count: bool = False


def _column(table: sa.FromClause, name: str, parameter: str) -> sa.Column[Any]:
    column = table.c.get(name)
    if column is None:
        raise APIError(
            400,
            "unknown_column",
            f"unknown column {name!r} in {parameter!r}",
            details={"column": name, "available": sorted(table.c.keys())},
            hint="column names are those of the resource's schema (see /docs)",
        )
    return column


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def column_type(column: sa.Column[Any]) -> type:
    """The column's Python type; text for every String type (SQLModel's AutoString says `object`)."""
    kind = column.type.impl if isinstance(column.type, sa.TypeDecorator) else column.type
    return str if isinstance(kind, sa.String) else column.type.python_type


def convert(column: sa.Column[Any], raw: str, parameter: str) -> Any:
    """The text of a query value as the column's Python type, or a 400."""
    python_type = column_type(column)
    try:
        if python_type is bool:
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return raw.lower() == "true"
        if python_type is dt.date:
            return dt.date.fromisoformat(raw)
        if python_type is dt.datetime:
            return dt.datetime.fromisoformat(raw)
        if python_type is int:
            value = int(raw)
            if not INT64_MIN <= value <= INT64_MAX:
                raise ValueError(raw)
            return value
        if python_type is float:
            value = float(raw)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(raw)
            return value
        if "\x00" in raw:  # no database text type stores NUL
            raise ValueError(raw)
    except ValueError:
        raise bad_request(
            "invalid_value",
            f"{raw!r} is not a valid {python_type.__name__} for column {column.name!r}",
            details={"parameter": parameter, "column": column.name, "value": raw},
            hint="dates are YYYY-MM-DD; numbers use a dot as decimal separator",
        ) from None
    return raw


def split_list(text: str, parameter: str) -> list[str]:
    """Split `a,b,"c,d"` on top-level commas (double quotes protect commas and parentheses)."""
    items, current, depth, quoted = [], [], 0, False
    for char in text:
        if char == '"':
            quoted = not quoted
            continue
        if not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth < 0:
                raise bad_request("invalid_syntax", f"unbalanced parentheses in {parameter!r}")
        if char == "," and depth == 0 and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted or depth:
        raise bad_request("invalid_syntax", f"unbalanced quotes or parentheses in {parameter!r}")
    items.append("".join(current))
    return items


def condition(column: sa.Column[Any], expression: str, parameter: str) -> sa.ColumnElement[bool]:
    """`[not.]op.value` applied to one column."""
    negate = expression.startswith("not.")
    if negate:
        expression = expression[4:]
    operator, dot, value = expression.partition(".")
    if not dot or operator not in OPERATORS:
        raise bad_request(
            "invalid_operator",
            f"{expression!r} in {parameter!r} is not <operator>.<value>",
            details={"parameter": parameter, "operator": operator},
            hint=HINT_OPERATORS,
        )
    clause: sa.ColumnElement[bool]
    if operator in COMPARISONS:
        clause = COMPARISONS[operator](column, convert(column, value, parameter))
    elif operator in ("like", "ilike"):
        if column_type(column) is not str:
            raise bad_request("invalid_operator", f"{operator} needs a text column, {column.name!r} is not")
        text = convert(column, value, parameter)  # refuses what no text column can hold (NUL)
        pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
        method = column.like if operator == "like" else column.ilike
        clause = method(pattern, escape="\\")
    elif operator == "in":
        if not (value.startswith("(") and value.endswith(")")):
            raise bad_request("invalid_syntax", f"in needs a parenthesised list in {parameter!r}", hint="in.(a,b,c)")
        items = [convert(column, item, parameter) for item in split_list(value[1:-1], parameter)]
        clause = column.in_(items)
    else:
        clause = _is(column, value, parameter)
    return sa.not_(clause) if negate else clause


def _is(column: sa.Column[Any], value: str, parameter: str) -> sa.ColumnElement[bool]:
    if value == "null":
        return column.is_(None)
    if value in ("true", "false") and column.type.python_type is bool:
        return column.is_(value == "true")
    raise bad_request("invalid_value", f"is.{value} in {parameter!r}: use is.null, or is.true / is.false on booleans")


def logic(table: sa.FromClause, operator: str, group: str, parameter: str) -> sa.ColumnElement[bool]:
    """`(a.eq.1,and(b.gt.2,c.is.null))` joined with or/and."""
    if not (group.startswith("(") and group.endswith(")")):
        raise bad_request("invalid_syntax", f"{parameter!r} needs a parenthesised list", hint="or=(a.eq.1,b.gt.2)")
    clauses = []
    for item in split_list(group[1:-1], parameter):
        for nested in ("or", "and", "not.or", "not.and"):
            if item.startswith(nested + "("):
                inner = logic(table, nested.removeprefix("not."), item[len(nested) :], parameter)
                clauses.append(sa.not_(inner) if nested.startswith("not.") else inner)
                break
        else:
            name, dot, expression = item.partition(".")
            if not dot:
                raise bad_request("invalid_syntax", f"{item!r} in {parameter!r} is not column.operator.value")
            clauses.append(condition(_column(table, name, parameter), expression, parameter))
    if not clauses:
        raise bad_request("invalid_syntax", f"{parameter!r} is empty")
    return sa.or_(*clauses) if operator == "or" else sa.and_(*clauses)


def _order(table: sa.FromClause, text: str) -> list[Any]:
    order: list[Any] = []
    for item in text.split(","):
        name, *modifiers = item.split(".")
        column = _column(table, name, "order")
        expression: Any = column
        for modifier in modifiers:
            if modifier in ("asc", "desc"):
                expression = getattr(expression, modifier)()
            elif modifier in ("nullsfirst", "nullslast"):
                expression = getattr(expression, modifier.replace("nulls", "nulls_"))()
            else:
                raise bad_request(
                    "invalid_syntax", f"unknown order modifier {modifier!r}", hint="order=date.desc.nullslast"
                )
        order.append(expression)
    return order


def _integer(params: dict[str, str], name: str, default: int | None, low: int, high: int | None) -> int | None:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request("invalid_value", f"{name} must be an integer, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        raise bad_request("invalid_value", f"{name} must be between {low} and {high}, got {value}")
    return value


def parse_list_query(
    table: sa.FromClause,
    items: Sequence[tuple[str, str]],
    key: Sequence[str],
    default_limit: int | None,
    max_limit: int | None,
) -> ListQuery:
    """Turn query parameters into a ListQuery; the key columns make the order total (stable pages)."""
    params: dict[str, str] = {}
    query = ListQuery(columns=list(table.c))
    for name, value in items:
        if name in RESERVED:
            if name in params:
                raise bad_request("invalid_syntax", f"{name!r} given more than once")
            params[name] = value
            if name in ("or", "and"):
                query.where.append(logic(table, name, value, name))
            continue
        query.where.append(condition(_column(table, name, name), value, name))
    if "select" in params:
        names = [n.strip() for n in params["select"].split(",") if n.strip()]
        if not names:
            raise bad_request("invalid_syntax", "select is empty")
        query.columns = [_column(table, n, "select") for n in dict.fromkeys(names)]
    ordered = _order(table, params["order"]) if "order" in params else []
    named = {getattr(getattr(o, "element", o), "name", None) for o in ordered}
    query.order_by = ordered + [table.c[k] for k in key if k not in named]
    query.limit = _integer(params, "limit", default_limit, 0, max_limit)
    query.offset = _integer(params, "offset", 0, 0, None) or 0
    if params.get("count") not in (None, "exact"):
        raise bad_request("invalid_value", "count must be 'exact'")
    query.count = params.get("count") == "exact"
    return query


def to_select(query: ListQuery) -> sa.Select[Any]:
    statement = sa.select(*query.columns).where(*query.where).order_by(*query.order_by).offset(query.offset)
    return statement.limit(query.limit) if query.limit is not None else statement


def to_count(table: sa.FromClause, query: ListQuery) -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(table).where(*query.where)
