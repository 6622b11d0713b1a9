"""Colorization (Zhang et al. ECCV 2016, with user hints as in SIGGRAPH 2017): a distribution over 313 ab
bins per pixel (net.py), trained by train.py, exported by export.py, measured by evaluate.py; the
app-facing plugin is in plugin.py."""

from .plugin import ColorizePlugin

plugin = ColorizePlugin()
