"""The Spark override (docker-compose.spark.yml): validated by Compose on top of docker-compose.yml, and
checked for what the Spark target needs: one lake path everywhere, the Thrift server where the ELT looks
for it, the Spark version of pyspark, and the stack's rules (health checks, hardening, no published port).

The structural tests merge the two files themselves (the few Compose merge rules they need), so they run
without Compose; where Compose exists, a test checks that its merge agrees.
"""

from __future__ import annotations

import copy
import re
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.core.config import Settings
from ingest.warehouse import PROJECT_ROOT
from scripts import make_secrets
from tests.deploy.conftest import (
    COMPLETED,
    COMPOSE_FILE,
    ENV_EXAMPLE,
    ENV_SECRETS_FILE,
    HEALTHY,
    SPARK_FILE,
    VARIABLE,
    is_one_shot,
    run_compose,
    service_depends_on,
    service_environment,
)

SPARK_SERVICES = {"spark-master", "spark-worker", "spark-thrift"}
LAKE_VOLUME = "lake"
# The services that read or write the lake: the worker's executors and the Thrift server's driver write
# the tables, the ELT writes raw and the serving file, the API reads the serving file, lake-init owns it.
LAKE_USERS = {"lake-init", "spark-worker", "spark-thrift", "elt", "api"}
IMAGE_DEFAULT = re.compile(r"^\$\{SPARK_IMAGE:-(?P<image>[^}]+)\}$")
PIN = re.compile(r"^pyspark\s*==\s*(?P<version>[0-9][^\s;#]*)", re.IGNORECASE | re.MULTILINE)
SIZE = re.compile(r"^(?P<number>\d+)(?P<unit>[kmgt])$", re.IGNORECASE)
CLASS_OPTION = "--class"


# --- Merging the override onto docker-compose.yml, as Compose does for these keys ----------------------


def _mount_target(mount: str) -> str:
    """The path in the container of a `source:target[:mode]` mount (the source may hold `${VAR:-default}`)."""
    return re.sub(r"\$\{[^}]*\}", "source", mount).split(":")[1]


def _merge_service(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Compose's rules for the keys the override sets: mappings (environment, depends_on) merge by key,
    volumes by their path in the container, networks add up; anything else is replaced."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if key == "environment":
            merged[key] = {**service_environment(base), **service_environment(override)}
        elif key == "depends_on":
            merged[key] = {**service_depends_on(base), **value}
        elif key == "volumes":
            by_target = {_mount_target(mount): mount for mount in base.get(key, [])}
            by_target.update({_mount_target(mount): mount for mount in value})
            merged[key] = list(by_target.values())
        elif key == "networks":
            merged[key] = list(dict.fromkeys([*base.get(key, []), *value]))
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@pytest.fixture(scope="module")
def merged(compose: dict[str, Any], spark_override: dict[str, Any]) -> dict[str, Any]:
    """docker-compose.yml with docker-compose.spark.yml over it (variables not interpolated)."""
    result = copy.deepcopy(compose)
    for name, service in spark_override["services"].items():
        result["services"][name] = _merge_service(compose["services"].get(name, {}), service)
    for section in ("networks", "volumes"):
        result[section] = {**compose.get(section, {}), **spark_override.get(section, {})}
    return result


def _command_option(command: list[str], option: str) -> list[str]:
    """Every value given to `option` (one token each, as the override writes them)."""
    return [command[i + 1] for i, token in enumerate(command[:-1]) if token == option]


def _spark_conf(command: list[str]) -> dict[str, str]:
    return dict(value.split("=", 1) for value in _command_option(command, "--conf"))


def _hive_conf(command: list[str]) -> dict[str, str]:
    return dict(value.split("=", 1) for value in _command_option(command, "--hiveconf"))


def _default(value: str) -> str:
    """`${NAME:-default}` -> default; anything else unchanged."""
    match = re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-(?P<default>[^}]*)\}", value)
    return match["default"] if match else value


def _bytes(size: str) -> int:
    match = SIZE.match(size)
    assert match, f"{size}: expected a size such as 512m or 4g"
    return int(match["number"]) * 1024 ** ("kmgt".index(match["unit"].lower()) + 1)


def _lake_mounts(services: dict[str, Any]) -> dict[str, str]:
    """The `lake` volume's mount per service, e.g. {"elt": "lake:/lake"}."""
    return {
        name: mount
        for name, service in services.items()
        for mount in service.get("volumes", [])
        if mount.split(":")[0] == LAKE_VOLUME
    }


# --- Compose itself ---------------------------------------------------------------------------------


def test_compose_validates_the_spark_stack_with_the_example_env() -> None:
    result = run_compose("--env-file", str(ENV_EXAMPLE), "config", files=(COMPOSE_FILE, SPARK_FILE))
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    base = {"postgres", "elt", "api", "metabase", "docs-build", "docs", "certs", "proxy"}
    assert set(rendered["services"]) == base | SPARK_SERVICES | {"lake-init"}
    elt = service_environment(rendered["services"]["elt"])
    assert (elt["ELT_TARGET"], elt["SPARK_METHOD"], elt["SPARK_HOST"], elt["LAKE_PATH"]) == (
        "spark",
        "thrift",
        "spark-thrift",
        "/lake",
    )
    assert service_environment(rendered["services"]["api"])["ELT_TARGET"] == "duckdb"
    command = rendered["services"]["spark-thrift"]["command"]
    assert "${" not in " ".join(command), "every variable has a value from .env.example"


def test_compose_validates_the_spark_stack_with_secrets_from_files_or_env(tmp_path: Path) -> None:
    """The override goes with either way of passing secrets (docs/deploy.md): files, or .env."""
    folder = tmp_path / "secrets"
    make_secrets.make(folder)
    env_file = tmp_path / "files.env"
    env_file.write_text(ENV_EXAMPLE.read_text() + f"\nSECRETS_DIR={folder}\n")
    assert (
        run_compose("--env-file", str(env_file), "config", "--quiet", files=(COMPOSE_FILE, SPARK_FILE)).returncode == 0
    )
    result = run_compose("--env-file", str(ENV_EXAMPLE), "config", files=(COMPOSE_FILE, ENV_SECRETS_FILE, SPARK_FILE))
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    assert service_environment(rendered["services"]["api"])["JWT_SECRET_FILE"] == ""
    assert service_environment(rendered["services"]["elt"])["ELT_TARGET"] == "spark"


def test_compose_merges_the_override_as_these_tests_do(merged: dict[str, Any]) -> None:
    result = run_compose("--env-file", str(ENV_EXAMPLE), "config", files=(COMPOSE_FILE, SPARK_FILE))
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)["services"]
    for name, service in merged["services"].items():
        ours, theirs = service, rendered[name]
        assert service_environment(ours).keys() == service_environment(theirs).keys(), name
        targets = {_mount_target(mount) for mount in ours.get("volumes", [])}
        # docker-compose 1.29 renders mounts as strings, the v2 plugin as mappings.
        rendered_targets = {
            mount["target"] if isinstance(mount, dict) else _mount_target(mount) for mount in theirs.get("volumes", [])
        }
        assert targets == rendered_targets, name
        assert set(ours.get("networks", [])) == set(theirs.get("networks", {})), name
        assert {key: rule["condition"] for key, rule in service_depends_on(ours).items()} == {
            key: rule["condition"] for key, rule in service_depends_on(theirs).items()
        }, name


# --- Structure --------------------------------------------------------------------------------------


def test_the_spark_services_run_a_standalone_cluster(merged: dict[str, Any]) -> None:
    services = merged["services"]
    assert services.keys() >= SPARK_SERVICES
    master = services["spark-master"]["command"]
    assert master[:2] == ["/opt/spark/bin/spark-class", "org.apache.spark.deploy.master.Master"]
    host, port = _command_option(master, "--host")[0], _command_option(master, "--port")[0]
    master_url = f"spark://{host}:{port}"
    assert host == "spark-master", "the master advertises the name the others reach it by"
    worker = services["spark-worker"]["command"]
    assert worker[:2] == ["/opt/spark/bin/spark-class", "org.apache.spark.deploy.worker.Worker"]
    assert worker[-1] == master_url
    thrift = services["spark-thrift"]["command"]
    assert thrift[0] == "/opt/spark/bin/spark-submit"
    assert _command_option(thrift, CLASS_OPTION) == ["org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"]
    assert _command_option(thrift, "--master") == [master_url]
    conf = _spark_conf(thrift)
    assert conf["spark.driver.host"] == "spark-thrift", "executors on the workers call the driver back by name"
    assert "=" not in "".join(token for token in thrift if token.startswith("--")), (
        "one token per option: spark-submit drops the value of an unknown --option=value (--hiveconf)"
    )
    for name in SPARK_SERVICES:
        assert "SPARK_MASTER" not in service_environment(services[name]), f"{name}: spark-daemon.sh rsyncs from it"


def test_spark_images_are_the_pinned_pyspark_version(
    spark_override: dict[str, Any], env_example: dict[str, str]
) -> None:
    """The cluster runs the Spark that dbt's session method runs in-process (pyspark): one version."""
    requirements = (PROJECT_ROOT / "requirements.txt", PROJECT_ROOT / "requirements.in")
    pin = next((match for match in map(PIN.search, (path.read_text() for path in requirements)) if match), None)
    if pin is None:
        pytest.skip("pyspark is not pinned (pyspark==X.Y.Z) in requirements.txt or requirements.in yet")
    expected = f"apache/spark:{pin['version']}"
    images = {name: service["image"] for name, service in spark_override["services"].items() if "image" in service}
    assert images.keys() == SPARK_SERVICES | {"lake-init"}
    for name, image in images.items():
        match = IMAGE_DEFAULT.match(image)
        assert match, f"{name}: {image} should be ${{SPARK_IMAGE:-{expected}}}"
        assert match["image"] == expected, f"{name}: {match['image']} is not pyspark's {pin['version']}"
    assert env_example["SPARK_IMAGE"] == expected


def test_every_service_that_touches_the_lake_mounts_it_at_one_path(merged: dict[str, Any]) -> None:
    services = merged["services"]
    mounts = _lake_mounts(services)
    assert mounts.keys() == LAKE_USERS
    paths = {_mount_target(mount) for mount in mounts.values()}
    assert len(paths) == 1, f"one path in every container, or Spark SQL paths mean different folders: {mounts}"
    (lake,) = paths
    assert mounts["api"] == f"{LAKE_VOLUME}:{lake}:ro", "the API only reads the serving file"
    assert LAKE_VOLUME in merged["volumes"]
    for name in ("elt", "docs-build"):
        assert service_environment(services[name])["LAKE_PATH"] == lake, name
    elt, api = service_environment(services["elt"]), service_environment(services["api"])
    assert Path(elt["DUCKDB_PATH"]).parent == Path(lake) / "serving"
    assert api["DUCKDB_PATH"] == elt["DUCKDB_PATH"], "the API serves the file the ELT publishes"


def test_the_thrift_server_keeps_the_lake_layout_of_profiles_yml(merged: dict[str, Any]) -> None:
    """The server's warehouse folder and metastore are where the profile's session method puts them for
    the same LAKE_PATH, so a lake is laid out alike whichever way dbt reaches Spark."""
    lake = service_environment(merged["services"]["elt"])["LAKE_PATH"]
    profile = yaml.safe_load((PROJECT_ROOT / "profiles.yml").read_text())
    parameters = profile["epidemic"]["outputs"]["spark"]["server_side_parameters"]
    lake_path = "{{ env_var('LAKE_PATH', 'lake') }}"
    conf = _spark_conf(merged["services"]["spark-thrift"]["command"])
    for key in ("spark.sql.warehouse.dir", "spark.hadoop.javax.jdo.option.ConnectionURL"):
        assert lake_path in parameters[key], f"profiles.yml: {key} is no longer under LAKE_PATH"
        assert conf[key] == parameters[key].replace(lake_path, lake), key
    assert conf["spark.sql.session.timeZone"] == parameters["spark.sql.session.timeZone"]


def test_the_elt_reaches_the_thrift_server(merged: dict[str, Any]) -> None:
    services = merged["services"]
    thrift = services["spark-thrift"]
    port = _hive_conf(thrift["command"])["hive.server2.thrift.port"]
    assert port == "10000"
    bind = _hive_conf(thrift["command"])["hive.server2.thrift.bind.host"]
    assert bind == "0.0.0.0", "inside its container, on the spark network only"  # noqa: S104 - a setting read
    assert thrift["healthcheck"]["test"][-1].endswith(f"/dev/tcp/127.0.0.1/{port}"), "health = the port dbt uses"
    for name in ("elt", "docs-build"):
        env = service_environment(services[name])
        assert env["ELT_TARGET"] == "spark" and env["SPARK_METHOD"] == "thrift", name
        assert (env["SPARK_HOST"], env["SPARK_PORT"]) == ("spark-thrift", port), name
        assert "SPARK_MASTER" not in env, f"{name}: the Thrift server, not dbt, talks to the master"
        assert service_depends_on(services[name])["spark-thrift"] == {"condition": HEALTHY}, name
        assert set(services[name]["networks"]) & set(thrift["networks"]), f"{name} cannot reach spark-thrift"
    docs_build = " ".join(services["docs-build"]["command"]).split()
    assert docs_build[docs_build.index("--target") + 1] == "spark_thrift", "profiles.yml's output for the server"


def test_the_api_serves_the_published_duckdb_file(merged: dict[str, Any]) -> None:
    api = service_environment(merged["services"]["api"])
    allowed = typing.get_args(Settings.model_fields["elt_target"].annotation)
    assert api["ELT_TARGET"] == "duckdb" and api["ELT_TARGET"] in allowed
    assert api["DUCKDB_PATH"].endswith(".duckdb")


def test_the_thrift_server_is_out_of_reach_of_the_api_and_the_proxy(merged: dict[str, Any]) -> None:
    """It has no authentication: only the ELT and the docs build share a network with it."""
    services = merged["services"]
    spark_networks = set(services["spark-thrift"]["networks"])
    assert merged["networks"]["spark"] == {"internal": True}
    reach = {name for name, service in services.items() if spark_networks & set(service.get("networks") or [])}
    assert reach == SPARK_SERVICES | {"elt", "docs-build"}
    for name in SPARK_SERVICES:
        assert services[name]["networks"] == ["spark"], name
    assert services["lake-init"]["network_mode"] == "none"


def test_no_spark_service_publishes_ports(spark_override: dict[str, Any], merged: dict[str, Any]) -> None:
    for name, service in spark_override["services"].items():
        assert "ports" not in service and "expose" not in service, name
    assert {name for name, service in merged["services"].items() if service.get("ports")} == {"proxy"}


def test_every_service_is_health_checked_or_one_shot_and_waited_for(merged: dict[str, Any]) -> None:
    services = merged["services"]
    waited_for = set()
    for name, service in services.items():
        if is_one_shot(service):
            assert "healthcheck" not in service and service.get("command"), name
        else:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
            assert service.get("restart") == "unless-stopped", name
        for dependency, rule in service_depends_on(service).items():
            if rule["condition"] == HEALTHY:
                assert "healthcheck" in services[dependency], f"{name} waits for {dependency}'s missing healthcheck"
            else:
                assert rule["condition"] == COMPLETED and is_one_shot(services[dependency]), f"{name} -> {dependency}"
            waited_for.add(dependency)
    assert {name for name, service in services.items() if is_one_shot(service)} <= waited_for
    for name in _lake_mounts(services).keys() - {"lake-init"}:
        assert service_depends_on(services[name]).get("lake-init") == {"condition": COMPLETED} or name == "api", name
    assert service_depends_on(services["spark-worker"])["spark-master"] == {"condition": HEALTHY}
    assert service_depends_on(services["spark-thrift"])["spark-master"] == {"condition": HEALTHY}


def test_spark_containers_are_hardened(spark_override: dict[str, Any]) -> None:
    for name, service in spark_override["services"].items():
        if "image" not in service:
            continue  # the app image's services, hardened in docker-compose.yml
        assert service.get("read_only") is True, f"{name} should have a read-only root"
        assert "no-new-privileges:true" in service["security_opt"], name
        assert service.get("cap_drop") == ["ALL"] and "privileged" not in service, name
        assert any(mount.split(":")[0] == "/tmp" for mount in service["tmpfs"]), f"{name} needs a writable /tmp"
        if name == "lake-init":
            # Root, to hand the new volume's folders to their users: that and nothing more.
            assert service["user"] == "0:0" and service["cap_add"] == ["CHOWN"]
        else:
            assert "cap_add" not in service and "user" not in service, f"{name} runs as the image's user `spark`"


def test_spark_settings_fit_together(spark_override: dict[str, Any], env_example: dict[str, str]) -> None:
    """The defaults in the file are .env.example's values, and an executor fits in a worker."""
    text = SPARK_FILE.read_text()
    defaults = dict(re.findall(r"\$\{([A-Z_]+):-([^}]*)\}", text))
    assert defaults.keys() == set(VARIABLE.findall(text))
    for name, default in defaults.items():
        assert env_example[name] == default, f"{name}: .env.example says {env_example[name]}, the file {default}"
    worker = spark_override["services"]["spark-worker"]["command"]
    thrift = spark_override["services"]["spark-thrift"]["command"]
    worker_memory = _bytes(_default(_command_option(worker, "--memory")[0]))
    executor_memory = _bytes(_default(_command_option(thrift, "--executor-memory")[0]))
    assert executor_memory <= worker_memory, "an executor larger than a worker never starts"


def test_the_local_lake_stays_out_of_the_image_build() -> None:
    """`ELT_TARGET=spark make elt` writes lake/ at the project root (raw Parquet, tables, metastore)."""
    assert "lake" in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
