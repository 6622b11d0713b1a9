"""PhotoAI super-resolution against the OpenCV dnn_superres references (FSRCNN, ESPCN), side by side in one run.

    nice python bench/superres_reference.py [--sizes 1 3] [--scales 2 3 4] [--methods ...] [--opencv PY ...] \
        [--ours default speed=fast,precision=int8 ...]

OpenCV's dnn_superres models (``FSRCNN_x2.pb`` ...) cannot be downloaded here, but their time depends only on
the architecture, so the published architectures are built as ONNX graphs with **random weights** (timing
only: the output is meaningless): FSRCNN (Dong et al. 2016: d=56, s=12, m=4, PReLU, 9x9 transposed conv),
FSRCNN-small (d=32, s=5, m=1) and ESPCN (Shi et al. 2016, as fannymonori/TF-ESPCN exported it for OpenCV:
5x5 64, 3x3 32 (ReLU), 3x3 scale^2, pixel shuffle).
Each runs the way ``cv2.dnn_superres.DnnSuperResImpl.upsample`` runs them (the same engine, ``cv2.dnn``: BGR
-> YCrCb float, Y through the network as one blob, Cr/Cb ``cv2.resize`` INTER_CUBIC, merge, back to 8-bit BGR),
and through ONNX Runtime (the same pipeline, our engine). A reference's time is the net's creation plus one
``upsample`` (what a one-image tool pays). Ours: ``photoai run superres IN.jpg -o OUT.png --set scale=S`` in
a fresh interpreter ("CLI": start-up, decode, run, PNG encode) and ``run_plugin`` in-process after the model is
loaded ("API"), once per ``--ours`` setting (plugin values ``K=V,K=V``, e.g. ``speed=fast,precision=int8``;
``default``: the plugin's defaults). Every case runs in its own process, the methods interleaved; read the ratios
(the last column: time / the first OpenCV's FSRCNN), not the seconds, on a shared machine. ``--opencv``: Python
interpreters whose ``cv2`` runs the OpenCV rows (default: this one), e.g. a throwaway
``python -m venv /tmp/ocv && /tmp/ocv/bin/pip install opencv-contrib-python-headless==4.12.0.88`` beside the
project's OpenCV 5: the dnn engine's speed differs a lot between versions. Those children need only numpy and cv2.
The reference rows also report what reading the JPEG and writing the result as a PNG (cv2) would add, to compare
with the CLI. ``--graphs MODEL_ID ...`` times the networks alone instead (ONNX Runtime, one thread; ``--sizes``:
the LR Y plane).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import ROOT, in_child, photo

#: method -> table label; "cv2-*"/"ort-*" are the reference architectures, "ours-*" PhotoAI.
METHODS = {
    "cv2-fsrcnn": "OpenCV dnn, FSRCNN architecture",
    "cv2-fsrcnn-small": "OpenCV dnn, FSRCNN-small architecture",
    "cv2-espcn": "OpenCV dnn, ESPCN architecture",
    "ort-fsrcnn": "ONNX Runtime, FSRCNN architecture",
    "ort-espcn": "ONNX Runtime, ESPCN architecture",
    "ours-api": "ours (run_plugin, model loaded)",
    "ours-cli": "ours (photoai run, PNG out)",
}
REFERENCE = "cv2-fsrcnn"


# --------------------------------------------------------------------------- the reference graphs


class _Graph:
    """An ONNX graph under construction: 2-D convolutions (same padding) and activations, He-initialized."""

    def __init__(self, seed: int = 0) -> None:
        self.nodes: list[Any] = []
        self.weights: list[Any] = []
        self.rng = np.random.default_rng(seed)
        self.count = 0

    def _const(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.weights.append(numpy_helper.from_array(value.astype(np.float32), name))
        return name

    def conv(self, x: str, cin: int, cout: int, k: int, act: str | None = None) -> str:
        from onnx import helper

        self.count += 1
        name = f"conv{self.count}"
        w = self.rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / (cin * k * k))
        inputs = [x, self._const(name + "_w", w), self._const(name + "_b", np.zeros(cout))]
        self.nodes.append(helper.make_node("Conv", inputs, [name], kernel_shape=[k, k], pads=[k // 2] * 4))
        if act == "prelu":
            slope = self._const(name + "_slope", np.full((cout, 1, 1), 0.25))
            self.nodes.append(helper.make_node("PRelu", [name, slope], [name + "_act"]))
        elif act == "relu":
            self.nodes.append(helper.make_node("Relu", [name], [name + "_act"]))
        else:
            return name
        return name + "_act"

    def model(self, output: str) -> bytes:
        from onnx import TensorProto, checker, helper

        graph = helper.make_graph(
            self.nodes, "reference", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, "H", "W"])],
            [helper.make_tensor_value_info(output, TensorProto.FLOAT, [1, 1, None, None])], self.weights)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        checker.check_model(model)
        return model.SerializeToString()


def fsrcnn(scale: int, d: int = 56, s: int = 12, m: int = 4) -> bytes:
    """FSRCNN(d, s, m) x``scale`` (the dnn_superres FSRCNN is d=56, s=12, m=4; FSRCNN-small d=32, s=5, m=1)."""
    from onnx import helper

    g = _Graph()
    x = g.conv("x", 1, d, 5, "prelu")
    x = g.conv(x, d, s, 1, "prelu")
    for _ in range(m):
        x = g.conv(x, s, s, 3, "prelu")
    x = g.conv(x, s, d, 1, "prelu")
    w = g._const("deconv_w", g.rng.standard_normal((d, 1, 9, 9)) * 0.01)
    g.nodes.append(helper.make_node("ConvTranspose", [x, w, g._const("deconv_b", np.zeros(1))], ["y"],
                                    kernel_shape=[9, 9], strides=[scale, scale], pads=[4] * 4,
                                    output_padding=[scale - 1] * 2))
    return g.model("y")


def espcn(scale: int) -> bytes:
    """ESPCN x``scale``: 5x5 conv 64, 3x3 conv 32 (ReLU), 3x3 conv scale^2, pixel shuffle (depth to space)."""
    from onnx import helper

    g = _Graph()
    x = g.conv(g.conv("x", 1, 64, 5, "relu"), 64, 32, 3, "relu")
    x = g.conv(x, 32, scale * scale, 3)
    g.nodes.append(helper.make_node("DepthToSpace", [x], ["y"], blocksize=scale, mode="CRD"))
    return g.model("y")


def reference_graph(arch: str, scale: int) -> bytes:
    if arch == "fsrcnn":
        return fsrcnn(scale)
    if arch == "fsrcnn-small":
        return fsrcnn(scale, 32, 5, 1)
    if arch == "espcn":
        return espcn(scale)
    raise ValueError(arch)


def dnn_superres_upsample(bgr: np.ndarray, scale: int, forward: Any) -> np.ndarray:
    """What ``DnnSuperResImpl::upsample`` does for FSRCNN/ESPCN (opencv_contrib dnn_superres.cpp), with
    ``forward`` (NCHW float32 -> NCHW float32) in place of its ``cv::dnn::Net``."""
    import cv2

    ycrcb = cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb).astype(np.float32) / 255.0
    y = forward(cv2.dnn.blobFromImage(ycrcb[..., 0], 1.0))[0, 0]
    h, w = y.shape
    chroma = cv2.resize(ycrcb[..., 1:], (w, h), interpolation=cv2.INTER_CUBIC)
    merged = np.dstack([y, chroma])
    return cv2.cvtColor(np.clip(merged * 255.0, 0, 255).astype(np.uint8), cv2.COLOR_YCrCb2BGR)


# --------------------------------------------------------------------------- one case (child process)


def input_jpeg(folder: Path, megapixels: float) -> Path:
    from PIL import Image

    path = folder / f"in_{megapixels:g}mp.jpg"
    if not path.exists():
        Image.fromarray((photo(megapixels) * 255 + 0.5).astype(np.uint8)).save(path, quality=92)
    return path


def graph_file(folder: Path, arch: str, scale: int) -> Path:
    """The reference graph as an ONNX file (made once per run)."""
    path = folder / f"{arch}_x{scale}.onnx"
    if not path.exists():
        path.write_bytes(reference_graph(arch, scale))
    return path


def settings(spec: str) -> dict[str, str]:
    """An ``--ours`` setting as plugin values: ``speed=fast,precision=int8`` (``default``: none)."""
    pairs = [] if spec == "default" else spec.split(",")
    return dict(pair.partition("=")[::2] for pair in pairs)


def file_io(src: Path, out: np.ndarray) -> float:
    """Seconds a reference tool would add to read ``src`` and write ``out`` as a PNG (cv2 defaults), not in "wall"."""
    import cv2

    t0 = time.perf_counter()
    cv2.imread(str(src), cv2.IMREAD_COLOR)
    cv2.imwrite(str(src.with_name("ref.png")), out)
    return time.perf_counter() - t0


def run_one(method: str, src: Path, scale: int, spec: str = "default") -> dict[str, Any]:
    """One timed case; a reference method reads its graph from ``<arch>_x<scale>.onnx`` beside ``src``; ours runs
    with the plugin values of ``spec`` (:func:`settings`)."""
    if method.startswith("cv2-"):  # only numpy and cv2 here: the interpreter may be another OpenCV's
        import cv2

        bgr = np.asarray(cv2.imread(str(src), cv2.IMREAD_COLOR))
        t0 = time.perf_counter()
        net = cv2.dnn.readNetFromONNX(str(src.with_name(f"{method[4:]}_x{scale}.onnx")))

        def cv2_forward(blob: np.ndarray) -> np.ndarray:
            net.setInput(blob)
            return net.forward()

        out = dnn_superres_upsample(bgr, scale, cv2_forward)
        wall = time.perf_counter() - t0
        assert out.shape[:2] == (bgr.shape[0] * scale, bgr.shape[1] * scale)
        return {"wall": wall, "io": file_io(src, out), "opencv": cv2.__version__}
    from PIL import Image

    if method == "ours-cli":
        t0 = time.perf_counter()
        sets = [a for k, v in settings(spec).items() for a in ("--set", f"{k}={v}")]
        subprocess.run([sys.executable, "-m", "photoai", "run", "superres", str(src), "-o",
                        str(src.with_name("out.png")), "--set", f"scale={scale}", *sets], check=True,
                       capture_output=True, cwd=ROOT)
        return {"wall": time.perf_counter() - t0}
    rgb = np.asarray(Image.open(src).convert("RGB"))
    if method == "ours-api":
        from photoai.core.image import ImageBuffer
        from photoai.plugin_api.execute import run_plugin
        from photoai.plugin_api.models import open_runtime
        from photoai.plugin_api.registry import discover_plugins
        registry = discover_plugins(entry_point_group=None, paths=[])
        plugin, runtime = registry.get("superres"), open_runtime(registry, user_models=False)
        values = {"scale": scale, **settings(spec)}
        run_plugin(plugin, ImageBuffer.from_array(rgb[:32, :32]), values=values, runtime=runtime)  # loads; not timed
        image = ImageBuffer.from_array(rgb)
        t0 = time.perf_counter()
        run_plugin(plugin, image, values=values, runtime=runtime)
        return {"wall": time.perf_counter() - t0}
    import onnxruntime as ort

    bgr = np.ascontiguousarray(rgb[..., ::-1])
    t0 = time.perf_counter()
    session = ort.InferenceSession(str(src.with_name(f"{method[4:]}_x{scale}.onnx")),
                                   providers=["CPUExecutionProvider"])

    def forward(blob: np.ndarray) -> np.ndarray:
        return session.run(None, {"x": blob})[0]

    out = dnn_superres_upsample(bgr, scale, forward)
    wall = time.perf_counter() - t0
    assert out.shape[:2] == (bgr.shape[0] * scale, bgr.shape[1] * scale)
    return {"wall": wall, "io": file_io(src, out)}


# --------------------------------------------------------------------------- networks alone


def time_graphs(files: dict[str, Path], lr_size: tuple[int, int], rounds: int = 5) -> dict[str, float]:
    """Median seconds of one ONNX Runtime run of each graph on a random Y plane of ``lr_size`` (h, w): one intra-op
    thread, the graphs interleaved in each of ``rounds`` rounds."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    sessions = {k: ort.InferenceSession(str(f), options, providers=["CPUExecutionProvider"]) for k, f in files.items()}
    x = np.random.default_rng(0).random((1, 1, *lr_size), dtype=np.float32)
    times: dict[str, list[float]] = {k: [] for k in sessions}
    for _ in range(rounds):
        for k, session in sessions.items():
            t0 = time.perf_counter()
            session.run(None, {session.get_inputs()[0].name: x})
            times[k].append(time.perf_counter() - t0)
    return {k: float(np.median(v)) for k, v in times.items()}


def graphs_table(model_ids: list[str], sizes: list[float], scales: list[int], folder: Path) -> None:
    """``--graphs``: the networks alone (FSRCNN and ESPCN graphs, then our shipped models, ``{scale}`` in an id filled
    in), time relative to FSRCNN in ONNX Runtime; the input of ``megapixels`` is the low-resolution Y plane."""
    from photoai.runtime.manifest import read_manifest

    specs = {s.id: s for s in read_manifest(ROOT / "plugins" / "superres" / "models")}
    print("| LR input | scale | network | s | vs FSRCNN |\n|---|---|---|---|---|")
    for mp in sizes:
        w = int((mp * 1e6 * 4 / 3) ** 0.5)
        for scale in scales:
            files = {arch: graph_file(folder, arch, scale) for arch in ("fsrcnn", "espcn")}
            files |= {i.format(scale=scale): specs[i.format(scale=scale)].path for i in model_ids}
            times = time_graphs(files, (w * 3 // 4, w))
            for name, t in times.items():
                print(f"| {w}x{w * 3 // 4} | x{scale} | {name} | {t:.3f} | {t / times['fsrcnn']:.2f}x |", flush=True)


# --------------------------------------------------------------------------- parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 3])
    ap.add_argument("--scales", type=int, nargs="+", default=[2, 3, 4])
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    ap.add_argument("--opencv", nargs="+", default=[sys.executable], metavar="PY",
                    help="interpreters whose cv2 runs the OpenCV rows; the first one's FSRCNN is the reference")
    ap.add_argument("--ours", nargs="+", default=["default"], metavar="K=V,K=V",
                    help="plugin settings of our rows, each run by every ours-* method (default: the defaults)")
    ap.add_argument("--graphs", nargs="+", metavar="MODEL_ID",
                    help="time the networks alone instead (see graphs_table), e.g. superres-fast-x{scale} "
                         "superres-fast-x{scale}-int8")
    ap.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.graphs:
        with tempfile.TemporaryDirectory() as tmp:
            graphs_table(args.graphs, args.sizes, args.scales, Path(tmp))
        return
    if args.one:
        print(json.dumps(run_one(args.one[0], Path(args.one[1]), int(args.one[2]), *args.one[3:])))
        return
    # (method, interpreter, ours setting): every OpenCV row once per --opencv interpreter, the reference first;
    # every ours row once per --ours setting
    cases = [(m, py, "") for py in args.opencv for m in [REFERENCE, *args.methods] if m.startswith("cv2-")]
    cases = list(dict.fromkeys(cases)) + [(m, sys.executable, "") for m in args.methods if m.startswith("ort-")]
    cases += [(m, sys.executable, spec) for spec in args.ours for m in args.methods if m.startswith("ours-")]
    print("| input | scale | method | wall s | vs the first OpenCV's FSRCNN | + read JPEG, write PNG s |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for mp in args.sizes:
            src = input_jpeg(Path(tmp), mp)
            for scale in args.scales:
                for arch in {m.partition("-")[2] for m, _, _ in cases if m[:4] in ("cv2-", "ort-")}:
                    graph_file(Path(tmp), arch, scale)
                rows = [(m, spec, in_child(__file__, [m, str(src), str(scale)] + ([spec] if spec else []), py))
                        for m, py, spec in cases]
                ref = rows[0][2].get("wall")
                for m, spec, r in rows:
                    label = METHODS[m].replace("OpenCV", f"OpenCV {r.get('opencv', '')}".rstrip())
                    label += f" {spec}" if spec and spec != "default" else ""
                    if "error" in r:
                        print(f"| {mp:g} MP | x{scale} | {label} | failed: {r['error']} | | |")
                        continue
                    ratio = f"{r['wall'] / ref:.2f}x" if ref else "-"
                    io = f"{r['io']:.2f}" if "io" in r else ""
                    print(f"| {mp:g} MP | x{scale} | {label} | {r['wall']:.2f} | {ratio} | {io} |", flush=True)


if __name__ == "__main__":
    main()
