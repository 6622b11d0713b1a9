"""Locate files under the top-level ``resources/`` folder (installed as package ``photoai_resources``)."""

from __future__ import annotations

from pathlib import Path


def resource_path(*parts: str) -> Path:
    """``resources/<parts>`` in a source checkout, else in the installed ``photoai_resources``."""
    checkout = Path(__file__).resolve().parents[2] / "resources"
    if checkout.is_dir():
        return checkout.joinpath(*parts)
    from importlib.resources import files

    return Path(str(files("photoai_resources"))).joinpath(*parts)
