"""Typed, serialisable parameter specs shared by the GUI form and the CLI ``--set``.

Each spec is a frozen dataclass; ``validate`` turns user values (or strings from the
command line) into checked Python values and fills in defaults.
"""

from __future__ import annotations

import json
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
    """``live``: changing the value only re-renders the plugin's cached analysis (no network run; see
    :class:`photoai.plugin_api.LivePlugin`). ``applies``: the value acts only when every named parameter has one
    of the listed values, e.g. ``(("model", ("photo", "network")),)``; the editor greys it out otherwise."""

    key: str
    label: str
    help: str = field(default="", kw_only=True)
    live: bool = field(default=False, kw_only=True)
    applies: tuple[tuple[str, tuple[Any, ...]], ...] = field(default=(), kw_only=True)

    kind = "base"

    def applies_to(self, values: Mapping[str, Any]) -> bool:
        """Whether this parameter acts with these ``values`` of the others (see ``applies``)."""
        return all(values.get(key) in allowed for key, allowed in self.applies)

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


@dataclass(frozen=True)
class ColorPoint:
    """A colour placed on the photo: ``x``, ``y`` in image pixels (of the image the plugin runs on, origin
    top-left), ``rgb`` 0-255 sRGB. JSON form: ``{"x": 10, "y": 20, "rgb": [255, 128, 0]}``."""

    x: float
    y: float
    rgb: tuple[int, int, int]

    def to_dict(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y, "rgb": list(self.rgb)}

    @classmethod
    def from_any(cls, value: Any) -> ColorPoint:
        """A :class:`ColorPoint` from itself or a ``{"x", "y", "rgb"}`` mapping (``rgb`` as three 0-255
        numbers or ``"#rrggbb"``); ValueError says what is wrong."""
        if isinstance(value, ColorPoint):
            return value
        if not isinstance(value, Mapping) or not {"x", "y", "rgb"} <= set(value):
            raise ValueError(f"expected {{\"x\", \"y\", \"rgb\"}}, got {value!r}")
        rgb = value["rgb"]
        if isinstance(rgb, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", rgb.strip()):
            rgb = [int(rgb.strip()[i:i + 2], 16) for i in (1, 3, 5)]
        if isinstance(rgb, str) or not isinstance(rgb, Iterable):
            raise ValueError(f"rgb must be [r, g, b] (0-255) or \"#rrggbb\", got {rgb!r}")
        rgb = list(rgb)
        if len(rgb) != 3 or not all(isinstance(c, (int, float)) and not isinstance(c, bool) and 0 <= c <= 255
                                    for c in rgb):
            raise ValueError(f"rgb must be three numbers 0-255, got {value['rgb']!r}")
        x, y = value["x"], value["y"]
        if not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in (x, y)):
            raise ValueError(f"x and y must be numbers, got {x!r}, {y!r}")
        return cls(float(x), float(y), (round(rgb[0]), round(rgb[1]), round(rgb[2])))


@dataclass(frozen=True)
class PointsParam(_Base):
    """A list of :class:`ColorPoint` (colour hints). Accepts ColorPoints, mappings or JSON text of a list
    of ``{"x", "y", "rgb"}``; at most ``max_points``."""

    default: tuple[ColorPoint, ...] = ()
    max_points: int = 1000

    kind = "points"

    def coerce(self, value: Any) -> tuple[ColorPoint, ...]:
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else []
            except json.JSONDecodeError as e:
                raise ParamError(self.key, f"not valid JSON: {e.msg} (line {e.lineno})") from None
        if isinstance(value, Mapping) or not isinstance(value, Iterable):
            raise ParamError(self.key, "expected a list of {\"x\", \"y\", \"rgb\"} points")
        points = []
        for i, item in enumerate(value):
            try:
                points.append(ColorPoint.from_any(item))
            except ValueError as e:
                raise ParamError(self.key, f"point {i + 1}: {e}") from None
        if len(points) > self.max_points:
            raise ParamError(self.key, f"{len(points)} points, at most {self.max_points}")
        return tuple(points)


Param: TypeAlias = FloatParam | IntParam | BoolParam | ChoiceParam | ModelParam | PointsParam


def points_params(params: Iterable[Param]) -> tuple[PointsParam, ...]:
    """The :class:`PointsParam` among ``params`` (a plugin that takes colour hints has one)."""
    return tuple(p for p in params if isinstance(p, PointsParam))


def check_points_inside(params: Iterable[Param], values: Mapping[str, Any], width: int, height: int) -> None:
    """Every point of every :class:`PointsParam` in ``values`` lies on the ``width`` x ``height`` image
    (``0 <= x < width``, ``0 <= y < height``); ParamError names the first one that does not."""
    for p in points_params(params):
        for i, point in enumerate(values.get(p.key, ())):
            if not (0 <= point.x < width and 0 <= point.y < height):
                raise ParamError(p.key, f"point {i + 1} (x {point.x:g}, y {point.y:g}) is outside the "
                                        f"{width}x{height} image")


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
