"""Apply the code rules to one file's text (pure: text in, findings out, nothing imported
or executed). Python files are parsed with :mod:`ast`; other text files (SQL, shell,
Jinja templates) are searched for the context keys in ``{{ ... }}`` only."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator

from mwaa_pause_resume.upgrade_check.findings import Finding
from mwaa_pause_resume.upgrade_check.rules import Rule

# Names that hold the task context in callables (kwargs of a PythonOperator callable,
# get_current_context()); context["key"] on other dicts is not the context.
CONTEXT_HOLDERS = frozenset({"context", "kwargs", "ctx", "kw"})
TEMPLATE_SUFFIXES = frozenset({".sql", ".sh", ".j2", ".jinja", ".jinja2", ".hql", ".tpl"})


class Unparsable(ValueError):
    """A Python file that does not parse: it fails on every Airflow version."""


def _jinja_key(keys: Iterable[str]) -> re.Pattern[str]:
    # Inside {{ }} and not an attribute (dag_run.conf is fine, conf is not).
    names = "|".join(sorted(map(re.escape, keys), key=len, reverse=True))
    return re.compile(r"\{\{[^}]*?(?<![.\w])(" + names + r")\b")


def scan_template(path: str, text: str, rules: Iterable[Rule]) -> list[Finding]:
    found = []
    for rule in rules:
        if rule.kind != "context-key":
            continue
        pattern = _jinja_key(rule.keys)
        for number, line in enumerate(text.splitlines(), 1):
            for match in pattern.finditer(line):
                found.append(_finding(rule, path, number, match.group(1)))
    return found


def scan_python(path: str, text: str, rules: Iterable[Rule]) -> list[Finding]:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise Unparsable(f"{path}:{exc.lineno}: does not parse: {exc.msg}") from None
    visitor = _Visitor(path, tuple(rules))
    visitor.run(tree)
    return sorted(set(visitor.found))


def _finding(rule: Rule, path: str, line: int, code: str) -> Finding:
    return Finding(path, line, rule.id, rule.what, rule.fix, rule.doc, code)


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in patterns)


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` of a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class _Visitor:
    def __init__(self, path: str, rules: tuple[Rule, ...]) -> None:
        self.path = path
        self.rules = rules
        self.found: list[Finding] = []
        self.aliases: dict[str, str] = {}  # local name -> what it was imported as
        self.callables: set[str] = set()  # functions passed as python_callable=

    def of(self, kind: str) -> Iterator[Rule]:
        return (r for r in self.rules if r.kind == kind)

    def add(self, rule: Rule, node: ast.AST, code: str) -> None:
        self.found.append(_finding(rule, self.path, getattr(node, "lineno", 1), code))

    def run(self, tree: ast.Module) -> None:
        nodes = list(ast.walk(tree))
        for node in nodes:  # imports first: aliases are known before their uses
            if isinstance(node, ast.Import | ast.ImportFrom):
                self.imported(node)
            elif isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "python_callable" and isinstance(keyword.value, ast.Name):
                        self.callables.add(keyword.value.id)
        for node in nodes:
            if isinstance(node, ast.Attribute):
                self.attribute(node)
            elif isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, ast.Subscript):
                self.subscript(node)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.function(node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                self.template(node)

    # -- qualified names -----------------------------------------------------------------
    def qualified(self, name: str, node: ast.AST) -> None:
        for rule in self.of("qualified"):
            if _matches(name, rule.patterns):
                self.add(rule, node, name)

    def imported(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.qualified(alias.name, node)
                local = alias.asname or alias.name.split(".")[0]
                self.aliases[local] = alias.name if alias.asname else local
            return
        if node.level or not node.module:
            return  # relative imports are the user's own modules
        for alias in node.names:
            name = f"{node.module}.{alias.name}"
            self.qualified(name, node)
            self.aliases[alias.asname or alias.name] = name

    def resolve(self, node: ast.AST) -> str | None:
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        origin = self.aliases.get(head)
        if origin is None:
            return None
        return f"{origin}.{rest}" if rest else origin

    def attribute(self, node: ast.Attribute) -> None:
        # Only attribute uses of imported modules (import airflow.utils.dates; from airflow
        # import settings): names imported with `from` were reported at their import.
        if isinstance(node.value, ast.Name | ast.Attribute):
            name = self.resolve(node)
            if name is not None:
                for rule in self.of("qualified"):
                    if _matches(name, rule.patterns) and not _matches(
                        self.resolve(node.value) or "", rule.patterns
                    ):
                        self.add(rule, node, name)

    # -- calls ---------------------------------------------------------------------------
    def call(self, node: ast.Call) -> None:
        callee = _dotted(node.func) or ""
        short = callee.rsplit(".", 1)[-1]
        for rule in self.of("keyword"):
            if rule.callees and short not in rule.callees:
                continue
            for keyword in node.keywords:
                if keyword.arg in rule.keywords:
                    self.add(rule, keyword.value, f"{keyword.arg}=")
        for rule in self.of("orm-query"):
            self.orm_query(rule, node)
        for rule in self.of("context-key"):
            if (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and self.holds_context(node.func.value)
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in rule.keys
            ):
                self.add(rule, node, str(node.args[0].value))

    def is_model(self, node: ast.AST, rule: Rule) -> bool:
        name = self.resolve(node)
        return name is not None and _matches(name, rule.modules) and name not in rule.modules

    def orm_query(self, rule: Rule, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Attribute) or node.func.attr not in rule.methods:
            return
        if node.func.attr == "query":
            models = [a for a in node.args if self.is_model(a, rule)]
            if models:
                self.add(rule, node, f"query({self.resolve(models[0])})")
        elif self.is_model(node.func.value, rule):
            self.add(rule, node, f"{self.resolve(node.func.value)}.{node.func.attr}()")

    # -- the task context ----------------------------------------------------------------
    def holds_context(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in CONTEXT_HOLDERS
        return isinstance(node, ast.Call) and (_dotted(node.func) or "").endswith(
            "get_current_context"
        )

    def subscript(self, node: ast.Subscript) -> None:
        key = node.slice
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return
        if not self.holds_context(node.value):
            return
        for rule in self.of("context-key"):
            if key.value in rule.keys:
                self.add(rule, node, key.value)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        decorated = any(
            (_dotted(d.func if isinstance(d, ast.Call) else d) or "").split(".")[0] == "task"
            for d in node.decorator_list
        )
        if not decorated and node.name not in self.callables:
            return
        params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        for rule in self.of("context-key"):
            for param in params:
                if param.arg in rule.keys:
                    self.add(rule, param, param.arg)

    def template(self, node: ast.Constant) -> None:
        text = str(node.value)
        if "{{" not in text:
            return
        for rule in self.of("context-key"):
            for match in _jinja_key(rule.keys).finditer(text):
                line = node.lineno + text.count("\n", 0, match.start())
                self.found.append(_finding(rule, self.path, line, match.group(1)))
