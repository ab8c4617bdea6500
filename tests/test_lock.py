"""The lock files that `make test`, CI and deployments install from (requirements/*.txt,
made by `make lock`): every package pinned with hashes, within pyproject's floors, one
version of a package across the locks, resolved on the CI's Python."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {  # lock -> the extras of pyproject.toml it holds besides the runtime dependencies
    "runtime": (),
    "test": ("test",),
    "bench": ("test", "bench"),
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pins(lock: str) -> dict[str, str]:
    """name -> version; fails on a package without an exact pin or without a hash."""
    text = (ROOT / "requirements" / f"{lock}.txt").read_text()
    found: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", text):
        if not block.strip() or block.startswith("#"):
            continue
        match = PIN.match(block)
        assert match, f"{lock}: not an exact pin: {block.splitlines()[0]}"
        assert "--hash=sha256:" in block, f"{lock}: {match[1]} has no hash"
        found[canonicalize_name(match[1])] = match[2]
    return found


def wanted(extras: tuple[str, ...]) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in extras:
        declared += project["optional-dependencies"][extra]
    return [r for r in map(Requirement, declared) if not r.marker or r.marker.evaluate()]


@pytest.mark.parametrize("lock", list(LOCKS))
def test_every_dependency_is_pinned_with_hashes_within_its_floor(lock):
    pinned = pins(lock)
    for requirement in wanted(LOCKS[lock]):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{lock}: {requirement} is not in the lock (make lock)"
        assert requirement.specifier.contains(pinned[name], prereleases=True), \
            f"{lock}: {name}=={pinned[name]} is outside {requirement} (make lock)"
        for extra in requirement.extras:  # psycopg[binary] brings psycopg-binary
            assert f"{name}-{extra}" in pinned, f"{lock}: {requirement} lacks its {extra}"


def test_the_locks_agree_and_were_resolved_for_python_3_11():
    versions: dict[str, str] = {}
    for lock in LOCKS:
        for name, version in pins(lock).items():
            assert versions.setdefault(name, version) == version, \
                f"{name}: {versions[name]} in one lock, {version} in {lock}"
        header = (ROOT / "requirements" / f"{lock}.txt").read_text()[:400]
        assert "with Python 3.11" in header, f"{lock} was not resolved on Python 3.11"


def test_advisories_are_behind_the_floors():
    """Versions with published advisories are excluded by pyproject.toml itself."""
    floors = {canonicalize_name(r.name): r.specifier for r in wanted(("test",))}
    for name, vulnerable in [("flask", "3.1.2"), ("werkzeug", "3.1.5"), ("gunicorn", "22.0.0"),
                             ("pillow", "12.2.0"), ("setuptools", "78.1.0")]:
        assert not floors[name].contains(vulnerable), f"{name} {vulnerable} is still allowed"
