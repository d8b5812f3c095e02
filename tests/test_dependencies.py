"""The pins: pyproject.toml's direct dependencies agree with requirements/constraints.txt,
and `make outdated` (requirements/outdated.py) lists every pin beside the newest
release, run against a package index this test builds on disk (no network)."""

import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _constraints() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_canonical(name)] = version
    return pins


def _direct() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return [*project["dependencies"], *extras["dev"], *extras["bench"]]


def test_every_direct_dependency_is_pinned_exactly_as_in_the_constraints():
    pins = _constraints()
    for requirement in _direct():
        match = re.fullmatch(r"([A-Za-z0-9._-]+)(\[[^\]]+\])?==([^;\s]+)", requirement)
        assert match, f"{requirement!r} is not pinned exactly (name==version)"
        name, version = _canonical(match[1]), match[3]
        assert pins.get(name) == version, (
            f"{name}: pyproject.toml pins {version}, constraints.txt {pins.get(name)}"
        )


def test_constraints_are_sorted_and_each_pinned_once():
    names = [
        line.partition("==")[0]
        for line in CONSTRAINTS.read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert len({_canonical(n) for n in names}) == len(names)
    lines = [line for line in CONSTRAINTS.read_text().splitlines() if not line.startswith("#")]
    assert lines == sorted(lines, key=str.lower)


def _wheel(directory: Path, name: str, version: str) -> None:
    """The smallest wheel pip accepts: metadata only."""
    dist_info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(directory / f"{name}-{version}-py3-none-any.whl", "w") as wheel:
        wheel.writestr(
            f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        )
        wheel.writestr(
            f"{dist_info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        wheel.writestr(f"{dist_info}/RECORD", "")


@pytest.fixture
def local_index(tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    for name, version in [
        ("alpha", "1.0"),
        ("alpha", "1.2"),
        ("beta_pkg", "2.0"),
        ("gamma", "1.4"),
        ("gamma", "2.1"),
        ("gamma", "3.0rc1"),  # a pre-release is not "newest"
    ]:
        _wheel(index, name, version)
    return index


def _outdated(constraints: Path, index: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PIP_CONFIG_FILE": os.devnull,  # the machine's own indexes stay out
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(index),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "requirements" / "outdated.py"), str(constraints)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_outdated_lists_every_pin_beside_the_newest_release(tmp_path, local_index):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("# header\nalpha==1.0\nBeta-Pkg==2.0\ngamma==1.4\nnowhere==0.1\n")

    result = _outdated(constraints, local_index)

    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split(None, 3)[1:] for line in result.stdout.splitlines()[1:5]}
    assert rows == {
        "alpha": ["1.0", "1.2", "newer"],
        "Beta-Pkg": ["2.0", "2.0", "up to date"],
        "gamma": ["1.4", "2.1", "newer (major)"],
        "nowhere": ["0.1", "-", "not on the index"],
    }
    assert "4 pins, 2 with a newer release on the index" in result.stdout


def test_outdated_says_so_when_the_index_has_none_of_the_pins(tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("alpha==1.0\n")

    result = _outdated(constraints, tmp_path / "no-such-index")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].split(None, 3) == ["alpha", "1.0", "-", "not on the index"]
    assert "is pip configured with the right index?" in result.stdout
