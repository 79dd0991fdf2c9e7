"""The rules of ``rules.toml`` as typed values (pure; the file is package data)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

Kind = Literal["qualified", "keyword", "context-key", "orm-query"]
KINDS: tuple[Kind, ...] = ("qualified", "keyword", "context-key", "orm-query")


@dataclass(frozen=True)
class Rule:
    id: str
    kind: Kind
    since: tuple[int, int]
    what: str
    fix: str
    doc: str
    patterns: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    callees: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()

    def applies_to(self, target: str) -> bool:
        return _line(target) >= self.since


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    doc: str
    mwaa_doc: str
    constraint_doc: str

    def for_target(self, target: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.applies_to(target))


def _line(version: str) -> tuple[int, int]:
    parts = [int(p) for p in version.split(".")[:2] if p.isdigit()]
    major, minor, *_ = [*parts, 0, 0]
    return major, minor


def _strings(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"rule {raw.get('id')!r}: {key} must be a list of strings")
    return tuple(value)


def parse_rules(data: dict[str, Any]) -> RuleSet:
    """Checked: a malformed rule is a bug of the package, named here."""
    doc = str(data["doc"])
    rules = []
    for raw in data.get("rule", []):
        kind = raw.get("kind")
        if kind not in KINDS:
            raise ValueError(f"rule {raw.get('id')!r}: unknown kind {kind!r}")
        rules.append(
            Rule(
                id=str(raw["id"]),
                kind=kind,
                since=_line(str(raw["since"])),
                what=str(raw["what"]),
                fix=str(raw["fix"]),
                doc=str(raw.get("doc", doc)),
                patterns=_strings(raw, "patterns"),
                keywords=_strings(raw, "keywords"),
                callees=_strings(raw, "callees"),
                keys=_strings(raw, "keys"),
                modules=_strings(raw, "modules"),
                methods=_strings(raw, "methods"),
            )
        )
    requirements = data.get("requirements", {})
    return RuleSet(tuple(rules), doc, str(data["mwaa_doc"]), str(requirements["constraint_doc"]))


@cache
def load_rules() -> RuleSet:
    text = resources.files(__package__).joinpath("rules.toml").read_text(encoding="utf-8")
    return parse_rules(tomllib.loads(text))
