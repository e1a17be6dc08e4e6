"""The contract's JSON Schema (docs/dialog-format.md), shipped once as package data,
with its errors turned into one clear message per problem at the line it is on."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path as FilePath
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from evals.yamlmarks import Marked, Path

SCHEMA_FILE = FilePath(__file__).with_name("dialog.schema.json")  # shipped as package data
MONEY_PATTERN = r"^[0-9]+(\.[0-9]{1,2})?$"
_TYPE_NAMES = {"string": "a string", "array": "a list", "object": "a mapping",
               "integer": "a whole number", "boolean": "true or false"}


@dataclass(frozen=True)
class SchemaProblem:
    line: int
    message: str


@cache
def validator() -> Draft202012Validator:
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def schema_problems(doc: Marked) -> list[SchemaProblem]:
    out: list[SchemaProblem] = []
    for error in validator().iter_errors(doc.data):
        out.extend(_describe(error, doc))
    unique = {(p.line, p.message): p for p in out}
    return sorted(unique.values(), key=lambda p: p.line)


def where(path: Sequence[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the top level"


def _describe(error: ValidationError, doc: Marked) -> Iterator[SchemaProblem]:
    path: Path = tuple(error.absolute_path)
    line = doc.line(path)
    kind = error.validator
    if kind == "oneOf":
        yield from _one_of(error, doc)
    elif kind == "additionalProperties":
        yield from _unknown_keys(error, doc, path)
    elif kind == "required":
        instance = _instance(error)
        missing = [k for k in _value(error) if k not in instance]
        for key in missing:
            yield SchemaProblem(line, f"missing required key '{key}' in {where(path)}")
    elif _is_money(error, path):
        yield SchemaProblem(line, f"{where(path)}: money must be a quoted decimal string such "
                                  f'as "59.99", not {_shown(error.instance)}')
    else:
        yield SchemaProblem(line, _message(error, path))


def _message(error: ValidationError, path: Path) -> str:
    name, value, inst = where(path), _value(error), error.instance
    if error.validator == "type":
        hint = " (quote it)" if isinstance(inst, int | float | bool) and value == "string" else ""
        return f"{name} must be {_TYPE_NAMES.get(str(value), value)}, not {_shown(inst)}{hint}"
    if error.validator == "enum":
        is_status = bool(path) and (path[-1] == "status" or "items" in path)
        noun = "status" if is_status else "value"
        return f"{name}: invalid {noun} {_shown(inst)}; expected one of {', '.join(value)}"
    if error.validator == "const":
        return f"{name} can only be {json.dumps(value) if value is True else value}"
    if error.validator == "pattern" and path and path[-2:-1] == ("policy",):
        return f"{name}: {_shown(inst)} is not a rule id (P1 to P14)"
    if error.validator in ("minProperties", "maxProperties") and "event" in path:
        return (f"{name} names exactly one of ship, deliver, process, seller_approves, "
                "seller_denies, returned")
    if error.validator == "minItems":
        return f"{name} must not be empty"
    if error.validator == "minimum":
        return f"{name} must be at least {value}, not {_shown(inst)}"
    if error.validator == "minLength":
        return f"{name} must not be empty"
    return f"{name}: {error.message}"


def _unknown_keys(error: ValidationError, doc: Marked, path: Path) -> Iterator[SchemaProblem]:
    allowed = sorted((error.schema.get("properties") or {}) if isinstance(error.schema, dict)
                     else {})
    for key in sorted(set(_instance(error)) - set(allowed), key=str):
        yield SchemaProblem(doc.line((*path, key)), _unknown(key, path, allowed))


def _unknown(key: Any, path: Path, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(key), allowed, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(allowed)})"
    return f"unknown key '{key}' in {where(path)}{hint}"


def _one_of(error: ValidationError, doc: Marked) -> Iterator[SchemaProblem]:
    """Pick the branch the author meant (the one whose required key and type fit) and report
    its errors; a bare "not valid under any of the given schemas" helps nobody."""
    path: Path = tuple(error.absolute_path)
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    fitting = [errs for errs in branches.values() if not any(
        e.validator in ("required", "type", "const") and not e.relative_path for e in errs)]
    if len(fitting) == 1:
        for sub in fitting[0]:
            yield from _describe(sub, doc)
        return
    if isinstance(error.instance, dict) and not fitting:
        allowed = sorted({k for s in _value(error) for k in s.get("properties", {})})
        unknown = [k for k in error.instance if k not in allowed]
        for key in unknown:
            yield SchemaProblem(doc.line((*path, key)), _unknown(key, path, allowed))
        if unknown:
            return
    yield SchemaProblem(doc.line(path), _one_of_message(path))


def _one_of_message(path: Path) -> str:
    if path and path[0] == "turns" and len(path) == 2:
        return f"{where(path)}: a turn has exactly one of user:, click: or event:"
    if path == ("as",):
        return "as: names exactly one of customer: or staff:"
    if path and path[-1] == "proposal":
        return f"{where(path)} must be none or {{items: [...]}}"
    return f"{where(path)} does not match the dialog format"


def _value(error: ValidationError) -> Any:
    value: Any = error.validator_value
    return value


def _instance(error: ValidationError) -> Any:
    instance: Any = error.instance
    return instance


def _is_money(error: ValidationError, path: Path) -> bool:
    schema = error.schema if isinstance(error.schema, dict) else {}
    return schema.get("pattern") == MONEY_PATTERN and error.validator in ("type", "pattern")


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int | float):
        return f"{value} (a number)"
    if value is None:
        return "nothing (null)"
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
