"""Every pin in requirements/constraints.txt beside the newest release on the package index.

    .venv/bin/python requirements/outdated.py [CONSTRAINTS]     (make outdated)

Needs the network (or whatever index pip is configured with).  One pip
resolve asks for every pinned name without its pin and without dependencies
(``pip install --dry-run --no-deps --report``), so "newest" is the newest
release that pip would install on this Python and platform, pre-releases
excluded, whatever the other pins allow.  A name the index does not have is
listed as "not on the index".  Informational: it exits 0 whatever it finds (1
only when pip cannot reach the index at all), and upgrading
stays a deliberate step (docs/OPERATIONS.md, "Dependencies and security
updates").
"""

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.version import Version

DEFAULT = Path(__file__).resolve().parent / "constraints.txt"
NOT_FOUND = re.compile(r"No matching distribution found for ([A-Za-z0-9._-]+)")
# What pip says when it cannot reach the index, as against not finding one name there.
UNREACHABLE = re.compile(r"Retrying|Could not fetch URL|NewConnectionError|Network is unreachable")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, tuple[str, str]]:
    """{canonical name: (name as written, pinned version)} for each `name==version` line."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, version = line.partition("==")
        pins[canonical(name)] = (name.strip(), version.strip())
    return pins


def newest(names: list[str]) -> tuple[dict[str, str], set[str]]:
    """Newest installable version of each name; the names the index does not have."""
    missing: set[str] = set()
    todo = list(names)
    while todo:
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "report.json"
            requirements = Path(tmp) / "names.txt"
            requirements.write_text("\n".join(todo) + "\n")
            result = subprocess.run(  # noqa: S603 (this interpreter's own pip)
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "--dry-run",
                    "--ignore-installed",
                    "--no-deps",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--report",
                    str(report),
                    "-r",
                    str(requirements),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode == 0:
                found = json.loads(report.read_text())["install"]
                versions = {
                    canonical(item["metadata"]["name"]): item["metadata"]["version"]
                    for item in found
                }
                return versions, missing
        # One unknown name fails the whole resolve: set it aside and ask again.
        unknown = NOT_FOUND.search(result.stderr)
        if unknown is None or UNREACHABLE.search(result.stderr):
            sys.stderr.write(result.stderr)
            raise SystemExit("pip could not reach the package index (make outdated needs it)")
        missing.add(canonical(unknown.group(1)))
        todo = [name for name in todo if canonical(name) not in missing]
    return {}, missing


def status(pinned: str, latest: str | None) -> str:
    if latest is None:
        return "not on the index"
    old, new = Version(pinned), Version(latest)
    if new <= old:
        return "up to date"
    if new.release[0] != old.release[0]:
        return "newer (major)"
    return "newer"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    pins = read_pins(path)
    versions, _missing = newest([name for name, _ in pins.values()])
    rows = [
        (name, pinned, versions.get(key, "-"), status(pinned, versions.get(key)))
        for key, (name, pinned) in sorted(pins.items())
    ]
    widths = [
        max(len(row[i]) for row in [("package", "pinned", "newest", ""), *rows]) for i in range(3)
    ]
    print(f"{'package':<{widths[0]}}  {'pinned':<{widths[1]}}  {'newest':<{widths[2]}}  status")
    for name, pinned, latest, state in rows:
        print(f"{name:<{widths[0]}}  {pinned:<{widths[1]}}  {latest:<{widths[2]}}  {state}")
    behind = sum(state.startswith("newer") for *_, state in rows)
    print(f"\n{len(rows)} pins, {behind} with a newer release on the index")
    if rows and not versions:
        print("the index had none of them: is pip configured with the right index?")


if __name__ == "__main__":
    main()
