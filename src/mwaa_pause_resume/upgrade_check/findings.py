"""One thing that breaks on the target Airflow, where it is and how to fix it (pure)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int
    rule: str
    what: str
    fix: str
    doc: str
    code: str = ""  # the matched name, keyword or key

    def text(self) -> str:
        found = f" ({self.code})" if self.code else ""
        where = f"{self.file}:{self.line}: [{self.rule}]{found}"
        return f"{where} {self.what}. Fix: {self.fix}. See {self.doc}"

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "rule": self.rule,
            "code": self.code,
            "what": self.what,
            "fix": self.fix,
            "doc": self.doc,
        }
