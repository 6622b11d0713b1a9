"""Low-light enhancement (DeepUPE-style): illumination + denoise networks (net.py), trained by train.py,
exported by export.py, measured by evaluate.py; the app-facing plugin is in plugin.py."""

from .plugin import LowLightPlugin

plugin = LowLightPlugin()
