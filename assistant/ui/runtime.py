"""Process-wide pieces of the app: the store, the chat history layer, the agents, secrets."""

from __future__ import annotations

import functools
import os
import secrets
from pathlib import Path

from assistant.config import DEFAULT_OPENAI_MODEL, ModelConfig
from assistant.conversation import StoredThreads, factory
from assistant.conversation.engines import Engine
from assistant.ui.datalayer import ChatDataLayer
from assistant.ui.live import LiveDataLayer
from assistant.ui.security import settings
from store import startup
from store.db import DEFAULT_SQLITE, Store, open_store
from store.settings import ServingSettings, WebSettings

SECRET_FILE = DEFAULT_SQLITE.parent / ".chainlit_secret"
HEADER_AUTH_ENV = "RESCIND_HEADER_AUTH"  # WebSettings.header_auth


def start() -> None:
    """Settings checked (a bad value stops the app with one line per variable), logs and
    tracing set, before Chainlit serves anything."""
    startup.start(default_log_level="INFO")


def ensure_auth_secret(path: Path = SECRET_FILE) -> None:
    """Chainlit signs its session tokens with CHAINLIT_AUTH_SECRET. A local run without one
    gets a random secret kept in var/ (so sign-ins survive restarts); deployments set it."""
    configured = WebSettings.load().auth_secret
    if configured is not None:  # Chainlit reads the environment, and it may be from .env
        os.environ["CHAINLIT_AUTH_SECRET"] = configured.get_secret_value()
        return
    if path.exists():
        secret = path.read_text().strip()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(secret + "\n")
    os.environ["CHAINLIT_AUTH_SECRET"] = secret


@functools.cache
def store() -> Store:
    """The store named by DATABASE_URL (SQLite file by default), migrated to head unless
    RESCIND_MIGRATE=off (`make serve` migrates once, before any worker starts)."""
    return open_store(migrate=ServingSettings.load().migrate)


@functools.cache
def data_layer() -> ChatDataLayer:
    # Cards in a thread opened again are re-rendered from the store (assistant/ui/live.py).
    return LiveDataLayer(store(), settings.current().max_message_chars)


def model_config() -> ModelConfig:
    return ModelConfig.from_env()


def engine_for(role: str) -> Engine:
    """One engine per role, shared by every conversation of this process."""
    return factory.engine_for(role)


@functools.cache
def threads() -> StoredThreads:
    return StoredThreads(store())


def model_notice() -> str:
    """What answers the user: said plainly, because the default is not a language model."""
    config = model_config()
    if config.is_llm:
        name = config.model or DEFAULT_OPENAI_MODEL
        return (f"Answers come from the language model `{name}`; every order fact and change "
                "still comes from the order system.")
    return ("**Offline dialogue engine — not an LLM.** It follows fixed rules to understand "
            "your request; every order fact and change comes from the order system.")


def header_auth_name() -> str | None:
    """The header an SSO proxy puts the signed-in e-mail in (e.g. X-Forwarded-Email);
    header sign-in is off unless it is set. The proxy must strip it from client requests."""
    return WebSettings.load().header_auth
