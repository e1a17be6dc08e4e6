"""The fixed prefix of every model request (system prompt + tool schemas) and its token cost.

Provider prompt caches hit only on a byte-identical prefix, so the prefix depends on the role
alone: nothing about the user, the date or the thread goes into it.

Counting uses tiktoken's ``o200k_base`` (the encoding of OpenAI's current models).
tiktoken downloads encoding files at first use, which fails offline and in CI; the
``quicktok-v1`` package (dev extra) ships the same vocabulary, so `encoding()` rebuilds the
file tiktoken expects from it, into tiktoken's own cache, and tiktoken checks the file
against the official SHA-256 before using it.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import struct
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.utils.function_calling import convert_to_openai_tool

from assistant.models.json_protocol import instructions
from prompts import load_prompt
from tools.order_tools import tools_for

TOKEN_BUDGET = 1_500
# name -> (tiktoken's download address, its official SHA-256, quicktok's vocabulary file)
_ENCODINGS = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "o200k.vocab",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        "cl100k.vocab",
    ),
}


@cache
def tool_schemas(role: str) -> tuple[dict[str, Any], ...]:
    """The ``tools`` array exactly as ChatOpenAI sends it for this role."""
    return tuple(convert_to_openai_tool(t) for t in tools_for(role))


def prefix_text(role: str) -> str:
    """System prompt and tool schemas as one string (the schemas as compact JSON)."""
    tools = json.dumps(list(tool_schemas(role)), separators=(",", ":"), ensure_ascii=False)
    return load_prompt(role) + "\n" + tools


def json_mode_prefix(role: str) -> str:
    """The system message of JSON tool mode (small local models), as `JsonToolModel` sends
    it for this role: the protocol and examples, the typed signatures, the role's prompt."""
    return instructions([t["function"] for t in tool_schemas(role)], load_prompt(role))


def shared_prefix_tokens(encoding_name: str = "o200k_base") -> dict[str, int]:
    """Tokens of the customer's and the staff's JSON-mode prefix, and of the part they share
    token for token: what a server's KV cache reuses across a role switch (it matches
    tokens, not characters)."""
    enc = encoding(encoding_name)
    customer, staff = (enc.encode(json_mode_prefix(r), disallowed_special=())
                       for r in ("customer", "staff"))
    shared = next((i for i, (a, b) in enumerate(zip(customer, staff, strict=False))
                   if a != b),
                  min(len(customer), len(staff)))
    return {"customer": len(customer), "staff": len(staff), "shared": shared}


def count_tokens(text: str, encoding_name: str = "o200k_base") -> int:
    return len(encoding(encoding_name).encode(text, disallowed_special=()))


def prefix_tokens(role: str, encoding_name: str = "o200k_base") -> dict[str, int]:
    """Tokens of the system prompt, of the tool schemas, and their sum.

    The schemas are counted as the JSON sent, an upper bound: OpenAI renders them more
    compactly inside the model's context.
    """
    system = count_tokens(load_prompt(role), encoding_name)
    tools = count_tokens(prefix_text(role)[len(load_prompt(role)) + 1:], encoding_name)
    return {"system": system, "tools": tools, "total": system + tools}


@cache
def encoding(name: str = "o200k_base") -> Any:
    import tiktoken

    _prime_tiktoken_cache(name)
    return tiktoken.get_encoding(name)


def _cache_dir() -> Path:
    # The same lookup as tiktoken.load.read_file_cached.
    configured = os.environ.get("TIKTOKEN_CACHE_DIR", os.environ.get("DATA_GYM_CACHE_DIR"))
    if configured == "":
        raise RuntimeError("TIKTOKEN_CACHE_DIR is empty (caching disabled): tiktoken would "
                           "download its encoding files, and there is no network")
    return Path(configured or Path(tempfile.gettempdir()) / "data-gym-cache")


def _prime_tiktoken_cache(name: str) -> None:
    url, sha256, vocab = _ENCODINGS[name]
    target = _cache_dir() / hashlib.sha1(url.encode()).hexdigest()
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
        return
    data = _tiktoken_file_from_quicktok(vocab)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise RuntimeError(f"{name} rebuilt from quicktok-v1 does not match tiktoken's hash")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(data)
    partial.replace(target)  # atomic: parallel test workers never read half a file


def _tiktoken_file_from_quicktok(vocab: str) -> bytes:
    """quicktok's vocabulary (u32 count, then u16 length, bytes, u32 rank per token) in
    tiktoken's format (base64 token, space, rank, newline; by rank)."""
    spec = importlib.util.find_spec("quicktok")  # locate only: no native code is loaded
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("counting tokens offline needs the dev extra quicktok-v1 "
                           "(pip install -e '.[dev]'), or the tiktoken file in "
                           "TIKTOKEN_CACHE_DIR")
    raw = (Path(next(iter(spec.submodule_search_locations))) / "data" / vocab).read_bytes()
    (count,) = struct.unpack_from("<I", raw, 0)
    offset, ranks = 4, []
    for _ in range(count):
        (length,) = struct.unpack_from("<H", raw, offset)
        token = raw[offset + 2: offset + 2 + length]
        (rank,) = struct.unpack_from("<I", raw, offset + 2 + length)
        offset += 6 + length
        ranks.append((rank, token))
    ranks.sort()
    return b"".join(base64.b64encode(t) + b" %d\n" % r for r, t in ranks)
