"""The generated parameter form: editors per type, value round trip, persistence per plugin."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSlider, QSpinBox

from photoai.core.params import defaults
from photoai.plugin_api.registry import PluginRegistry
from photoai.ui.qsettings import restore_values
from photoai.ui.widgets.param_form import ParamForm
from photoai.ui.widgets.plugin_panel import PluginPanel


def _form_params(ui_registry):
    return ui_registry.get("form").info.params


def test_editors_per_param_type(qtbot, ui_registry):
    form = ParamForm(_form_params(ui_registry))
    qtbot.addWidget(form)
    e = form.editors
    assert e["amount"].findChild(QDoubleSpinBox) is not None and e["amount"].findChild(QSlider) is not None
    assert e["radius"].findChild(QSpinBox) is not None
    assert e["fast"].findChild(QCheckBox) is not None
    combo = e["mode"].findChild(QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == ["Soft", "Hard", "Three"]
    assert e["amount"].toolTip() == "How much"
    assert form.values() == defaults(_form_params(ui_registry))


def test_values_round_trip_and_changed_signal(qtbot, ui_registry):
    form = ParamForm(_form_params(ui_registry))
    qtbot.addWidget(form)
    new = {"amount": 0.7, "radius": 9, "fast": False, "mode": 3}
    with qtbot.waitSignal(form.changed, timeout=500):
        form.set_values(new)
    assert form.values() == new
    # the slider follows the spin box and drives it back
    amount = form.editors["amount"]
    assert amount.slider.value() == round(0.7 / 0.05)
    with qtbot.waitSignal(form.changed, timeout=500):
        amount.slider.setValue(4)
    assert abs(form.values()["amount"] - 0.2) < 1e-9
    with qtbot.waitSignal(form.changed, timeout=500):
        form.editors["mode"].combo.setCurrentIndex(0)
    assert form.values()["mode"] == "soft"


def test_stale_values_fall_back_to_defaults(ui_registry):
    params = _form_params(ui_registry)
    stored = {"amount": "5.0", "radius": "7", "fast": "false", "mode": "gone", "removed_key": 1}
    assert restore_values(params, stored) == {"amount": 0.25, "radius": 7, "fast": False, "mode": "hard"}


def test_values_persist_per_plugin(qtbot, ui_registry, settings):
    panel = PluginPanel(ui_registry, settings)
    qtbot.addWidget(panel)
    panel.select("form")
    panel.form.set_values({"amount": 0.55, "radius": 12, "fast": False, "mode": 3})
    panel.select("invert")
    assert panel.values() == {"strength": 1.0}
    settings.sync()
    # a new panel (next session) restores them, typed, from QSettings group plugins/form
    again = PluginPanel(ui_registry, settings)
    qtbot.addWidget(again)
    again.select("form")
    assert again.values() == {"amount": 0.55, "radius": 12, "fast": False, "mode": 3}
    settings.store.beginGroup("plugins/form")
    assert set(settings.store.childKeys()) == {"amount", "radius", "fast", "mode"}
    settings.store.endGroup()


def test_panel_lists_plugins_and_greyed_failures(qtbot, ui_registry, settings):
    panel = PluginPanel(ui_registry, settings)
    qtbot.addWidget(panel)
    assert set(panel.plugin_ids()) == {p.info.id for p in ui_registry.plugins()}
    failures = panel.failure_items()
    assert len(failures) == 1
    item = failures[0]
    assert "broken_pkg" in item.text() and "torchvision" in item.text()
    assert not item.flags()  # not enabled, not selectable: drawn greyed out
    assert "torchvision" in item.toolTip()


def test_run_disabled_with_hint_when_mask_missing(qtbot, ui_registry, settings):
    panel = PluginPanel(ui_registry, settings)
    qtbot.addWidget(panel)
    panel.show()
    panel.select("masked")
    panel.set_document_state(has_image=True, has_mask=False)
    assert not panel.run_button.isEnabled()
    assert "mask" in panel.hint.text().lower() and panel.hint.isVisible()
    panel.set_document_state(has_image=True, has_mask=True)
    assert panel.run_button.isEnabled() and not panel.hint.isVisible()
    with qtbot.waitSignal(panel.run_requested, timeout=500) as blocker:
        panel.run_button.click()
    assert blocker.args == ["masked", {}]


def test_empty_registry(qtbot, settings):
    panel = PluginPanel(PluginRegistry(), settings)
    qtbot.addWidget(panel)
    assert panel.current_plugin is None and not panel.run_button.isEnabled()


def test_a_parameter_that_does_not_act_is_greyed_out(qtbot):
    from photoai.core.params import BoolParam, ChoiceParam

    params = (ChoiceParam("method", "Method", choices=("net", "plain"), default="net"),
              BoolParam("fast", "Fast", default=True, applies=(("method", ("net",)),)),
              ChoiceParam("detail", "Detail", choices=(1, 2), default=1,
                          applies=(("method", ("net",)), ("fast", (True,)))))
    form = ParamForm(params)
    qtbot.addWidget(form)
    enabled = lambda: {k: (e.isEnabled(), form._labels[k].isEnabled()) for k, e in form.editors.items()}  # noqa: E731
    assert enabled() == {"method": (True, True), "fast": (True, True), "detail": (True, True)}
    form.editors["fast"].check.setChecked(False)
    assert enabled()["detail"] == (False, False) and enabled()["fast"] == (True, True)
    form.set_values({"method": "plain", "fast": True})
    assert enabled() == {"method": (True, True), "fast": (False, False), "detail": (False, False)}
    assert form.values()["fast"] is True  # greyed out, not changed
