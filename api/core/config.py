"""API settings, all from the environment (or a .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.secret_files import load_secret_files
from ingest.warehouse import lake_path, sqlalchemy_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET = "dev-only-insecure-secret-change-me-0123456789"  # noqa: S105 - the dev default, refused in production


class Settings(BaseSettings):
    """Read once at start-up. In production a real JWT secret is mandatory."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    api_env: Literal["dev", "test", "production"] = Field("dev", description="dev allows the built-in JWT secret")
    elt_target: Literal["duckdb", "postgres", "spark"] = "duckdb"
    duckdb_path: Path = Field(
        PROJECT_ROOT / "warehouse.duckdb",
        description="the DuckDB warehouse; with elt_target=spark, the serving file the Spark-built marts are "
        "published into (default <LAKE_PATH>/warehouse.duckdb)",
    )
    database_url: str | None = Field(None, description="Postgres warehouse URL when elt_target=postgres")
    app_database_url: str | None = Field(
        None,
        description="the API database (users, edit log); default: SQLite beside the DuckDB file, or the warehouse",
    )
    elt_state_dir: Path | None = Field(None, description="where API-started ELT runs keep their lock and logs")
    jwt_secret: str = DEV_SECRET
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_minutes: int = Field(
        15, ge=1, le=24 * 60, description="lifetime of an access token; renew it with its refresh token"
    )
    refresh_token_days: float = Field(7, gt=0, le=90, description="lifetime of a login (its refresh token)")
    login_throttle_enabled: bool = True
    login_max_failures: int = Field(
        5, ge=1, description="failed logins for one account from one address before that pair is locked"
    )
    login_address_max_failures: int = Field(
        20, ge=1, description="failed logins from one address, any accounts, before the address is locked"
    )
    login_account_max_failures: int = Field(
        50, ge=1, description="failed logins for one account, any addresses, before the account is locked"
    )
    login_lock_minutes: float = Field(
        15, gt=0, description="the first lock's length and the counting window; each further lock doubles"
    )
    login_max_lock_hours: float = Field(24, gt=0, description="the longest a lock lasts")
    rate_limit_enabled: bool = True
    rate_limits: dict[str, str] = Field(
        default_factory=lambda: {
            "ANONYMOUS": "60/minute",
            "GUEST": "120/minute",
            "USER": "1200/minute",
            "ANALYST": "3000/minute",
            "MANAGER": "3000/minute",
            "ADMIN": "6000/minute",
        },
        description='requests allowed per role and route (limits syntax), e.g. RATE_LIMITS=\'{"USER": "10/second"}\'',
    )
    default_page_size: int = Field(100, ge=1)
    max_page_size: int = Field(10_000, ge=1)
    duckdb_threads: int = Field(
        1, ge=1, description="DuckDB threads per API worker: the workers (one per core) are the parallelism"
    )
    duckdb_memory_limit: str = Field(
        "1GB", description="DuckDB's memory budget per API worker; beyond it a sort spills to key_cache_dir"
    )
    key_cache_dir: Path | None = Field(
        None,
        description="where API workers keep the sorted, memory-mapped copies of marts too large to hold in "
        "memory for reads by key (about the mart's size on disk; default: the system's temporary folder)",
    )
    query_concurrency: int | None = Field(
        None,
        ge=1,
        description="list pages computed at once by each API worker, further requests waiting in order; "
        "default 2 on DuckDB, 3 on Postgres (best measured on 2 cores; raise it for a Postgres on its own machine)",
    )

    @model_validator(mode="before")
    @classmethod
    def _spark_serves_from_the_lake(cls, data: Any) -> Any:
        """On Spark the marts are read from the serving file in the lake unless DUCKDB_PATH says otherwise."""
        if isinstance(data, dict):
            values = {str(key).lower(): value for key, value in data.items()}
            if str(values.get("elt_target", "")).lower() == "spark" and not values.get("duckdb_path"):
                return {**data, "duckdb_path": lake_path() / "warehouse.duckdb"}
        return data

    @property
    def warehouse_engine(self) -> Literal["duckdb", "postgres"]:
        """The database the marts are read from: Spark's marts are published into a DuckDB file."""
        return "postgres" if self.elt_target == "postgres" else "duckdb"

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.api_env == "production" and (self.jwt_secret == DEV_SECRET or len(self.jwt_secret) < 32):
            raise ValueError("JWT_SECRET must be set to a random string of at least 32 characters in production")
        return self

    @property
    def warehouse_url(self) -> str:
        if self.warehouse_engine == "duckdb":
            return f"duckdb:///{self.duckdb_path}"
        if not self.database_url:
            raise ValueError("DATABASE_URL is required when ELT_TARGET=postgres")
        return sqlalchemy_url(self.database_url)

    @property
    def app_url(self) -> str:
        if self.app_database_url:
            return sqlalchemy_url(self.app_database_url)
        if self.warehouse_engine == "duckdb":
            return f"sqlite:///{self.duckdb_path.with_name('app_state.sqlite')}"
        return self.warehouse_url


@lru_cache
def get_settings() -> Settings:
    load_secret_files()  # X_FILE variables (Docker secrets) fill X first
    return Settings()
