"""The reverse proxy: its NGINX configuration read as a tree (no nginx here: a structural check, not
`nginx -t`), matched against docker-compose.yml, and the certs service's self-signed certificate script."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.conftest import NGINX_DIR

TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|[{};]|[^\s{};"\']+')


@dataclass
class Directive:
    name: str
    args: list[str]
    children: list[Directive] = field(default_factory=list)

    def all(self, name: str) -> list[Directive]:
        return [child for child in self.children if child.name == name]

    def values(self, name: str) -> list[str]:
        return [" ".join(child.args) for child in self.all(name)]


def parse(text: str) -> Directive:
    """NGINX syntax: statements end with `;`, blocks are `{...}`; a stray or missing one fails here."""
    tokens = TOKEN.findall("\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines()))
    root = Directive("main", [])
    stack, words = [root], []
    for token in tokens:
        if token == ";":
            assert words, "an empty statement"
            stack[-1].children.append(Directive(words[0], words[1:]))
            words = []
        elif token == "{":
            assert words, "a block without a name"
            block = Directive(words[0], words[1:])
            stack[-1].children.append(block)
            stack.append(block)
            words = []
        elif token == "}":
            assert not words, f"statement {words} lacks its `;`"
            assert len(stack) > 1, "a `}` too many"
            stack.pop()
        else:
            words.append(token.strip("\"'"))
    assert not words and len(stack) == 1, "unterminated statement or block"
    return root


@pytest.fixture(scope="module")
def nginx() -> Directive:
    return parse((NGINX_DIR / "nginx.conf").read_text())


@pytest.fixture(scope="module")
def security_headers() -> dict[str, str]:
    conf = parse((NGINX_DIR / "security_headers.conf").read_text())
    return {child.args[0]: " ".join(child.args[1:]) for child in conf.all("add_header")}


def _http(nginx: Directive) -> Directive:
    (http,) = nginx.all("http")
    return http


def _server(nginx: Directive, port: int) -> Directive:
    (server,) = [s for s in _http(nginx).all("server") if s.values("listen")[0].split()[0] == str(port)]
    return server


def _location(server: Directive, *args: str) -> Directive:
    (location,) = [child for child in server.all("location") if child.args == list(args)]
    return location


def test_the_configuration_parses_and_every_include_is_mounted(nginx: Directive, compose: dict[str, Any]) -> None:
    for path in NGINX_DIR.rglob("*.conf*"):
        parse(path.read_text().replace("${HTTPS_PORT}", "8443"))  # templates as the entrypoint renders them
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in compose["services"]["proxy"]["volumes"]}
    assert mounts["/etc/nginx/nginx.conf"] == "./deploy/nginx/nginx.conf"
    assert mounts["/etc/nginx/templates"] == "./deploy/nginx/templates"

    def includes(directive: Directive) -> list[str]:
        found = directive.values("include")
        return found + [path for child in directive.children for path in includes(child)]

    for path in includes(nginx):
        if path == "/etc/nginx/mime.types":  # the image's own
            continue
        if path.startswith("/tmp/"):  # rendered from templates/ at start
            assert (NGINX_DIR / "templates" / (Path(path).name + ".template")).is_file(), path
        else:
            assert path in mounts, f"{path} is included but not mounted"


def test_listens_on_unprivileged_ports_matching_the_published_ones(nginx: Directive, compose: dict[str, Any]) -> None:
    published = {port.rsplit(":", 1)[1] for port in compose["services"]["proxy"]["ports"]}
    listens = {s.values("listen")[0] for s in _http(nginx).all("server")}
    assert listens == {"8080 default_server", "8443 ssl default_server", "9443 ssl default_server"}
    assert {listen.split()[0] for listen in listens} == published
    assert all(int(port) >= 1024 for port in published), "the proxy has no NET_BIND_SERVICE capability"


def test_tls_is_configured(nginx: Directive, compose: dict[str, Any]) -> None:
    http = _http(nginx)
    assert http.values("ssl_certificate") == ["/etc/nginx/tls/fullchain.pem"]
    assert http.values("ssl_certificate_key") == ["/etc/nginx/tls/privkey.pem"]
    assert http.values("ssl_protocols") == ["TLSv1.2 TLSv1.3"]
    assert http.values("ssl_session_tickets") == ["off"]
    assert "${TLS_DIR:-tls}:/etc/nginx/tls:ro" in compose["services"]["proxy"]["volumes"]
    redirect = (NGINX_DIR / "templates" / "https-redirect.conf.template").read_text()
    assert "return 301 https://$host:${HTTPS_PORT}$request_uri;" in redirect
    assert _location(_server(nginx, 8080), "/").values("include") == ["/tmp/https-redirect.conf"]
    environment = compose["services"]["proxy"]["environment"]
    assert environment["NGINX_ENVSUBST_OUTPUT_DIR"] == "/tmp" and environment["HTTPS_PORT"] == "${HTTPS_PORT:-443}"


def test_security_headers_and_limits(nginx: Directive, security_headers: dict[str, str]) -> None:
    http = _http(nginx)
    assert http.values("server_tokens") == ["off"]
    assert http.values("include")[-1] == "/etc/nginx/security_headers.conf"
    assert security_headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert security_headers["X-Content-Type-Options"] == "nosniff always"
    assert security_headers["X-Frame-Options"] == "DENY always"
    assert security_headers["Referrer-Policy"].endswith("always")
    assert http.values("client_max_body_size") == ["1m"]
    for timeout in ("client_body_timeout", "client_header_timeout", "send_timeout", "proxy_read_timeout"):
        assert http.values(timeout), timeout
    main = _server(nginx, 8443)
    for location in main.all("location"):
        if location.all("add_header"):  # an add_header here drops the inherited ones: they must be included
            assert "/etc/nginx/security_headers.conf" in location.values("include"), location.args
            csp = [h for h in location.values("add_header") if h.startswith("Content-Security-Policy")]
            assert csp and "frame-ancestors 'none'" in csp[0], location.args


def test_routes_and_forwarded_headers(nginx: Directive, compose: dict[str, Any]) -> None:
    http, main = _http(nginx), _server(nginx, 8443)
    assert "X-Forwarded-For $remote_addr" in http.values("proxy_set_header"), "the edge sets it, never appends"
    assert "X-Forwarded-Proto https" in http.values("proxy_set_header")
    api = _location(main, "/api/")
    assert api.values("set") == ["$api http://api:8000"] and api.values("proxy_pass") == ["$api"]
    assert api.values("rewrite") == ["^/api/(.*)$ /$1 break"], "the API serves at its root (uvicorn --root-path)"
    assert api.values("client_max_body_size") == ["65m"], "imports up to 64 MiB reach the API"
    csp = next(h for h in api.values("add_header") if h.startswith("Content-Security-Policy"))
    assert "https://cdn.jsdelivr.net" in csp, "Swagger UI and ReDoc (FastAPI's /docs and /redoc) load from jsDelivr"
    assert _location(main, "=", "/api/metrics").values("return") == ["404"]
    docs = _location(main, "/docs/")
    assert docs.values("set") == ["$docs http://docs:8080"]
    assert _location(main, "/").values("return") == ["404"]
    metabase = _location(_server(nginx, 9443), "/")
    assert metabase.values("set") == ["$metabase http://metabase:3000"]
    upstream_ports = {"api": "8000", "docs": "8080", "metabase": "3000"}
    commands = {name: " ".join(compose["services"][name].get("command") or []) for name in upstream_ports}
    assert "--port=8000" in commands["api"] and "http.server 8080" in commands["docs"]


def test_the_health_check_path_is_served_over_http(nginx: Directive, compose: dict[str, Any]) -> None:
    assert _location(_server(nginx, 8080), "=", "/healthz").values("return") == ["200 ok\\n"]
    assert "http://127.0.0.1:8080/healthz" in compose["services"]["proxy"]["healthcheck"]["test"]


# --- The certs service ------------------------------------------------------------------------------

SCRIPT = NGINX_DIR / "self-signed-cert.sh"
needs_openssl = pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is not installed")


def _make_cert(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(SCRIPT)],
        env={**os.environ, "TLS_DIR": str(folder), **env},
        capture_output=True,
        text=True,
        check=False,
    )


@needs_openssl
def test_a_self_signed_certificate_is_made_once(tmp_path: Path) -> None:
    result = _make_cert(tmp_path, TLS_HOSTNAME="epidemic.example.org")
    assert result.returncode == 0, result.stderr
    key, cert = tmp_path / "privkey.pem", tmp_path / "fullchain.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    text = subprocess.run(
        ["openssl", "x509", "-in", str(cert), "-noout", "-text"], capture_output=True, text=True, check=True
    ).stdout
    assert "DNS:epidemic.example.org" in text and "DNS:localhost" in text and "IP Address:127.0.0.1" in text
    public = [
        subprocess.run(command, capture_output=True, check=True).stdout
        for command in (
            ["openssl", "x509", "-in", str(cert), "-noout", "-pubkey"],
            ["openssl", "pkey", "-in", str(key), "-pubout"],
        )
    ]
    assert public[0] == public[1], "the key is the certificate's"
    before = cert.read_bytes()
    again = _make_cert(tmp_path)
    assert again.returncode == 0 and "kept" in again.stdout
    assert cert.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fullchain.pem", "privkey.pem"]


@needs_openssl
def test_real_certificates_are_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "fullchain.pem").write_text("real chain")
    (tmp_path / "privkey.pem").write_text("real key")
    assert _make_cert(tmp_path).returncode == 0
    assert (tmp_path / "fullchain.pem").read_text() == "real chain"
