"""docker-compose.yml and the Dockerfile name only things that exist.

Docker cannot run here, so each command, variable, file, port, image and apt
package they name is checked against the code; tests/ops/test_native_stack.py
then runs the same commands natively.
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from celery.bin.celery import celery as celery_cli
from celery.utils.imports import symbol_by_name
from django.core.management import get_commands, load_command_class
from gunicorn.config import KNOWN_SETTINGS

from plenary.celery import app as celery_app
from tests.ops.compose import (
    BASE_DIR,
    WEB_PORT,
    app_services,
    apt_packages,
    dockerfile_instructions,
    healthcheck_command,
    interpolated_variables,
    service_command,
    services,
)

SETTINGS_SOURCE = (BASE_DIR / "plenary" / "settings.py").read_text()
# Variables read by something other than plenary/settings.py, and by what.
READ_ELSEWHERE = {
    "POSTGRES_PASSWORD": "the postgres image (and DATABASE_URL, built in the compose file)",
    "POSTGRES_USER": "the postgres image",
    "POSTGRES_DB": "the postgres image",
    "PROMETHEUS_MULTIPROC_DIR": "plenary/observability/scrape.py",
    **{
        name: "plenary/media_storage.py"
        for name in (
            "AWS_STORAGE_BUCKET_NAME",
            "AWS_S3_ENDPOINT_URL",
            "AWS_S3_REGION_NAME",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        )
    },
}
PROCESSES = {"web", "worker", "worker-reports", "beat", "relay"}


def _settings_read(name: str) -> bool:
    return f'"{name}"' in SETTINGS_SOURCE


def _env_example_variables() -> set[str]:
    text = (BASE_DIR / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


# --- commands --------------------------------------------------------------------


def _check_manage_py(argv: list[str], where: str) -> None:
    assert argv[:2] == ["python", "manage.py"], where
    name, args = argv[2], argv[3:]
    commands = get_commands()
    assert name in commands, f"{where}: manage.py has no command {name!r}"
    parser = load_command_class(commands[name], name).create_parser("manage.py", name)
    try:
        parser.parse_args(args)
    except SystemExit as exc:  # argparse's way of refusing
        pytest.fail(f"{where}: manage.py {name} refuses {args}: {exc}")


def _click_options(command) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


def _check_celery(argv: list[str], where: str) -> None:
    assert argv[:3] == ["celery", "-A", "plenary"], f"{where}: {argv[:3]}"
    assert importlib.import_module("plenary.celery").app is celery_app
    sub, args = argv[3], argv[4:]
    assert sub in celery_cli.commands, f"{where}: celery has no {sub!r} command"
    known = _click_options(celery_cli.commands[sub])
    for arg in args:
        if arg.startswith("-"):
            assert arg.split("=")[0] in known, f"{where}: celery {sub} has no option {arg}"
    if "--queues" in args:
        queue = args[args.index("--queues") + 1]
        routed = {route["queue"] for route in celery_app.conf.task_routes.values()}
        assert queue in routed | {celery_app.conf.task_default_queue}, (
            f"{where}: queue {queue!r} is neither the default nor routed"
        )
    if "--scheduler" in args:
        symbol_by_name(args[args.index("--scheduler") + 1])


def _check_gunicorn(argv: list[str], where: str) -> None:
    known = {opt for setting in KNOWN_SETTINGS for opt in setting.cli or []}
    positional = []
    args = argv[1:]
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-"):
            assert arg.split("=")[0] in known, f"{where}: gunicorn has no option {arg}"
            i += 1 if "=" in arg else 2
        else:
            positional.append(arg)
            i += 1
    assert len(positional) == 1, f"{where}: one app module expected, got {positional}"
    module, _, attribute = positional[0].partition(":")
    assert hasattr(importlib.import_module(module), attribute or "application"), where


def check_command(argv: list[str], where: str) -> None:
    """Fail unless ``argv`` (a compose command or healthcheck) names real things."""
    if argv[0] == "python":
        _check_manage_py(argv, where)
    elif argv[0] == "celery":
        _check_celery(argv, where)
    elif argv[0] == "gunicorn":
        _check_gunicorn(argv, where)
    else:
        pytest.fail(f"{where}: unknown executable {argv[0]!r} (a shell is not allowed)")


def test_every_command_is_a_list_naming_real_commands_and_options():
    for name in app_services():
        check_command(service_command(name), f"{name}.command")


def test_every_healthcheck_of_our_processes_names_a_real_command():
    for name in PROCESSES:
        argv = healthcheck_command(name)
        assert argv is not None, f"{name} has no healthcheck"
        check_command(argv, f"{name}.healthcheck")
        # web's by /readyz; the others by their own heartbeat
        if name == "web":
            assert argv[3] == "web" and any("/readyz" in a for a in argv), argv


def test_every_routed_queue_has_a_worker_with_limits():
    consumed = {}
    for name in app_services():
        argv = service_command(name)
        if argv[:4] == ["celery", "-A", "plenary", "worker"]:
            assert "--max-tasks-per-child" in argv, f"{name}: no --max-tasks-per-child"
            consumed[argv[argv.index("--queues") + 1]] = argv
    routed = {route["queue"] for route in celery_app.conf.task_routes.values()}
    assert routed | {"celery"} <= set(consumed), (
        f"queues without a worker: {routed - set(consumed)}"
    )
    reports = consumed["reports"]
    assert "--soft-time-limit" in reports and "--time-limit" in reports
    assert celery_app.conf.task_routes["feedback.tasks.build_report"] == {"queue": "reports"}


def test_migrations_run_once_before_the_processes_and_the_demo_only_by_profile():
    assert service_command("migrate")[2] == "migrate"
    assert services()["migrate"]["restart"] == "no"
    for name in PROCESSES:
        assert services()[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
        assert "migrate" not in service_command(name) and "seed_demo" not in service_command(name)
    seeding = [n for n in app_services() if "seed_demo" in service_command(n)]
    assert seeding == ["demo"]
    assert services()["demo"]["profiles"] == ["demo"]


# --- variables -------------------------------------------------------------------


def test_what_is_read_elsewhere_is_read_there():
    for name, where in READ_ELSEWHERE.items():
        if where.startswith("plenary/"):
            assert f'"{name}"' in (BASE_DIR / where).read_text(), f"{where} does not read {name}"


def test_every_variable_is_read_by_the_settings_or_named_as_read_elsewhere():
    named = set(interpolated_variables()) | _env_example_variables()
    for name in app_services():
        named |= set(services()[name].get("environment", {}))
    unread = sorted(v for v in named if not _settings_read(v) and v not in READ_ELSEWHERE)
    assert not unread, f"named in compose or .env.example but read by nothing: {unread}"


def test_secrets_have_no_default():
    text = (BASE_DIR / "docker-compose.yml").read_text()
    for secret in ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD"):
        uses = re.findall(r"\$\{" + secret + r"([^}]*)\}", text)
        assert uses, secret
        assert all(use.startswith(":?") for use in uses), f"{secret} must be ${{{secret}:?...}}"
    example = (BASE_DIR / ".env.example").read_text()
    assert re.search(r"^DJANGO_SECRET_KEY=$", example, re.MULTILINE)
    assert re.search(r"^POSTGRES_PASSWORD=$", example, re.MULTILINE)


def test_broker_and_cache_are_separate_redis_databases():
    env = services()["worker"]["environment"]
    assert env["REDIS_URL"] != env["CELERY_BROKER_URL"]
    assert env["REDIS_URL"].rsplit("/", 1)[0] == env["CELERY_BROKER_URL"].rsplit("/", 1)[0]


# --- files, ports, images, packages ------------------------------------------------


def test_every_file_the_dockerfile_copies_or_compose_mounts_exists():
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    for instruction, rest in dockerfile_instructions():
        if instruction == "COPY":
            *sources, _target = rest.split()
            for source in sources:
                assert (BASE_DIR / source).exists(), f"COPY {source}: no such file"
                assert source == "." or source not in ignored, f"COPY {source}: .dockerignore'd"
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (BASE_DIR / source).exists(), f"{name} mounts {source}: no such file"
        for env_file in service.get("env_file", []):
            # .env is each deployment's own (gitignored); its template is committed.
            path = BASE_DIR / env_file
            assert path.exists() or Path(f"{path}.example").exists(), f"{name}: {env_file}"
        if "build" in service:
            assert (BASE_DIR / service["build"] / "Dockerfile").exists()


def test_ports_agree_with_the_commands():
    exposed = {
        int(port)
        for instruction, rest in dockerfile_instructions()
        if instruction == "EXPOSE"
        for port in rest.split()
    }
    for name in app_services():
        argv = service_command(name)
        for mapping in services()[name].get("ports", []):
            container_port = int(str(mapping).rsplit(":", 1)[1])
            assert f"0.0.0.0:{container_port}" in argv, f"{name}: nothing binds {container_port}"
            assert container_port in exposed, f"{name}: {container_port} not EXPOSEd"
    assert f"0.0.0.0:{WEB_PORT}" in service_command("web")
    assert any(f"127.0.0.1:{WEB_PORT}/readyz" in arg for arg in healthcheck_command("web"))


_PINNED = re.compile(r"^[\w./-]+:v?\d+\.\d+(\.\d+)?(-[\w.]+)?$")


def test_every_image_is_pinned_to_an_exact_version():
    for name, service in services().items():
        if "build" in service:
            continue
        assert _PINNED.match(service["image"]), f"{name}: {service['image']} is not pinned"
    (base,) = [rest for instruction, rest in dockerfile_instructions() if instruction == "FROM"]
    assert re.match(r"^python:3\.11\.\d+-slim-bookworm$", base), base


def test_the_image_has_fonts_for_non_latin_scripts_and_harfbuzz_subset():
    packages = set(apt_packages())
    assert {"libharfbuzz-subset0", "fonts-noto-core", "fonts-noto-cjk"} <= packages


@pytest.mark.skipif(shutil.which("apt-cache") is None, reason="no apt-cache on this machine")
def test_every_apt_package_exists_in_debian_bookworm():
    packages = apt_packages()
    assert packages
    result = subprocess.run(
        ["apt-cache", "show", "--no-all-versions", *packages],
        capture_output=True,
        text=True,
        check=False,
    )
    found = set(re.findall(r"^Package: (\S+)$", result.stdout, flags=re.MULTILINE))
    assert set(packages) <= found, f"not in this machine's apt sources: {set(packages) - found}"
