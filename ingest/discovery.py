"""Find the known input files anywhere under a folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest.catalog import catalog

_NOT_INPUT = {"readme.md", "readme.txt", "license", "license.txt", ".gitkeep"}


@dataclass
class Discovery:
    root: Path
    found: dict[str, Path] = field(default_factory=dict)
    duplicates: dict[str, list[Path]] = field(default_factory=dict)
    unknown: list[Path] = field(default_factory=list)


def discover(data_dir: Path) -> Discovery:
    """Map each known file name to the single path holding it; report unknown and repeated files."""
    if not data_dir.is_dir():
        raise FileNotFoundError(f"input folder {data_dir} does not exist")
    seen: dict[str, list[Path]] = {}
    result = Discovery(root=data_dir)
    known = catalog().by_file_name
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(data_dir)
        if any(part.startswith(".") for part in relative.parts) or path.name.lower() in _NOT_INPUT:
            continue
        if path.name in known:
            seen.setdefault(path.name, []).append(path)
        else:
            result.unknown.append(relative)
    for name, paths in seen.items():
        if len(paths) == 1:
            result.found[name] = paths[0]
        else:
            result.duplicates[name] = paths
    return result
