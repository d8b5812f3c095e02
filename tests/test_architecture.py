"""The code's boundaries, as docs/ARCHITECTURE.md states them ("Dependencies").

import-linter (``lint-imports``, run by ``make lint``) checks which module may
import which.  These tests check what it cannot see:

* no module reads another module's private names (a leading underscore), by
  ``from x import _name`` or by ``x._name``: a name another module needs is
  public, or the code is in the wrong place;
* a function-local import says why on its line (or the line above), and never
  imports first-party code but to load a heavy library on demand: otherwise it
  was only ever a way to dodge an import cycle.  Django's ``AppConfig.ready``
  is the documented exception.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = ("plenary", "stakeholders", "consult", "comments", "feedback")
# The one reason a first-party module may be imported inside a function: it
# loads a heavy library that only some processes need (scikit-learn).
ON_DEMAND = "loaded on demand"


def _modules() -> list[Path]:
    return sorted(
        path
        for package in FIRST_PARTY
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_first_party_module(name: str) -> bool:
    """Whether ``name`` is a module or package of ours (read from the tree, not imported)."""
    if name.split(".")[0] not in FIRST_PARTY:
        return False
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_names_read(path: Path, root: Path = ROOT) -> list[str]:
    """``from x import _y`` and ``x._y`` where ``x`` is another first-party module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path, root)
    found = []
    module_aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in FIRST_PARTY or node.module == here:
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append(
                        f"{path.relative_to(root)}:{node.lineno} {node.module}.{alias.name}"
                    )
                elif _is_first_party_module(f"{node.module}.{alias.name}"):
                    module_aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FIRST_PARTY and alias.asname:
                    module_aliases[alias.asname] = alias.name
    found.extend(
        f"{path.relative_to(root)}:{node.lineno} {module_aliases[node.value.id]}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in module_aliases
        and _private(node.attr)
        and module_aliases[node.value.id] != here
    )
    return found


def local_imports(path: Path) -> list[tuple[int, str, bool, str]]:
    """Imports inside functions: (line, module, first party?, the comment saying why)."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if function.name == "ready" and path.name == "apps.py":
            continue  # Django's documented place to import signal handlers
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:
                    module = "."  # relative: first party
            elif isinstance(node, ast.Import):
                module = node.names[0].name
            else:
                continue
            first_party = module == "." or module.split(".")[0] in FIRST_PARTY
            # The reason may stand above a block of imports that go together.
            above = node.lineno - 2
            while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
                above -= 1
            reason = lines[node.lineno - 1].partition("#")[2]
            if not reason:  # then the whole comment block above says why
                block = []
                while above >= 0 and lines[above].strip().startswith("#"):
                    block.insert(0, lines[above].strip().lstrip("# "))
                    above -= 1
                reason = " ".join(block)
            found.append((node.lineno, module, first_party, reason.strip()))
    return found


def test_the_checks_can_fail(tmp_path):
    """Both scanners find what they look for (a scanner finding nothing proves nothing).

    The sample is a module of a package named like ours, in a temporary folder:
    nothing is written into the source tree the other tests scan.
    """
    sample = tmp_path / "plenary" / "sample.py"
    sample.parent.mkdir()
    sample.write_text(
        "from plenary.text import _unused\n"
        "from plenary import text\n"
        "text._private()\n"
        "def f():\n"
        "    from comments import models\n"
        "    import json\n"
    )
    assert len(private_names_read(sample, root=tmp_path)) == 2
    imports = local_imports(sample)
    assert [(first_party, reason) for _line, _m, first_party, reason in imports] == [
        (True, ""),
        (False, ""),
    ]


def test_no_module_reads_another_modules_private_names():
    found = [hit for path in _modules() for hit in private_names_read(path)]
    assert found == []


def test_function_local_imports_say_why_and_never_dodge_a_cycle():
    problems = [
        f"{path.relative_to(ROOT)}:{line} {module}"
        + (" (first party: import it at the top)" if first_party else " (say why on its line)")
        for path in _modules()
        for line, module, first_party, explained in local_imports(path)
        if not explained or (first_party and ON_DEMAND not in explained.lower())
    ]
    assert problems == []
