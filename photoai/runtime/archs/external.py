"""The public architectures PhotoAI imports without a plugin of their own (see :func:`builtin_archs`)."""

from __future__ import annotations

from photoai.runtime.archs import Arch
from photoai.runtime.archs.fsrcnn import FSRCNN
from photoai.runtime.archs.sci import SCI
from photoai.runtime.archs.zerodce import ZeroDCE, ZeroDCEPlusPlus

EXTERNAL_ARCHS: tuple[Arch, ...] = (FSRCNN(), ZeroDCE(), ZeroDCEPlusPlus(), SCI())
