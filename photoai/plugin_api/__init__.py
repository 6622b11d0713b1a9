"""The plugin API: everything plugins and the UI share (no Qt)."""

from photoai.core.errors import Cancelled, ModelError, ParamError, PhotoAIError, PluginError
from photoai.core.geometry import Rect, Size
from photoai.core.jobs import CancelToken, RunContext
from photoai.core.models import Model, ModelProvider, ModelSpec
from photoai.core.params import BoolParam, ChoiceParam, FloatParam, IntParam, ModelParam, Param
from photoai.plugin_api.plugin import BasePlugin, Plugin, PluginInfo, Request

__all__ = [
    "BasePlugin", "BoolParam", "CancelToken", "Cancelled", "ChoiceParam", "FloatParam", "IntParam",
    "Model", "ModelError", "ModelParam", "ModelProvider", "ModelSpec", "Param", "ParamError", "PhotoAIError",
    "Plugin", "PluginError", "PluginInfo", "Rect", "Request", "RunContext", "Size",
]
