"""Rescind's settings: one typed object, read from the environment and a `.env` file.

Every variable the project reads is a field here, under the name operators know it by
(`DATABASE_URL`, `OPENAI_API_KEY`, `RESCIND_*`, `CHAINLIT_*`, `OTEL_*`), in one section per
concern: `database`, `model`, `limits`, `web`, `logs`, `tracing`, `cli`. `.env.example` lists
them all with their defaults (a test keeps the two in step).

This module sits below every layer (`.importlinter`), so the store, the tools, the agent and
the UI read one object, and each layer reads only its own section.

- The environment wins over `.env`; `.env` is read from the current directory, or from the
  file `RESCIND_ENV_FILE` names (empty: none). That one variable can't come from `.env`.
- An empty value counts as unset, so `RESCIND_MODEL=` in `.env` means the default.
- A bad value fails at start with one line per variable: `RESCIND_MAX_MODEL_CALLS must be
  at least 1, got '0'`. Secrets (`SecretStr`) are never echoed, in errors or reprs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Self, get_args

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

Provider = Literal["offline", "openai", "openai-compatible"]
PROVIDERS: tuple[str, ...] = get_args(Provider)
ReasoningEffort = Literal["none", "minimal", "low", "medium", "high"]
Mode = Literal["agent", "guided"]
MODES: tuple[str, ...] = get_args(Mode)
REASONING_EFFORTS: tuple[str, ...] = get_args(ReasoningEffort)
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
ENV_FILE_VARIABLE = "RESCIND_ENV_FILE"


class ConfigError(ValueError):
    """A setting that can't work; the message names the variable and what it needs."""


# --- where values come from ------------------------------------------------------------------
_GIVEN: ContextVar[Mapping[str, str] | None] = ContextVar("rescind_settings_given", default=None)


class _Given(PydanticBaseSettingsSource):
    """Values from a mapping given in place of the environment (tests, one-off checks)."""

    def __init__(self, settings_cls: type[BaseSettings], given: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.given = {k.upper(): v for k, v in given.items()}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        name = str(field.validation_alias)
        return self.given.get(name), name, False

    def __call__(self) -> dict[str, Any]:
        found = (self.get_field_value(f, n) for n, f in self.settings_cls.model_fields.items())
        return {name: value for value, name, _ in found if value is not None}


def env_file() -> Path | None:
    """The `.env` file to read: `RESCIND_ENV_FILE`, else `.env` in the current directory."""
    configured = os.environ.get(ENV_FILE_VARIABLE)
    if configured is None:
        return Path(".env")
    return Path(configured) if configured.strip() else None


def export_env_file() -> None:
    """Put `.env`'s values into the process environment, under the environment's own (which
    win). Libraries that read the environment themselves then see them too: LangSmith, the
    OpenTelemetry exporter, Chainlit. Entry points call this once, at start."""
    from dotenv import load_dotenv

    path = env_file()
    if path is not None and path.is_file():
        load_dotenv(path, override=False)


class Section(BaseSettings):
    """One concern's variables. `load()` reads them, or raises a `ConfigError`."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_ignore_empty=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        given = _GIVEN.get()
        if given is not None:
            return (init_settings, _Given(settings_cls, given))
        return (init_settings, env_settings, dotenv_settings)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()
                if not (isinstance(v, str) and not v.strip())}

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None) -> Self:
        """From the environment and `.env`, or from `env` alone when it is given."""
        try:
            with _reading(env):
                return cls(_env_file=env_file())  # type: ignore[call-arg]
        except ValidationError as e:
            raise ConfigError("\n".join(_describe(e))) from None

    @classmethod
    def variables(cls) -> list[str]:
        return [str(f.validation_alias) for f in cls.model_fields.values()]


@contextmanager
def _reading(env: Mapping[str, str] | None) -> Iterator[None]:
    token = _GIVEN.set(env)
    try:
        yield
    finally:
        _GIVEN.reset(token)


def _var(default: Any, name: str, **constraints: Any) -> Any:
    return Field(default, validation_alias=name, **constraints)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


# --- the sections ----------------------------------------------------------------------------
class DatabaseSettings(Section):
    """The store. Unset: a SQLite file, `var/rescind.db` beside the code."""

    url: str | None = _var(None, "DATABASE_URL")

    @field_validator("url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or re.match(r"sqlite:|postgresql(\+psycopg)?://", value):
            return value
        scheme = value.split(":", 1)[0]  # the rest may hold a password: never echoed
        hint = " (write postgresql://)" if scheme == "postgres" else ""
        raise ValueError(f"must be sqlite:///PATH or postgresql://USER@HOST:PORT/DB, "
                         f"not a {scheme!r} address{hint}")


class ModelSettings(Section):
    """Which model answers and how patiently (see `assistant.config` for the choice)."""

    provider: Provider | None = _var(None, "RESCIND_PROVIDER")
    model: str | None = _var(None, "RESCIND_MODEL")
    base_url: str | None = _var(None, "OPENAI_BASE_URL")
    api_key: SecretStr | None = _var(None, "OPENAI_API_KEY")
    tool_mode: Literal["native", "json"] = _var("native", "RESCIND_TOOL_MODE")
    reasoning_effort: ReasoningEffort | None = _var(None, "RESCIND_REASONING_EFFORT")
    timeout_s: float = _var(20.0, "RESCIND_MODEL_TIMEOUT", ge=0.05, allow_inf_nan=False)
    max_retries: int = _var(2, "RESCIND_MODEL_RETRIES", ge=0)
    mode: Mode = _var("agent", "RESCIND_MODE")
    max_tokens: int | None = _var(None, "RESCIND_MAX_TOKENS", ge=1)

    _normalise = field_validator("tool_mode", "reasoning_effort", "mode", mode="before")(_lower)

    @field_validator("provider", mode="before")
    @classmethod
    def _known_provider(cls, value: Any) -> Any:
        value = _lower(value)
        if value is not None and value not in PROVIDERS:
            raise ValueError(f"names an unknown provider {value!r}; choose one of "
                             f"{', '.join(PROVIDERS)}")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_address(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"https?://", value):
            raise ValueError(f"must be an http:// or https:// address, got {value!r}")
        return value


class LimitSettings(Section):
    """Per-turn budgets (see `assistant.config.Limits`)."""

    model_calls: int = _var(4, "RESCIND_MAX_MODEL_CALLS", ge=1)
    tool_calls: int = _var(6, "RESCIND_MAX_TOOL_CALLS", ge=0)
    turn_timeout_s: float = _var(60.0, "RESCIND_TURN_TIMEOUT", ge=0.05, allow_inf_nan=False)
    history_turns: int = _var(8, "RESCIND_HISTORY_TURNS", ge=0)
    history_chars: int = _var(16_000, "RESCIND_HISTORY_CHARS", ge=0)


class WebSettings(Section):
    """The chat app: where it listens, how sessions are signed, who may sign in by header."""

    host: str = _var("127.0.0.1", "CHAINLIT_HOST")
    port: int = _var(8000, "CHAINLIT_PORT", ge=1, le=65535)
    auth_secret: SecretStr | None = _var(None, "CHAINLIT_AUTH_SECRET")
    header_auth: str | None = _var(None, "RESCIND_HEADER_AUTH")
    # Per-message compression of websocket frames: CPU on both ends for small chat messages.
    ws_compression: bool = _var(False, "UVICORN_WS_PER_MESSAGE_DEFLATE")
    # Money is shown in the order's currency; an order without one is in this currency.
    currency: str = _var("EUR", "RESCIND_CURRENCY", pattern=r"^[A-Z]{3}$")
    locale: str = _var("en_US", "RESCIND_LOCALE", pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")
    # Demo mode shows the demo logins on the sign-in page; never on a real deployment.
    demo: bool = _var(False, "RESCIND_DEMO")

    @field_validator("header_auth")
    @classmethod
    def _header_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9-]+", value):
            raise ValueError(f"must be an HTTP header name like X-Forwarded-Email, "
                             f"got {value!r}")
        return value


class LogSettings(Section):
    """Logs on stderr: plain text for people, JSON lines for collectors."""

    format: Literal["text", "json"] = _var("text", "RESCIND_LOG_FORMAT")
    level: LogLevel | None = _var(None, "RESCIND_LOG_LEVEL")  # None: the command's default
    actor_key: SecretStr | None = _var(None, "RESCIND_LOG_KEY")

    _normalise = field_validator("format", mode="before")(_lower)

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class TracingSettings(Section):
    """OpenTelemetry's own variables: spans are exported only when one of these says where.
    (The OTLP exporter reads the rest itself: OTEL_EXPORTER_OTLP_HEADERS and the like.)"""

    exporter: str | None = _var(None, "OTEL_TRACES_EXPORTER")
    endpoint: str | None = _var(None, "OTEL_EXPORTER_OTLP_ENDPOINT")
    traces_endpoint: str | None = _var(None, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    service_name: str = _var("rescind", "OTEL_SERVICE_NAME")

    EXPORTERS: ClassVar[tuple[str, ...]] = ("otlp", "console", "none")

    @field_validator("exporter", mode="before")
    @classmethod
    def _known_exporters(cls, value: Any) -> Any:
        value = _lower(value)
        if value is None:
            return value
        names = [n.strip() for n in str(value).split(",") if n.strip()]
        unknown = [n for n in names if n not in cls.EXPORTERS]
        if unknown:
            raise ValueError(f"must be a comma-separated list of {', '.join(cls.EXPORTERS)}, "
                             f"got {value!r}")
        return ",".join(names)

    @property
    def exporters(self) -> list[str]:
        """Where spans go; empty when nothing is configured."""
        names = [n for n in (self.exporter or "").split(",") if n and n != "none"]
        if self.exporter is None and (self.endpoint or self.traces_endpoint):
            return ["otlp"]
        return names


class MailSettings(Section):
    """E-mail delivery (`store/mail`): SMTP when set, else a local Maildir."""

    smtp_url: SecretStr | None = _var(None, "RESCIND_SMTP_URL")  # may hold a password
    maildir: str | None = _var(None, "RESCIND_MAILDIR")  # None: var/mail
    sender: str = _var("Rescind orders <orders@rescind.example>", "RESCIND_MAIL_FROM")
    public_url: str = _var("http://localhost:8000", "RESCIND_PUBLIC_URL")
    interval_s: float = _var(5.0, "RESCIND_MAIL_INTERVAL", ge=0.2, allow_inf_nan=False)

    @field_validator("smtp_url")
    @classmethod
    def _smtp_address(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.match(r"smtps?://", value.get_secret_value()):
            raise ValueError("must be an smtp:// or smtps:// address")
        return value


class SecuritySettings(Section):
    """The web surface's limits and lifetimes (`assistant/ui/security`)."""

    # The conversation reads at most 4,000 characters: a longer limit would let part of a
    # message be dropped silently.
    max_message_chars: int = _var(4000, "RESCIND_MAX_MESSAGE_CHARS", ge=1, le=4000)
    token_minutes: int = _var(60, "RESCIND_TOKEN_MINUTES", ge=1, le=24 * 60)
    session_hours: int = _var(12, "RESCIND_SESSION_HOURS", ge=1, le=24 * 30)
    api_docs: bool = _var(False, "RESCIND_API_DOCS")
    auth_cookie: str = _var("access_token", "CHAINLIT_AUTH_COOKIE_NAME")

    @model_validator(mode="after")
    def _token_within_session(self) -> Self:
        if self.token_minutes > self.session_hours * 60:
            raise ValueError(f"RESCIND_TOKEN_MINUTES ({self.token_minutes}) can't be longer "
                             f"than RESCIND_SESSION_HOURS ({self.session_hours} h)")
        return self


class ServingSettings(Section):
    """How much one app process takes on at once (`assistant/ui/pools.py`), and its share
    of the database's connections (`make serve` divides max_connections among processes)."""

    # Turns running at once; unset: 256 with a language model (they wait on it), twice the
    # cores with the offline engine (its turns are CPU work: more threads only add waiting).
    max_turns: int | None = _var(None, "RESCIND_MAX_TURNS", ge=1, le=4096)
    turn_queue: int = _var(256, "RESCIND_TURN_QUEUE", ge=0, le=100_000)  # waiting beyond those
    auth_workers: int = _var(2, "RESCIND_AUTH_WORKERS", ge=1, le=64)  # password hashing
    db_pool: int = _var(10, "RESCIND_DB_POOL", ge=1, le=500)
    db_overflow: int = _var(20, "RESCIND_DB_OVERFLOW", ge=0, le=500)
    # off: the schema is someone else's job (`make serve` migrates once, before any worker)
    migrate: bool = _var(True, "RESCIND_MIGRATE")


class CliSettings(Section):
    """The command line."""

    staff: str = _var("cli@rescind", "RESCIND_STAFF")  # who `rescind explain` reads as


# --- all of them -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings
    model: ModelSettings
    limits: LimitSettings
    web: WebSettings
    logs: LogSettings
    tracing: TracingSettings
    mail: MailSettings
    security: SecuritySettings
    serving: ServingSettings
    cli: CliSettings


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Every section, checked; a `ConfigError` lists every bad value, not just the first."""
    loaded: dict[str, Section] = {}
    problems: list[str] = []
    for name, section in _SECTIONS.items():
        try:
            loaded[name] = section.load(env)
        except ConfigError as e:
            problems.append(str(e))
    if problems:
        raise ConfigError("\n".join(problems))
    return Settings(**loaded)  # type: ignore[arg-type]


_SECTIONS: dict[str, type[Section]] = {
    "database": DatabaseSettings, "model": ModelSettings, "limits": LimitSettings,
    "web": WebSettings, "logs": LogSettings, "tracing": TracingSettings, "mail": MailSettings,
    "security": SecuritySettings, "serving": ServingSettings, "cli": CliSettings,
}


def live_auth_secret() -> str | None:
    """The secret Chainlit signs its tokens with, as this process set it at start (from
    `CHAINLIT_AUTH_SECRET` or the app's own file under var/): read live, never cached."""
    return os.environ.get("CHAINLIT_AUTH_SECRET") or None


def variables() -> list[str]:
    """Every variable a section reads, in section order (`.env.example` lists the same)."""
    return [name for section in _SECTIONS.values() for name in section.variables()]


# --- messages --------------------------------------------------------------------------------
def _describe(error: ValidationError) -> Iterator[str]:
    for e in error.errors(include_url=False):
        name = str(e["loc"][0]) if e["loc"] else "a setting"
        ctx = e.get("ctx") or {}
        kind = e["type"]
        if kind == "value_error":  # our own validators: the message says it all
            yield f"{name} {ctx.get('error', e['msg'])}"
            continue
        phrase = {
            "float_parsing": "must be a number",
            "finite_number": "must be a finite number",
            "int_parsing": "must be a whole number",
            "int_from_float": "must be a whole number",
            "greater_than_equal": f"must be at least {ctx.get('ge')}",
            "less_than_equal": f"must be at most {ctx.get('le')}",
            "literal_error": f"must be one of {ctx.get('expected')}",
            "bool_parsing": "must be on or off",
        }.get(kind, e["msg"].lower())
        yield f"{name} {phrase}, got {e['input']!r}"
