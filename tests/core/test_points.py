"""ColorPoint and PointsParam (colour hints): parsing, limits, JSON round trip, the on-image check."""

from __future__ import annotations

import json

import pytest

from photoai.core.errors import ParamError
from photoai.core.params import (
    ColorPoint,
    FloatParam,
    PointsParam,
    check_points_inside,
    points_params,
    validate,
)

HINTS = PointsParam("hints", "Colour hints", max_points=2)


def test_color_point_from_mappings_and_hex():
    assert ColorPoint.from_any({"x": 3, "y": 4.5, "rgb": [255, 127.6, 0]}) == ColorPoint(3.0, 4.5, (255, 128, 0))
    assert ColorPoint.from_any({"x": 0, "y": 0, "rgb": "#0A80ff"}).rgb == (10, 128, 255)
    p = ColorPoint(1.0, 2.0, (1, 2, 3))
    assert ColorPoint.from_any(p) is p
    assert ColorPoint.from_any(json.loads(json.dumps(p.to_dict()))) == p


@pytest.mark.parametrize("value, message", [
    ({"x": 1, "y": 2}, "expected"),
    ([1, 2, 3], "expected"),
    ({"x": 1, "y": 2, "rgb": [1, 2]}, "three numbers"),
    ({"x": 1, "y": 2, "rgb": [1, 2, 256]}, "three numbers"),
    ({"x": 1, "y": 2, "rgb": [True, 2, 3]}, "three numbers"),
    ({"x": 1, "y": 2, "rgb": "red"}, "#rrggbb"),
    ({"x": float("nan"), "y": 2, "rgb": [1, 2, 3]}, "x and y must be numbers"),
    ({"x": None, "y": 2, "rgb": [1, 2, 3]}, "x and y must be numbers"),
])
def test_color_point_rejects_bad_points(value, message):
    with pytest.raises(ValueError, match=message):
        ColorPoint.from_any(value)


def test_points_param_coerces_json_text_lists_and_points():
    text = '[{"x": 1, "y": 2, "rgb": [3, 4, 5]}, {"x": 6, "y": 7, "rgb": "#ffffff"}]'
    expected = (ColorPoint(1.0, 2.0, (3, 4, 5)), ColorPoint(6.0, 7.0, (255, 255, 255)))
    assert HINTS.coerce(text) == expected
    assert HINTS.coerce(list(expected)) == expected
    assert HINTS.coerce("") == () and HINTS.coerce([]) == ()
    assert validate((HINTS,), {})["hints"] == ()


@pytest.mark.parametrize("value, message", [
    ("[1,", "not valid JSON"),
    ('{"x": 1, "y": 2, "rgb": [3, 4, 5]}', "expected a list"),
    (5, "expected a list"),
    ('[{"x": 1, "y": 2, "rgb": [3, 4, 5]}, {"x": 1}]', "point 2:"),
    ([{"x": 0, "y": 0, "rgb": [0, 0, 0]}] * 3, "3 points, at most 2"),
])
def test_points_param_errors_name_the_parameter_and_the_point(value, message):
    with pytest.raises(ParamError, match=message) as e:
        HINTS.coerce(value)
    assert str(e.value).startswith("parameter 'hints': ")


def test_points_params_and_the_on_image_check():
    params = (FloatParam("t", "T"), HINTS)
    assert points_params(params) == (HINTS,)
    assert points_params(params[:1]) == ()
    inside = {"t": 0.5, "hints": (ColorPoint(0, 0, (0, 0, 0)), ColorPoint(59.9, 39, (0, 0, 0)))}
    check_points_inside(params, inside, 60, 40)
    for x, y in ((60, 0), (0, 40), (-0.1, 5)):
        with pytest.raises(ParamError, match=rf"point 2 \(x {x:g}, y {y:g}\) is outside the 60x40 image"):
            check_points_inside(params, {"hints": (ColorPoint(1, 1, (0, 0, 0)), ColorPoint(x, y, (0, 0, 0)))},
                                60, 40)
