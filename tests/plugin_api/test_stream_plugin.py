"""stream_plugin: a BandedPlugin's result made while it is written gives the pixels run_plugin gives; bands are
checked as run_plugin checks results; a plugin's error is the user's one-line error, the destination untouched."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core import export
from photoai.core.errors import NotEnoughMemoryError, PluginError
from photoai.core.geometry import Size
from photoai.core.image import ImageBuffer
from photoai.core.stream import ImageStream
from photoai.plugin_api.banded import BandedPlugin
from photoai.plugin_api.execute import run_plugin, stream_plugin
from photoai.plugin_api.plugin import BasePlugin, PluginInfo


class Doubler(BandedPlugin):
    """Nearest-neighbour x2 in bands of 5 output rows; ``spoil`` corrupts one band (a test of the checks)."""

    info = PluginInfo("doubler", "Doubler", changes_size=True)

    def __init__(self, spoil: str = "", in_place: bool = True) -> None:
        self.spoil, self.in_place = spoil, in_place

    def output_size(self, size, values):
        return Size(size.width * 2, size.height * 2)

    def bands(self, request, ctx, frame):
        if self.spoil == "memory":
            raise NotEnoughMemoryError("not enough memory for doubling")
        big = np.repeat(np.repeat(request.image, 2, axis=0), 2, axis=1) * 1.1  # some values above 1
        for top in range(0, len(big), 5):
            band = big[top:top + 5]
            if self.spoil == "nan" and top == 5:
                band = band.copy()
                band[0, 0, 0] = np.nan
            if self.spoil == "narrow":
                band = band[:, 1:]
            if self.spoil == "crash" and top == 10:
                raise RuntimeError("boom")
            if frame is not None and self.in_place:
                frame[top:top + len(band)] = band
                band = frame[top:top + len(band)]
            yield band


def image(h: int = 12, w: int = 9) -> ImageBuffer:
    return ImageBuffer(np.random.default_rng(0).random((h, w, 3)).astype(np.float32))


@pytest.mark.parametrize("in_place", [True, False])
def test_streamed_pixels_are_run_plugins(in_place):
    whole = run_plugin(Doubler(in_place=in_place), image()).rgb
    stream = stream_plugin(Doubler(in_place=in_place), image())
    assert isinstance(stream, ImageStream) and stream.size == Size(18, 24)
    streamed = np.concatenate(list(stream.bands()))
    np.testing.assert_array_equal(streamed, whole)
    assert whole.max() == 1.0  # clipped alike


def test_only_banded_plugins_on_plain_colour_images_stream():
    class Plain(BasePlugin):
        info = PluginInfo("plain", "Plain")

        def run(self, request, ctx):
            return request.image

    assert stream_plugin(Plain(), image()) is None
    with_alpha = image()
    with_alpha.alpha = np.ones((12, 9), np.float32)
    assert stream_plugin(Doubler(), with_alpha) is None
    gray = image()
    gray.gray = True
    assert stream_plugin(Doubler(), gray) is None


@pytest.mark.parametrize(("spoil", "message"), [
    ("nan", "Doubler produced invalid"),
    ("narrow", "Doubler returned a band of 17x5 at row 0 of a 18x24 result"),
    ("crash", "Doubler failed: RuntimeError: boom"),
    ("memory", "not enough memory for doubling"),
])
def test_a_bad_band_is_the_users_error_and_the_file_is_untouched(tmp_path, spoil, message):
    dest = tmp_path / "out.png"
    dest.write_bytes(b"old")
    stream = stream_plugin(Doubler(spoil), image())
    with pytest.raises((PluginError, NotEnoughMemoryError), match=message):
        export.save(stream, dest)
    assert dest.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_values_are_checked_before_anything_is_written(tmp_path):
    from photoai.core.errors import ParamError
    from photoai.core.params import IntParam

    class WithParam(Doubler):
        info = PluginInfo("p", "P", params=(IntParam("n", "N", 1, 0, 3),), changes_size=True)

    with pytest.raises(ParamError):
        stream_plugin(WithParam(), image(), values={"n": 9})
