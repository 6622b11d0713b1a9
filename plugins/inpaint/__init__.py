"""Inpainting plugin: a partial-convolution U-Net (Liu et al., ECCV 2018) exported to ONNX.

Modules: ``net`` (PartialConv2d, PConvUNet), ``masks`` (free-form hole generator),
``losses``, ``data``, ``train``, ``export`` (ONNX + manifest) and ``evaluate`` (Kodak vs OpenCV).
Mask convention throughout the plugin: ``hole`` = 1 where pixels must be filled, 0 where kept.
"""

from .plugin import InpaintPlugin

plugin = InpaintPlugin()
