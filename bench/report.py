"""BENCHMARKS.md is written by several benchmarks, one `## ` section each; each replaces only its own."""

from __future__ import annotations

from ingest.warehouse import PROJECT_ROOT

REPORT = PROJECT_ROOT / "BENCHMARKS.md"
TITLE = "# Benchmarks"
LAST = "## API"  # the API sections (bench/bench_api.py, 1x and scaled) stay last


def write_section(heading: str, lines: list[str], first: bool = False) -> None:
    """Replace the section under `heading` (a `## ` line) with `lines`, keeping every other section.
    A new section goes first when `first`, else just before the API section."""
    text = REPORT.read_text() if REPORT.exists() else TITLE + "\n"
    head, *rest = ("\n" + text).split("\n## ")
    sections = ["## " + part.rstrip("\n") for part in rest]
    body = "\n".join([heading, "", *lines]).rstrip("\n")
    at = next((i for i, section in enumerate(sections) if section.split("\n", 1)[0] == heading), None)
    if at is not None:
        sections[at] = body
    elif first:
        sections.insert(0, body)
    else:
        api = next((i for i, section in enumerate(sections) if section.startswith(LAST + "\n")), len(sections))
        sections.insert(api, body)
    REPORT.write_text("\n\n".join([head.strip("\n") or TITLE, *sections]) + "\n")
