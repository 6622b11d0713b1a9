import pytest

from photoai.core.errors import ParamError
from photoai.core.params import BoolParam, ChoiceParam, FloatParam, IntParam, parse_assignments, validate

PARAMS = (
    FloatParam("t", "Temperature", default=0.38, minimum=0.01, maximum=1.0),
    IntParam("n", "Count", default=3, minimum=1, maximum=8),
    BoolParam("fast", "Fast", default=False),
    ChoiceParam("scale", "Scale", choices=(2, 3, 4), default=2),
)


def test_defaults_filled_in():
    assert validate(PARAMS, {}) == {"t": 0.38, "n": 3, "fast": False, "scale": 2}


def test_strings_from_cli_are_coerced():
    values = validate(PARAMS, parse_assignments(["t=0.5", "n=4", "fast=yes", "scale=3"]))
    assert values == {"t": 0.5, "n": 4, "fast": True, "scale": 3}
    assert isinstance(values["scale"], int)


@pytest.mark.parametrize(
    "values, key",
    [({"t": 2.0}, "t"), ({"t": "nan"}, "t"), ({"n": 2.5}, "n"), ({"n": 0}, "n"), ({"fast": "maybe"}, "fast"),
     ({"scale": 5}, "scale"), ({"bogus": 1}, "bogus"), ({"n": True}, "n")],
)
def test_invalid_values_name_the_key(values, key):
    with pytest.raises(ParamError) as err:
        validate(PARAMS, values)
    assert err.value.key == key
    assert key in str(err.value)


def test_choice_spec_is_checked_at_definition():
    with pytest.raises(ValueError):
        ChoiceParam("c", "C", choices=("a", "b"), default="z")
    with pytest.raises(ValueError):
        ChoiceParam("c", "C", choices=("a", "b"), labels=("only one",))


def test_specs_serialise():
    d = PARAMS[3].to_dict()
    assert d["type"] == "choice" and d["choices"] == (2, 3, 4) and d["key"] == "scale"
    assert PARAMS[0].to_dict()["maximum"] == 1.0


def test_parse_assignments_rejects_garbage():
    with pytest.raises(ParamError):
        parse_assignments(["novalue"])
    assert parse_assignments(["a=b=c"]) == {"a": "b=c"}


def test_applies_to_asks_every_named_value():
    p = FloatParam("x", "X", applies=(("model", ("a", "b")), ("speed", ("fast",))))
    assert p.applies_to({"model": "b", "speed": "fast"})
    assert not p.applies_to({"model": "c", "speed": "fast"}) and not p.applies_to({"model": "a"})
    assert FloatParam("y", "Y").applies_to({})  # no condition: always
