import numpy as np
import pytest

from photoai.core.errors import Cancelled
from photoai.core.geometry import Size
from photoai.core.jobs import CancelToken, RunContext
from photoai.core.tiling import plan_tiles, run_tiled


def box_blur(img: np.ndarray, r: int = 2) -> np.ndarray:
    """A local operator with receptive field r (edges replicated), like a small conv net."""
    p = np.pad(img, ((r, r), (r, r), (0, 0)), mode="edge")
    h, w = img.shape[:2]
    acc = sum(p[dy : dy + h, dx : dx + w] for dy in range(2 * r + 1) for dx in range(2 * r + 1))
    return (acc / (2 * r + 1) ** 2).astype(np.float32)


def nearest_x2(img: np.ndarray) -> np.ndarray:
    return img.repeat(2, axis=0).repeat(2, axis=1)


@pytest.fixture
def image():
    return np.random.default_rng(0).random((97, 131, 3), dtype=np.float32)


def test_plan_covers_image_exactly_once():
    tiles = plan_tiles(Size(1000, 333), 256)
    cover = np.zeros((333, 1000), int)
    for t in tiles:
        cover[t.slices()] += 1
    assert (cover == 1).all()
    widths = {t.width for t in tiles}
    assert max(widths) - min(widths) <= 1  # even tiles


def test_identity_reproduces_input(image):
    out = run_tiled(image, lambda t: t.copy(), tile=32, overlap=4)
    np.testing.assert_array_equal(out, image)


def test_scaled_function_matches_whole_image(image):
    out = run_tiled(image, nearest_x2, scale=2, tile=40, overlap=3)
    np.testing.assert_array_equal(out, nearest_x2(image))


def test_local_operator_has_no_seams_when_overlap_covers_receptive_field(image):
    whole = box_blur(image)
    tiled = run_tiled(image, box_blur, tile=32, overlap=2)
    np.testing.assert_allclose(tiled, whole, atol=1e-6)
    seamy = run_tiled(image, box_blur, tile=32, overlap=0)
    assert np.abs(seamy - whole).max() > 1e-3  # the test can fail: no context gives seams


def test_blend_mode_weights_sum_to_one_and_softens_seams(image):
    flat = np.full_like(image, 0.25)
    np.testing.assert_allclose(run_tiled(flat, box_blur, tile=32, overlap=6, blend=True), flat, atol=1e-6)
    whole = box_blur(image)
    seam = np.abs(run_tiled(image, box_blur, tile=32, overlap=0) - whole).max()
    blended = np.abs(run_tiled(image, box_blur, tile=32, overlap=10, blend=True) - whole).max()
    assert blended < 0.1 * seam


def test_size_multiple_padding(image):
    seen = []

    def fn(t):
        seen.append(t.shape[:2])
        return t.copy()

    out = run_tiled(image, fn, tile=50, overlap=5, multiple=8)
    assert all(h % 8 == 0 and w % 8 == 0 for h, w in seen)
    np.testing.assert_array_equal(out, image)


def test_out_of_memory_halves_the_tile(image):
    sizes = []

    def fn(t):
        if max(t.shape[:2]) > 40:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2 GiB")
        sizes.append(t.shape[:2])
        return t * 0.5

    out = run_tiled(image, fn, tile=64, overlap=2, min_tile=8)
    np.testing.assert_allclose(out, image * 0.5)
    assert sizes and max(max(s) for s in sizes) <= 40


def test_other_errors_propagate(image):
    def fn(t):
        raise ValueError("bug")

    with pytest.raises(ValueError):
        run_tiled(image, fn, tile=32)


def test_progress_and_cancel_between_tiles(image):
    seen = []
    token = CancelToken()
    ctx = RunContext(on_progress=lambda f, s: seen.append(f), token=token)

    def fn(t):
        if len(seen) == 2:
            token.cancel()
        return t

    with pytest.raises(Cancelled):
        run_tiled(image, fn, tile=32, ctx=ctx)
    assert seen == sorted(seen) and 0 < seen[-1] < 1

    seen.clear()
    run_tiled(image, lambda t: t, tile=32, ctx=RunContext(on_progress=lambda f, s: seen.append(f)))
    assert seen[-1] == pytest.approx(1.0)
