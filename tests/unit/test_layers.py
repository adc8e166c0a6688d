"""The README's "How it is built" table, as assertions over the imports of every module in vetting/.

Imports are read with ``ast``, not by importing, so a forbidden import inside a function or an
``if TYPE_CHECKING:`` block counts for the layer rules. The cycle check follows only what runs at
import time: module-level imports outside ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

import vetting

PACKAGE_ROOT = Path(vetting.__file__).parent

FLASK = ("flask", "flask_login", "flask_wtf", "werkzeug", "wtforms", "jinja2")
HTTP_FACES = ("vetting.web", "vetting.api", "vetting.http")
#: Everything below the HTTP faces runs in the CLI and in workers, without a request.
BELOW_HTTP = (
    "vetting.models",
    "vetting.policy",
    "vetting.services",
    "vetting.crypto",
    "vetting.storage",
    "vetting.pdf",
    "vetting.audit",
    "vetting.runtime",
    "vetting.screening",
    "vetting.db",
    "vetting.demo",
    "vetting.jobs",
)
#: The pure computations: plain data in, plain data out.
PURE = ("vetting.selection_rates", "vetting.heatmap", "vetting.uniformity_matrix")


@dataclass(frozen=True)
class Rule:
    name: str
    layers: tuple[str, ...]
    forbidden: tuple[str, ...]


#: Modules under ``layers`` import nothing under ``forbidden`` (a name covers its submodules),
#: except for the pairs in ``EXCEPTIONS``.
RULES = (
    Rule("no Flask below the HTTP faces", BELOW_HTTP, FLASK),
    Rule("services know nothing of HTTP", ("vetting.services", "vetting.demo"), HTTP_FACES),
    Rule("the database layer calls no service", ("vetting.db",), ("vetting.services",)),
    Rule("the API does not import the pages", ("vetting.api",), ("vetting.web",)),
    Rule("the pages do not import the API", ("vetting.web",), ("vetting.api",)),
    Rule(
        "models are the bottom layer",
        ("vetting.models",),
        ("vetting.services", "vetting.policy", *HTTP_FACES),
    ),
    Rule(
        "reports compute without the database",
        PURE,
        ("sqlalchemy", "vetting.db", "vetting.models", "vetting.services", *FLASK),
    ),
)

#: (importer, imported) pairs a rule allows, and why.
EXCEPTIONS = {
    ("vetting.pdf", "jinja2"): "report templates render with Jinja alone, outside any Flask app",
}

#: The standalone verifier runs with Python and the ``cryptography`` package alone.
VERIFIER = ("vetting.audit.chain", "vetting.audit.export", "vetting.audit.witness")
VERIFIER_MAY_USE = ("cryptography", *VERIFIER)


@dataclass(frozen=True)
class Import:
    importer: str
    target: str
    line: int
    #: Runs when the importer is imported: module level, outside ``if TYPE_CHECKING:``.
    at_import_time: bool

    def __str__(self) -> str:
        return f"{self.importer} imports {self.target} ({self.path}:{self.line})"

    @property
    def path(self) -> str:
        return str(MODULES[self.importer].relative_to(PACKAGE_ROOT.parent))


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE_ROOT.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}".rstrip(".")
    # ``from package import submodule`` imports the submodule; other names come from ``base``.
    return list(dict.fromkeys(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names))


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str) -> None:
        self.module = module
        self.found: list[Import] = []
        self._depth = 0  # inside a function or an ``if TYPE_CHECKING:`` block

    def _deferred(self, node: ast.AST) -> None:
        self._depth += 1
        self.generic_visit(node)
        self._depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = _deferred  # noqa: N815

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self._depth += 1
        for child in node.body:
            self.visit(child)
        self._depth -= 1
        for child in node.orelse:
            self.visit(child)

    def _record(self, node: ast.Import | ast.ImportFrom) -> None:
        for target in _targets(self.module, node):
            self.found.append(Import(self.module, target, node.lineno, self._depth == 0))

    visit_Import = visit_ImportFrom = _record  # noqa: N815


@cache
def imports_of(module: str) -> tuple[Import, ...]:
    collector = _Collector(module)
    collector.visit(ast.parse(MODULES[module].read_text(encoding="utf-8")))
    return tuple(collector.found)


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in prefixes)


def _report(broken: list[Import]) -> str:
    return "\n".join(str(i) for i in broken)


def test_every_layer_named_in_the_rules_exists() -> None:
    named = {p for rule in RULES for p in (*rule.layers, *rule.forbidden) if p.startswith("vetting")}
    missing = sorted(p for p in named if not any(_under(m, (p,)) for m in MODULES))
    assert not missing, f"rules name modules that do not exist: {missing}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_layer_rule(rule: Rule) -> None:
    broken = [
        i
        for module in MODULES
        if _under(module, rule.layers)
        for i in imports_of(module)
        if _under(i.target, rule.forbidden) and (i.importer, i.target) not in EXCEPTIONS
    ]
    assert not broken, f"{rule.name}:\n{_report(broken)}"


def test_audit_verifier_needs_only_cryptography() -> None:
    def allowed(target: str) -> bool:
        top = target.partition(".")[0]
        return top == "__future__" or top in sys.stdlib_module_names or _under(target, VERIFIER_MAY_USE)

    # Importing a module first runs its packages' __init__, so their import-time imports count too.
    parents = {m for v in VERIFIER for m in MODULES if v.startswith(f"{m}.")}
    broken = [i for m in VERIFIER for i in imports_of(m) if not allowed(i.target)]
    broken += [i for m in sorted(parents) for i in imports_of(m) if i.at_import_time and not allowed(i.target)]
    assert not broken, f"the standalone verifier must run with cryptography alone:\n{_report(broken)}"


def _import_time_graph() -> dict[str, dict[str, Import]]:
    graph: dict[str, dict[str, Import]] = {m: {} for m in MODULES}
    for module in MODULES:
        for i in imports_of(module):
            if i.at_import_time and i.target in MODULES and i.target != module:
                graph[module].setdefault(i.target, i)
    return graph


def _cycles(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root, targets in graph.items():
        if root in index:
            continue
        work = [(root, iter(targets))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph[nxt])))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    graph = _import_time_graph()
    lines = []
    for component in _cycles(graph):
        members = set(component)
        lines.append(f"cycle among {', '.join(component)}:")
        lines += [f"  {i}" for m in component for t, i in graph[m].items() if t in members]
    assert not lines, "\n".join(lines)


def test_the_checks_see_imports_inside_functions_and_type_checking_blocks() -> None:
    # vetting/__init__.py imports Flask only inside create_app and under TYPE_CHECKING.
    flask_imports = [i for i in imports_of("vetting") if i.target == "flask"]
    assert flask_imports
    assert not any(i.at_import_time for i in flask_imports)
