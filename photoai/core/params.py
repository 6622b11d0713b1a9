"""Typed, serialisable parameter specs shared by the GUI form and the CLI ``--set``.

Each spec is a frozen dataclass; ``validate`` turns user values (or strings from the
command line) into checked Python values and fills in defaults.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, TypeAlias

from photoai.core.errors import ParamError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class _Base:
    key: str
    label: str
    help: str = field(default="", kw_only=True)

    kind = "base"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, **asdict(self)}


@dataclass(frozen=True)
class FloatParam(_Base):
    default: float = 0.0
    minimum: float = 0.0
    maximum: float = 1.0
    step: float = 0.01
    decimals: int = 2

    kind = "float"

    def coerce(self, value: Any) -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ParamError(self.key, f"expected a number, got {value!r}") from None
        if not math.isfinite(v) or not self.minimum <= v <= self.maximum:
            raise ParamError(self.key, f"{v} is outside [{self.minimum}, {self.maximum}]")
        return v


@dataclass(frozen=True)
class IntParam(_Base):
    default: int = 0
    minimum: int = 0
    maximum: int = 100
    step: int = 1

    kind = "int"

    def coerce(self, value: Any) -> int:
        if isinstance(value, bool):
            raise ParamError(self.key, f"expected an integer, got {value!r}")
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise ParamError(self.key, f"expected an integer, got {value!r}") from None
        if not f.is_integer():
            raise ParamError(self.key, f"expected an integer, got {value!r}")
        v = int(f)
        if not self.minimum <= v <= self.maximum:
            raise ParamError(self.key, f"{v} is outside [{self.minimum}, {self.maximum}]")
        return v


@dataclass(frozen=True)
class BoolParam(_Base):
    default: bool = False

    kind = "bool"

    def coerce(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ParamError(self.key, f"expected true/false, got {value!r}")


@dataclass(frozen=True)
class ChoiceParam(_Base):
    """One of a fixed set of values (str or int); ``labels`` are shown in the GUI."""

    choices: tuple[Any, ...] = ()
    default: Any = None
    labels: tuple[str, ...] = ()

    kind = "choice"

    def __post_init__(self) -> None:
        if not self.choices:
            raise ValueError(f"ChoiceParam {self.key!r} needs choices")
        if self.default is None:
            object.__setattr__(self, "default", self.choices[0])
        if self.default not in self.choices:
            raise ValueError(f"ChoiceParam {self.key!r}: default {self.default!r} not in choices")
        if self.labels and len(self.labels) != len(self.choices):
            raise ValueError(f"ChoiceParam {self.key!r}: one label per choice")

    def label_for(self, value: Any) -> str:
        return self.labels[self.choices.index(value)] if self.labels else str(value)

    def coerce(self, value: Any) -> Any:
        if value in self.choices:
            return value
        for choice in self.choices:  # strings from the CLI or QSettings
            if str(choice) == str(value).strip():
                return choice
        raise ParamError(self.key, f"{value!r} is not one of {', '.join(map(str, self.choices))}")


@dataclass(frozen=True)
class ModelParam(ChoiceParam):
    """Which model to run: the plugin's own ``choices`` plus, once resolved against the runtime
    (``photoai.plugin_api.resolve_params``), every other installed model of ``task`` (imported ones).
    Any model id is accepted here; the runtime says clearly when it is not installed."""

    task: str = ""

    kind = "model"

    def coerce(self, value: Any) -> Any:
        try:
            return super().coerce(value)
        except ParamError:
            text = str(value).strip()
            if _MODEL_ID.match(text):
                return text
            raise


_MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")

Param: TypeAlias = FloatParam | IntParam | BoolParam | ChoiceParam | ModelParam


def defaults(params: Iterable[Param]) -> dict[str, Any]:
    return {p.key: p.default for p in params}


def validate(params: Iterable[Param], values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Checked values for ``params``: defaults filled in, unknown keys rejected."""
    params = tuple(params)
    values = dict(values or {})
    known = {p.key for p in params}
    unknown = sorted(set(values) - known)
    if unknown:
        hint = f" (known: {', '.join(sorted(known))})" if known else " (this plugin takes no parameters)"
        raise ParamError(unknown[0], f"unknown parameter{hint}")
    return {p.key: p.coerce(values[p.key]) if p.key in values else p.default for p in params}


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """Parse CLI ``key=value`` strings."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParamError(item, "expected key=value")
        out[key.strip()] = value
    return out
