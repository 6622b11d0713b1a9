"""Classic (non-learned) tools: unsharp mask and resampling. They double as the baselines and
as model-free plugins for testing the editor and the CLI."""

from .plugin import ResamplePlugin, SharpenPlugin

plugins = [SharpenPlugin(), ResamplePlugin()]
