"""Reading docker-compose.yml and the Dockerfile, for the tests that check them
(tests/ops/test_compose.py) and run their commands natively (test_native_stack.py).

Docker cannot run where the tests run, so the commands are taken as written and
their executables swapped for this virtualenv's: ``python`` is this interpreter,
``celery`` and ``gunicorn`` the scripts beside it.
"""

from __future__ import annotations

import re
import shlex
import sys
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
COMPOSE_FILE = BASE_DIR / "docker-compose.yml"
DOCKERFILE = BASE_DIR / "Dockerfile"
# The port web listens on inside its container, as the compose file says.
WEB_PORT = 8000


@cache
def load_compose() -> dict:
    """The compose file as data (YAML anchors and merge keys resolved)."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


def services() -> dict[str, dict]:
    return load_compose()["services"]


def app_services() -> list[str]:
    """The services that run Plenary's own image (those built from the Dockerfile)."""
    return [name for name, service in services().items() if "build" in service]


def service_command(name: str) -> list[str]:
    """The service's command as an argv list (the compose file writes lists, not shells)."""
    command = services()[name]["command"]
    assert isinstance(command, list), f"{name}: command must be a YAML list, not {command!r}"
    return [str(arg) for arg in command]


def healthcheck_command(name: str) -> list[str] | None:
    """The service's healthcheck as an argv list (``CMD`` dropped), or None."""
    test = services()[name].get("healthcheck", {}).get("test")
    if test is None:
        return None
    if isinstance(test, str):
        return shlex.split(test)
    kind, *argv = (str(arg) for arg in test)
    if kind == "CMD-SHELL":
        return ["sh", "-c", *argv]
    return argv


def executable(name: str) -> str:
    """This virtualenv's copy of ``name``: the interpreter for python, else the script
    beside it (celery, gunicorn)."""
    if name == "python":
        return sys.executable
    script = Path(sys.executable).parent / name
    return str(script) if script.exists() else name


def native_argv(argv: list[str], *, port: int | None = None) -> list[str]:
    """``argv`` as it runs here: this virtualenv's executables, and web's port 8000
    (bound on every interface in the container) replaced by ``port`` on 127.0.0.1."""
    out = [executable(argv[0]), *argv[1:]]
    if port is not None:
        out = [
            arg.replace(f"0.0.0.0:{WEB_PORT}", f"127.0.0.1:{port}").replace(
                f"127.0.0.1:{WEB_PORT}", f"127.0.0.1:{port}"
            )
            for arg in out
        ]
    return out


_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?+][^}]*)?\}")


def interpolated_variables() -> set[str]:
    """Every ``${VAR}`` (with or without ``:-default`` / ``:?message``) the file names."""
    return set(_INTERPOLATION.findall(COMPOSE_FILE.read_text()))


def dockerfile_instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    logical: list[str] = []
    current = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    out = []
    for line in logical:
        instruction, _, rest = line.partition(" ")
        out.append((instruction.upper(), rest.strip()))
    return out


def apt_packages() -> list[str]:
    """Packages the Dockerfile's ``apt-get install`` lines name."""
    packages: list[str] = []
    for instruction, rest in dockerfile_instructions():
        if instruction != "RUN":
            continue
        for command in re.split(r"&&|;", rest):
            words = command.split()
            if words[:2] == ["apt-get", "install"]:
                packages += [w for w in words[2:] if not w.startswith("-")]
    return packages
