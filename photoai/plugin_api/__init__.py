"""The plugin API: everything plugins and the UI share (no Qt)."""

from photoai.core.errors import Cancelled, ModelError, ParamError, PhotoAIError, PluginError
from photoai.core.geometry import Rect, Size
from photoai.core.jobs import CancelToken, RunContext
from photoai.core.models import Model, ModelProvider, ModelSpec
from photoai.core.params import (
    BoolParam,
    ChoiceParam,
    ColorPoint,
    FloatParam,
    IntParam,
    ModelParam,
    Param,
    PointsParam,
)
from photoai.plugin_api.plugin import BasePlugin, LivePlugin, Plugin, PluginInfo, Request, live_keys

__all__ = [
    "BasePlugin", "BoolParam", "CancelToken", "Cancelled", "ChoiceParam", "ColorPoint", "FloatParam", "IntParam",
    "LivePlugin", "Model", "ModelError", "ModelParam", "ModelProvider", "ModelSpec", "Param", "ParamError",
    "PhotoAIError", "Plugin", "PluginError", "PluginInfo", "PointsParam", "Rect", "Request", "RunContext", "Size",
    "live_keys",
]
