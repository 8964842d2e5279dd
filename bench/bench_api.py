"""API benchmark on the real files: a 2-worker server measured with wrk, CSV export against the database's own.

    make bench-api            # or: python -m bench.bench_api [--data-dir DIR] [--seconds N] [--connections N]

1. builds a DuckDB warehouse from the real files (the ELT, not timed here);
2. serves the API with uvicorn, 2 workers, rate limits off, and drives it with wrk (installed with
   apt-get when missing) at a fixed concurrency for: one row by key (every key of the daily fact, in a
   random order) and a filtered, sorted page. Each scenario first runs unmeasured for a few seconds, so
   each worker has loaded what it keeps per warehouse file (the tables it reads by key, its cursors);
3. exports the whole daily fact as CSV through the API and, as the floor, with DuckDB's own
   `COPY ... TO` of the same query, in the same run.
Targets (issue 4): >= 5,000 req/s with p99 < 50 ms by key; filtered list p99 < 100 ms; CSV <= 1.5x the floor.
Results are appended to BENCHMARKS.md under "API".
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import httpx

from api.core.config import Settings
from api.core.security import Role, create_access_token
from ingest.elt import run
from ingest.warehouse import PROJECT_ROOT, Target

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data"
REPORT = PROJECT_ROOT / "BENCHMARKS.md"
MARKER = "\n## API\n"
WARM_UP_SECONDS = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def _milliseconds(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, token: str, seconds: int, connections: int, script: Path | None = None) -> dict[str, float]:
    command = [
        _ensure_wrk(), "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
        "-H", f"Authorization: Bearer {token}", *(["-s", str(script)] if script else []), url,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50": _milliseconds(latency["50"]),
        "p99": _milliseconds(latency["99"]),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def key_script(folder: Path, paths: list[str]) -> Path:
    """A wrk script requesting one of `paths` at random each time."""
    script = folder / f"keys-{len(paths)}.lua"
    listed = ",\n".join(f'"{path}"' for path in paths)
    script.write_text(
        f"local paths = {{\n{listed}\n}}\nrequest = function() return wrk.format(nil, paths[math.random(#paths)]) end\n"
    )
    return script


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("BENCH_DATA_DIR") or DEFAULT_DATA))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if not (args.data_dir / "covid19").is_dir():
        print(f"real data not found at {args.data_dir}; set BENCH_DATA_DIR", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp:
        warehouse = Path(tmp) / "warehouse.duckdb"
        assert run(args.data_dir, Target(name="duckdb", duckdb_path=warehouse)) == 0
        settings = Settings(api_env="test", duckdb_path=warehouse)
        token = create_access_token(settings, "bench", Role.ANALYST)
        port = _free_port()
        env = {**os.environ, "API_ENV": "test", "DUCKDB_PATH": str(warehouse), "RATE_LIMIT_ENABLED": "false"}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--workers", "2",
             "--log-level", "warning", "--no-access-log"],
            cwd=PROJECT_ROOT, env=env, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            headers = {"Authorization": f"Bearer {token}"}
            # Keys in a random order, from the CSV export (every row of the daily fact).
            export = httpx.get(
                f"{base}/daily-statistics", params={"select": "epidemic_daily_id", "format": "csv"},
                headers=headers, timeout=120,
            ).text.split()[1:]  # fmt: skip
            random.Random(42).shuffle(export)
            paths = ["/daily-statistics/" + key.strip('"') for key in export]
            keys = key_script(Path(tmp), paths)
            wrk(base, token, WARM_UP_SECONDS, args.connections, keys)
            by_key = wrk(base, token, args.seconds, args.connections, keys)
            page = (
                f"{base}/daily-statistics?country_iso3=eq.FRA&source_code=eq.jhu&date=gte.2020-06-01"
                "&order=date.desc&limit=50"
            )
            wrk(page, token, WARM_UP_SECONDS, args.connections)
            listing = wrk(page, token, args.seconds, args.connections)

            started = time.perf_counter()
            size = 0
            with httpx.stream("GET", f"{base}/daily-statistics?format=csv", headers=headers, timeout=300) as response:
                for chunk in response.iter_bytes():
                    size += len(chunk)
            api_csv = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=20)
        out = Path(tmp) / "floor.csv"
        started = time.perf_counter()
        with duckdb.connect(str(warehouse), read_only=True) as con:
            con.execute(f"copy (select * from marts.fct_epidemic_daily order by epidemic_daily_id) to '{out}' (header)")
        floor_csv = time.perf_counter() - started

    lines = [
        MARKER.strip(),
        "",
        f"Produced by `make bench-api` (bench/bench_api.py): uvicorn with 2 workers on {os.cpu_count()} cores, "
        f"wrk with {args.connections} connections for {args.seconds} s per scenario after {WARM_UP_SECONDS} s "
        "unmeasured, real files, DuckDB warehouse. The load generator shares the machine with the server.",
        "",
        "| scenario | req/s | p50 ms | p99 ms | non-2xx | target |",
        "|---|---:|---:|---:|---:|---|",
        f"| one row by key, all {len(paths):,} keys of the daily fact at random | {by_key['rps']:.0f} | "
        f"{by_key['p50']:.1f} | {by_key['p99']:.1f} | {by_key['errors']:.0f} | >= 5,000 req/s, p99 < 50 ms |",
        f"| filtered, sorted page of 50 | {listing['rps']:.0f} | {listing['p50']:.1f} | {listing['p99']:.1f} | "
        f"{listing['errors']:.0f} | p99 < 100 ms |",
        "",
        "| export of the whole daily fact | seconds | ratio |",
        "|---|---:|---:|",
        f"| DuckDB `COPY ... TO` (floor) | {floor_csv:.2f} | 1.00x |",
        f"| API `format=csv` ({size / 1e6:.1f} MB streamed) | {api_csv:.2f} | "
        f"{api_csv / floor_csv:.2f}x (target <= 1.5x) |",
        "",
    ]
    text = REPORT.read_text() if REPORT.exists() else "# Benchmarks\n"
    text = text.split(MARKER)[0].rstrip("\n") + "\n\n" + "\n".join(lines)
    REPORT.write_text(text)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
