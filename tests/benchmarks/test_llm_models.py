"""The local-model pins: every part wheel and the joined GGUF are checked against their
SHA-256 before use, on small fake wheels and a fake pin table (nothing is downloaded)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from benchmarks.llm_models import (
    ModelPin,
    PinError,
    assemble,
    cache_dir,
    ensure_model,
    load_pins,
    parse_pins,
)

CHUNKS = [b"GGUF" + b"first part " * 50, b"second part " * 70, b"last"]


def _wheel(folder: Path, package: str, version: str, member: str, data: bytes) -> str:
    path = folder / f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, data)
        z.writestr(f"{package.replace('-', '_')}/__init__.py", "")
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fake(tmp_path: Path) -> tuple[ModelPin, Path]:
    """Three part wheels in tmp/wheels and the pin of the model they join into."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    parts = []
    for n, data in enumerate(CHUNKS, 1):
        package, member = f"fake-model-part{n}", f"fake_model_part{n}/data/part{n:02d}.bin"
        digest = _wheel(wheels, package, "1.0", member, data)
        parts.append({"package": package, "version": "1.0", "wheel_sha256": digest,
                      "member": member})
    whole = b"".join(CHUNKS)
    table = {"fake": {"file": "fake.gguf", "bytes": len(whole),
                      "sha256": hashlib.sha256(whole).hexdigest(), "parts": parts}}
    return parse_pins(table)["fake"], wheels


def test_the_parts_are_joined_in_the_pinned_order_into_the_pinned_file(
    fake: tuple[ModelPin, Path], tmp_path: Path,
) -> None:
    pin, wheels = fake
    model = assemble(pin, wheels, tmp_path / "models" / pin.file)
    assert model.read_bytes() == b"".join(CHUNKS)


def test_a_corrupted_part_wheel_is_refused_with_its_name_and_nothing_is_joined(
    fake: tuple[ModelPin, Path], tmp_path: Path,
) -> None:
    pin, wheels = fake
    wheel = wheels / pin.parts[1].wheel_name
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte
    wheel.write_bytes(bytes(data))
    target = tmp_path / "models" / pin.file
    with pytest.raises(PinError, match=r"part fake-model-part2==1\.0: .* Refusing to use it"):
        assemble(pin, wheels, target)
    assert not target.exists()
    assert not target.with_name(target.name + ".partial").exists()


def test_a_model_whose_joined_parts_differ_from_the_pin_is_not_kept(
    fake: tuple[ModelPin, Path], tmp_path: Path,
) -> None:
    pin, wheels = fake
    wrong = ModelPin(pin.key, pin.file, pin.bytes, "0" * 64, pin.parts)
    target = tmp_path / "models" / pin.file
    with pytest.raises(PinError, match="model fake: the joined parts have sha256"):
        assemble(pin=wrong, wheels=wheels, target=target)
    assert list(target.parent.iterdir()) == []


def test_a_cached_model_is_checked_again_before_each_use(
    fake: tuple[ModelPin, Path], tmp_path: Path,
) -> None:
    pin, wheels = fake
    cache = wheels.parent
    model = ensure_model(pin, cache)  # the wheels are there, so nothing is downloaded
    assert model == cache / "models" / pin.file
    model.write_bytes(b"tampered")
    with pytest.raises(PinError, match=r"model fake: .* Refusing to use it"):
        ensure_model(pin, cache)


def test_a_missing_part_wheel_is_named(fake: tuple[ModelPin, Path], tmp_path: Path) -> None:
    pin, wheels = fake
    (wheels / pin.parts[2].wheel_name).unlink()
    with pytest.raises(PinError, match=r"fake-model-part3==1\.0: wheel .* is missing"):
        assemble(pin, wheels, tmp_path / "out.gguf")


def test_the_real_pin_table_pins_every_part_of_both_models_by_exact_version_and_sha256(
) -> None:
    pins = load_pins()
    assert sorted(pins) == ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]
    assert [len(p.parts) for p in pins.values()] == [6, 22]
    for pin in pins.values():
        assert len(pin.sha256) == 64 and pin.file.endswith(".gguf")
        for n, part in enumerate(pin.parts, 1):
            assert part.package.endswith(f"part{n}")  # part10 after part9, not after part1
            assert part.member.endswith(f"/data/part{n:02d}.bin")
            assert len(part.wheel_sha256) == 64 and part.version.count(".") == 2


def test_the_cache_is_outside_the_checkout_and_can_be_moved() -> None:
    home = Path.home()
    assert cache_dir({}) == home / ".cache" / "rescind" / "llm"
    assert cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/rescind/llm")
    assert cache_dir({"XDG_CACHE_HOME": "/x", "RESCIND_LLM_CACHE": "/y"}) == Path("/y")
