"""See in the dark on camera RAW files: a raw-space denoiser (net.py, Brooks et al. 2019 style) trained on
unprocessed photos (unprocess.py, noise.py, data.py, train.py), exported by export.py, measured by
evaluate.py; the app-facing plugin is in plugin.py (no torch at import)."""

from .plugin import RawDarkPlugin

plugin = RawDarkPlugin()
