"""One error tree whose messages are written for users."""

from __future__ import annotations


class PhotoAIError(Exception):
    """Base of every error PhotoAI reports to the user."""


class ImageReadError(PhotoAIError):
    """A file could not be read as an image."""


class ImageWriteError(PhotoAIError):
    """An image could not be written."""


class ModelError(PhotoAIError):
    """A model file is missing, corrupt or cannot run."""


class ParamError(PhotoAIError):
    """A parameter value is invalid."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"parameter '{key}': {message}")
        self.key = key


class PluginError(PhotoAIError):
    """A plugin failed to load or to run."""


class Cancelled(PhotoAIError):
    """The user cancelled a running job."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


def one_line(error: BaseException | str, limit: int = 300) -> str:
    """A (foreign) error's text on one line, shortened: for messages that must stay one line."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


class NotEnoughMemoryError(PhotoAIError):
    """A job would need more memory than the machine has available: refused before it starts."""
