"""Super-resolution x2/x3/x4: our residual Y-channel network (net.py), trained by train.py,
exported by export.py, measured by evaluate.py; the app-facing plugin is in plugin.py."""

from .plugin import SuperResPlugin

plugin = SuperResPlugin()
