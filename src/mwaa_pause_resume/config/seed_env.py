"""The AWS sample's environment variables (and ``.env``) describing one environment.

Same names, meanings and defaults as the sample's Stack Parameters table: a
variable that is unset or blank takes the default, lists are written
``[a, b]`` (a bare ``a`` or ``a, b`` and quoted items are accepted too), and
``MWAA_UPDATE_EXECUTION_ROLE`` is ``yes``/``no``. The variables are mapped onto
the TOML tree so that one builder validates both sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mwaa_pause_resume.config.dotenv import DotEnv
from mwaa_pause_resume.config.fields import (
    DEPLOYMENT_FIELDS,
    ENVIRONMENT_FIELDS,
    REMOVED_VARIABLES,
    FieldSpec,
)
from mwaa_pause_resume.config.naming import FieldPath, Naming
from mwaa_pause_resume.config.problems import Invalid, Problem, did_you_mean

_SECTIONS: tuple[tuple[str, tuple[FieldSpec, ...]], ...] = (
    ("deployment", DEPLOYMENT_FIELDS),
    ("environment", ENVIRONMENT_FIELDS),
)
KNOWN_VARIABLES: tuple[str, ...] = tuple(
    var for _, specs in _SECTIONS for spec in specs for var in spec.env_vars
)
# The CDK CLI sets these itself; on their own they do not describe an environment.
_AMBIENT = ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION")
_OUR_PREFIXES = ("MWAA_", "SFN_", "CDK_DEFAULT_")
_TRUE = ("yes", "y", "true", "1", "on")
_FALSE = ("no", "n", "false", "0", "off")


def describes_environment(values: Mapping[str, str]) -> bool:
    """True when any of our variables (other than the CDK's own two) has a value."""
    return any(values.get(var, "").strip() for var in KNOWN_VARIABLES if var not in _AMBIENT)


def parse_list(text: str) -> tuple[str, ...]:
    """``[a, b]``, ``['a', "b"]``, ``a, b`` or ``a`` -> items; ``[]`` -> no items."""
    body = text.strip()
    if body.startswith("["):
        if not body.endswith("]"):
            raise Invalid(f"{text!r} opens '[' but never closes it", "write the list as [a, b]")
        body = body[1:-1]
        if body.strip() and not body.replace(",", "").strip():
            raise Invalid(f"{text!r} has separators but no items", "write the list as [a, b]")
    items = []
    for raw in body.split(","):
        item = raw.strip()
        if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"":
            item = item[1:-1].strip()
        if item:
            items.append(item)
    return tuple(items)


def parse_bool(text: str) -> bool:
    folded = text.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise Invalid(f"{text!r} is not yes or no", "write yes or no")


def parse_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise Invalid(f"{text!r} is not a whole number", "write digits only, e.g. 60") from None


def _convert(spec: FieldSpec, text: str) -> Any:
    if spec.kind == "int":
        return parse_int(text)
    if spec.kind == "bool":
        return parse_bool(text)
    if spec.kind == "list":
        return list(parse_list(text))
    return text.strip()


class EnvNaming(Naming):
    """Problems name the variable the user set, not the TOML key."""

    def __init__(self, chosen: Mapping[str, str], dotenv_name: str | None) -> None:
        self.chosen = chosen  # TOML key -> variable that supplied it
        self.where = "the environment" + (f" or in {dotenv_name}" if dotenv_name else "")

    def _var(self, key: str) -> str | None:
        if key in self.chosen:
            return self.chosen[key]
        for _, specs in _SECTIONS:
            for spec in specs:
                if spec.key == key:
                    return spec.env_var
        return None

    def name(self, path: FieldPath) -> str:
        key = path[-1]
        if isinstance(key, str) and path[0] in ("deployment", "environments", "defaults"):
            var = self._var(key)
            if var is not None:
                return var
        return super().name(path)

    def key(self, key: str) -> str:
        return self._var(key) or key

    def missing_fix(self, key: str) -> str:
        return f"set {self._var(key)} in {self.where}"


def read_seed_variables(
    environ: Mapping[str, str], dotenv: DotEnv | None, dotenv_name: str | None
) -> tuple[dict[str, Any], EnvNaming, list[Problem]]:
    """Map the variables onto the TOML tree; the process environment wins over ``.env``."""
    file_values = dotenv.values if dotenv else {}
    problems: list[Problem] = list(dotenv.problems) if dotenv else []
    tree: dict[str, Any] = {"deployment": {}, "environments": [{}]}
    chosen: dict[str, str] = {}
    for section, specs in _SECTIONS:
        table = tree["deployment"] if section == "deployment" else tree["environments"][0]
        for spec in specs:
            for var in spec.env_vars:
                text = environ.get(var) or file_values.get(var, "")
                if not text.strip():  # unset or blank -> default, as in the sample
                    continue
                chosen[spec.key] = var
                try:
                    table[spec.key] = _convert(spec, text)
                except Invalid as exc:
                    problems.append(Problem(var, exc.message, exc.fix))
                    table.pop(spec.key, None)
                    chosen[spec.key] = var
                break
    for var, removed in REMOVED_VARIABLES.items():
        in_environ = bool(environ.get(var, "").strip())
        if in_environ or file_values.get(var, "").strip():
            where = "unset it" if in_environ else f"delete it from {dotenv_name}"
            problems.append(Problem(var, f"was removed: {removed.why}", where))
    for var in file_values:
        if var in REMOVED_VARIABLES:
            continue
        if var.startswith(_OUR_PREFIXES) and var not in KNOWN_VARIABLES:
            problems.append(
                Problem(
                    f"{dotenv_name} {var}",
                    "is not a known variable",
                    did_you_mean(var, KNOWN_VARIABLES, "variables"),
                )
            )
    return tree, EnvNaming(chosen, dotenv_name), problems
