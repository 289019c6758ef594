"""The package layering, read from the source with `ast`: which module may import what.

- `feeds` is the core library and never imports `newsletter`;
- the pure modules (every module of `feeds/` but its edges fetch/, output.py and
  archive/, and every module of `newsletter/issue/`) open no database, socket, URL or
  mail connection, not even lazily inside a function;
- `sqlite3` is imported only by the archive (`feeds/archive/`) and the application's
  journal (`newsletter/app/journal.py`);
- the newsletter itself (`newsletter/issue/`) never reaches into the shell (`newsletter.app`).

Relative imports are resolved against the module's package, so `from ...newsletter import x`
in `feeds/sources/html.py` counts as importing `newsletter`. A failure names file, line and
import.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EDGES = ("feeds/fetch/", "feeds/output.py", "feeds/archive/")  # the core's named I/O edges
PURE_TREES = ("feeds/", "newsletter/issue/")
IO_MODULES = ("sqlite3", "socket", "urllib.request", "http.client", "smtplib")
SQLITE_HOMES = ("feeds/archive/", "newsletter/app/journal.py")


@dataclass(frozen=True)
class Import:
    path: str  # relative to the root, with forward slashes
    line: int
    text: str  # the statement as written
    modules: tuple[str, ...]  # every absolute module name it may bind

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def python_files(root: Path, under: str) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in (root / under).rglob("*.py"))


def module_parts(rel: str) -> tuple[list[str], bool]:
    """'feeds/sources/html.py' -> (['feeds', 'sources', 'html'], False); a package's
    __init__.py -> its package name and True."""
    parts = rel.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        return parts[:-1], True
    return parts, False


def _resolve_from(node: ast.ImportFrom, rel: str) -> tuple[str, ...]:
    """The modules `from X import a, b` may bind: X itself and X.a, X.b (a name may be a
    submodule). A relative X climbing above the top package resolves against the root
    directory, where `feeds` and `newsletter` sit side by side."""
    if node.level == 0:
        base = node.module or ""
    else:
        parts, is_package = module_parts(rel)
        package = parts if is_package else parts[:-1]
        up = node.level - 1
        kept = package[: max(len(package) - up, 0)]
        base = ".".join([*kept, *([node.module] if node.module else [])])
    names = [alias.name for alias in node.names if alias.name != "*"]
    found = [base] if base else []
    found += [f"{base}.{name}" if base else name for name in names]
    return tuple(found)


def _dynamic_import(node: ast.Call) -> str | None:
    """importlib.import_module("x") or __import__("x") with a literal name."""
    func = node.func
    called = (func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None)
    if called not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str) and not first.value.startswith("."):
        return first.value
    return None


def imports(root: Path, rel: str) -> Iterator[Import]:
    """Every import of one file, at any depth (module level, functions, TYPE_CHECKING blocks)."""
    source = (root / rel).read_text(encoding="utf-8")
    tree = ast.parse(source, filename=rel)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = tuple(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules = _resolve_from(node, rel)
        elif isinstance(node, ast.Call) and (name := _dynamic_import(node)) is not None:
            modules = (name,)
        else:
            continue
        text = ast.get_source_segment(source, node) or ast.unparse(node)
        yield Import(rel, node.lineno, " ".join(text.split()), modules)


def is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def under(rel: str, places: tuple[str, ...]) -> bool:
    return any(rel == place or (place.endswith("/") and rel.startswith(place)) for place in places)


def pure_modules(root: Path) -> list[str]:
    return [rel for tree in PURE_TREES for rel in python_files(root, tree) if not under(rel, EDGES)]


def offending(root: Path, files: list[str], bad: Callable[[str], bool]) -> list[str]:
    """'file:line: import …' for every import of `files` that binds a module `bad` accepts."""
    return [
        f"{found}  (imports {', '.join(m for m in found.modules if bad(m))})"
        for rel in files
        for found in imports(root, rel)
        if any(bad(module) for module in found.modules)
    ]


# -- the rules ------------------------------------------------------------------------------


def feeds_importing_newsletter(root: Path) -> list[str]:
    return offending(root, python_files(root, "feeds"), lambda m: is_within(m, "newsletter"))


def pure_modules_doing_io(root: Path) -> list[str]:
    return offending(root, pure_modules(root), lambda m: any(is_within(m, io) for io in IO_MODULES))


def sqlite_outside_its_homes(root: Path) -> list[str]:
    files = [rel for tree in ("feeds", "newsletter") for rel in python_files(root, tree)
             if not under(rel, SQLITE_HOMES)]
    return offending(root, files, lambda m: is_within(m, "sqlite3"))


def issue_importing_app(root: Path) -> list[str]:
    return offending(root, python_files(root, "newsletter/issue"), lambda m: is_within(m, "newsletter.app"))


def _report(rule: str, found: list[str]) -> str:
    return f"{rule}:\n  " + "\n  ".join(found)


def test_feeds_never_imports_newsletter():
    found = feeds_importing_newsletter(ROOT)
    assert not found, _report("feeds/ must not import newsletter (the dependency runs one way)", found)


def test_pure_modules_import_no_database_network_or_mail():
    found = pure_modules_doing_io(ROOT)
    assert not found, _report(
        f"pure modules must not import {', '.join(IO_MODULES)} (I/O belongs in {', '.join(EDGES)} "
        "or newsletter/app/)", found)


def test_sqlite3_only_in_the_archive_and_the_journal():
    found = sqlite_outside_its_homes(ROOT)
    assert not found, _report(f"sqlite3 may be imported only in {' and '.join(SQLITE_HOMES)}", found)


def test_the_newsletter_never_imports_the_application_shell():
    found = issue_importing_app(ROOT)
    assert not found, _report("newsletter/issue/ must not import newsletter.app", found)


def test_the_named_places_exist_and_the_pure_set_is_what_the_architecture_says():
    for place in (*EDGES, *SQLITE_HOMES, *PURE_TREES):
        assert (ROOT / place).exists(), f"{place} is named by the layering rules but does not exist"
    pure = pure_modules(ROOT)
    assert "feeds/months.py" in pure and "feeds/sources/listing.py" in pure and "newsletter/issue/render.py" in pure
    assert not [rel for rel in pure if rel.startswith("feeds/archive/") or rel in EDGES]


# -- the walker itself sees every way of writing an import --------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for package in ("feeds", "feeds/sources", "feeds/archive", "newsletter", "newsletter/issue", "newsletter/app"):
        (root / package / "__init__.py").touch()
    return root


def test_each_rule_catches_every_form_of_import(tmp_path):
    root = _tree(tmp_path, {
        "feeds/months.py": "import newsletter.issue.plan\n",
        "feeds/sources/html.py": (
            "from __future__ import annotations\n"
            "def lazy():\n"
            "    from ...newsletter import issue\n"      # climbs out of feeds
            "    from urllib import request\n"           # urllib.request, spelt as a from-import
            "    import importlib\n"
            "    return importlib.import_module('smtplib')\n"
        ),
        "feeds/sources/__init__.py": "from .. import output\nfrom http import client as c\n",
        "feeds/archive/db.py": "import sqlite3\nimport socket\n",   # an edge: I/O allowed
        "feeds/fetch/http.py": "import socket, urllib.request\n",  # an edge: I/O allowed
        "newsletter/app/journal.py": "import sqlite3\n",
        "newsletter/app/tables.py": "import sqlite3 as db\n",
        "newsletter/issue/plan.py": "from ..app import config\nfrom newsletter.app.smtp import send_package\n",
        "newsletter/issue/render.py": "if True:\n    import sqlite3\n",
    })
    assert feeds_importing_newsletter(root) == [
        "feeds/months.py:1: import newsletter.issue.plan  (imports newsletter.issue.plan)",
        "feeds/sources/html.py:3: from ...newsletter import issue  (imports newsletter, newsletter.issue)",
    ]
    assert pure_modules_doing_io(root) == [
        "feeds/sources/__init__.py:2: from http import client as c  (imports http.client)",
        "feeds/sources/html.py:4: from urllib import request  (imports urllib.request)",
        "feeds/sources/html.py:6: importlib.import_module('smtplib')  (imports smtplib)",
        "newsletter/issue/render.py:2: import sqlite3  (imports sqlite3)",
    ]
    assert sqlite_outside_its_homes(root) == [
        "newsletter/app/tables.py:1: import sqlite3 as db  (imports sqlite3)",
        "newsletter/issue/render.py:2: import sqlite3  (imports sqlite3)",
    ]
    assert issue_importing_app(root) == [
        "newsletter/issue/plan.py:1: from ..app import config  (imports newsletter.app, newsletter.app.config)",
        ("newsletter/issue/plan.py:2: from newsletter.app.smtp import send_package  "
         "(imports newsletter.app.smtp, newsletter.app.smtp.send_package)"),
    ]


def test_relative_imports_resolve_against_the_package():
    from_package = ast.parse("from .listing import parse").body[0]
    from_module = ast.parse("from ..model import Item").body[0]
    assert _resolve_from(from_package, "feeds/sources/__init__.py") == ("feeds.sources.listing", "feeds.sources.listing.parse")
    assert _resolve_from(from_module, "feeds/sources/html.py") == ("feeds.model", "feeds.model.Item")
