"""The plugin list and Run button for a plugin that needs raw sensor data (PluginInfo.needs_raw)."""

from __future__ import annotations

import numpy as np

from photoai.plugin_api import BasePlugin, PluginInfo, Request, RunContext
from photoai.plugin_api.execute import NEEDS_RAW
from photoai.ui.widgets.plugin_panel import ID_ROLE, PluginPanel


class RawOnly(BasePlugin):
    info = PluginInfo(id="rawonly", title="Raw only", needs_raw=True)

    def run(self, request: Request, ctx: RunContext) -> np.ndarray:  # pragma: no cover - never run here
        return request.image


def _item(panel: PluginPanel, plugin_id: str):
    return next(panel.list.item(i) for i in range(panel.list.count())
                if panel.list.item(i).data(ID_ROLE) == plugin_id)


def test_greyed_with_the_reason_until_a_raw_is_open(qtbot, ui_registry, settings):
    ui_registry.register(RawOnly(), "tests")
    panel = PluginPanel(ui_registry, settings)
    qtbot.addWidget(panel)
    panel.select("rawonly")
    item = _item(panel, "rawonly")
    assert "camera RAW file" in item.toolTip()

    panel.set_document_state(True, False, NEEDS_RAW)  # a JPEG
    assert panel.run_hint() == f"Raw only: {NEEDS_RAW}."
    assert not panel.run_button.isEnabled()
    assert item.foreground().color().getRgb()[:3] == (150, 150, 150)

    panel.set_document_state(True, False, "not supported: X-Trans sensor")
    assert panel.run_hint() == "Raw only: not supported: X-Trans sensor."

    panel.set_document_state(True, False, None)  # a Bayer raw
    assert panel.run_hint() == "" and panel.run_button.isEnabled()
    assert item.foreground().color().getRgb()[:3] != (150, 150, 150)
    panel.select("invert")
    panel.set_document_state(True, False, NEEDS_RAW)
    assert panel.run_hint() == ""  # other plugins are not concerned
