"""The plugin list, the selected plugin's settings form and the Run button.

The panel knows plugins only through the registry and their ``PluginInfo``. Values are
saved per plugin (QSettings group ``plugins/<id>``) whenever the form changes and restored,
validated, when the plugin is selected again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from photoai.core.params import Param
from photoai.plugin_api.execute import NEEDS_RAW
from photoai.plugin_api.plugin import Plugin, live_keys
from photoai.plugin_api.registry import PluginRegistry
from photoai.ui.qsettings import Settings
from photoai.ui.widgets.param_form import ParamForm

ID_ROLE = Qt.ItemDataRole.UserRole
FAILED_ROLE = Qt.ItemDataRole.UserRole + 1


def _short(text: str, limit: int = 110) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


class PluginPanel(QWidget):
    run_requested = Signal(str, dict)  # plugin id, values
    plugin_selected = Signal(str)
    values_changed = Signal(str, dict)  # plugin id, the form's values (after any edit)
    form_built = Signal()  # a new settings form is shown (``form``; None without a plugin)

    def __init__(self, registry: PluginRegistry, settings: Settings, parent: QWidget | None = None,
                 params_for: Callable[[Plugin], tuple[Param, ...]] | None = None) -> None:
        """``params_for(plugin)``: the parameters to show (default ``plugin.info.params``); the editor passes
        one that fills ``ModelParam`` choices with the installed models."""
        super().__init__(parent)
        self.registry = registry
        self.settings = settings
        self.params_for = params_for or (lambda plugin: plugin.info.params)
        self.form: ParamForm | None = None
        self._has_image = False
        self._has_mask = False
        self._raw_problem: str | None = NEEDS_RAW
        self._busy = False
        self._blocked = ""

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)

        self.list = QListWidget()
        self.list.setWordWrap(False)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setUniformItemSizes(False)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.list.setMinimumHeight(60)
        lay.addWidget(self.list)

        self.heading = QLabel()
        f = self.heading.font()
        f.setPointSizeF(f.pointSizeF() * 1.15)
        f.setWeight(QFont.Weight.DemiBold)
        self.heading.setFont(f)
        lay.addWidget(self.heading)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setTextFormat(Qt.TextFormat.PlainText)
        self.description.setEnabled(False)
        lay.addWidget(self.description)

        self.form_area = QScrollArea()
        self.form_area.setWidgetResizable(True)
        self.form_area.setFrameShape(QFrame.Shape.NoFrame)
        self.form_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lay.addWidget(self.form_area, 3)

        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #e0a040;")
        self.hint.setVisible(False)
        lay.addWidget(self.hint)

        buttons = QHBoxLayout()
        self.reset_button = QPushButton("Defaults")
        self.reset_button.setToolTip("Reset the settings of this plugin to their defaults")
        self.reset_button.clicked.connect(self._reset)
        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.run_button.setMinimumHeight(30)
        self.run_button.setObjectName("runButton")
        self.run_button.clicked.connect(self._run)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.run_button, 1)
        lay.addLayout(buttons)

        self._populate()
        self._fit_list()
        self.list.currentItemChanged.connect(self._on_current_changed)
        last = str(self.settings.store.value("ui/lastPlugin", ""))
        self.select(last if last in self.registry else None)

    # -- list -----------------------------------------------------------------------------
    def _populate(self) -> None:
        self.list.clear()
        for plugin in self.registry.plugins():
            info = plugin.info
            item = QListWidgetItem(info.title)
            tip = info.description or info.title
            if info.needs_mask:
                tip += "\n\nNeeds a mask: paint over the area to change first."
            if info.needs_raw:
                tip += "\n\nWorks on a camera RAW file's sensor data (open a .dng/.cr2/.nef/... file)."
            item.setToolTip(tip)
            item.setData(ID_ROLE, info.id)
            self.list.addItem(item)
        for failure in self.registry.failures:
            error = _short(failure.error.replace(f"{failure.source}: ", ""), 200)
            item = QListWidgetItem(f"⚠ {failure.source} — not loaded\n{error}")
            item.setFlags(Qt.ItemFlag.NoItemFlags)  # greyed out, not selectable
            item.setForeground(QBrush(QColor(150, 150, 150)))
            item.setToolTip(f"This plugin failed to load:\n{failure.error}\n\n{failure.details}".strip())
            item.setData(FAILED_ROLE, failure.source)
            # a narrow size hint: the row takes the list's width and the error is elided, not scrolled
            lines = self.list.fontMetrics().lineSpacing() * 2 + 12
            item.setSizeHint(QSize(40, lines))
            self.list.addItem(item)

    def _fit_list(self) -> None:
        """As tall as its rows (up to a limit), so the settings get the rest of the panel."""
        rows = sum(max(self.list.sizeHintForRow(i), 0) for i in range(self.list.count()))
        frame = 2 * self.list.frameWidth() + 8
        self.list.setMaximumHeight(max(60, min(rows + frame, 280)))

    def plugin_ids(self) -> list[str]:
        return [self.list.item(i).data(ID_ROLE) for i in range(self.list.count()) if self.list.item(i).data(ID_ROLE)]

    def failure_items(self) -> list[QListWidgetItem]:
        return [self.list.item(i) for i in range(self.list.count()) if self.list.item(i).data(FAILED_ROLE)]

    def select(self, plugin_id: str | None) -> None:
        """Select ``plugin_id`` (or the first plugin)."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            pid = item.data(ID_ROLE)
            if pid and (plugin_id is None or pid == plugin_id):
                self.list.setCurrentItem(item)
                return
        self._show(None)

    @property
    def current_plugin(self) -> Plugin | None:
        item = self.list.currentItem()
        pid = item.data(ID_ROLE) if item is not None else None
        return self.registry.get(pid) if pid and pid in self.registry else None

    def _on_current_changed(self, current: QListWidgetItem | None, _previous: Any) -> None:
        pid = current.data(ID_ROLE) if current is not None else None
        self._show(self.registry.get(pid) if pid else None)
        if pid:
            self.settings.store.setValue("ui/lastPlugin", pid)
            self.plugin_selected.emit(pid)

    def _show(self, plugin: Plugin | None) -> None:
        old = self.form_area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.form = None
        if plugin is None:
            self.heading.setText("No plugin" if not len(self.registry) else "")
            self.description.setText("No plugins are available." if not len(self.registry) else "")
        else:
            info = plugin.info
            self.heading.setText(info.title)
            self.description.setText(info.description)
            params = self.params_for(plugin)
            self.form = ParamForm(params, live=live_keys(plugin))
            self.form.set_values(self.form.persistent(self.settings.plugin_values(info.id, params)))
            self.form.changed.connect(self._save_values)
            holder = QWidget()
            v = QVBoxLayout(holder)
            v.setContentsMargins(0, 4, 4, 4)
            v.addWidget(self.form)
            v.addStretch(1)
            self.form_area.setWidget(holder)
        self._update_state()
        self.form_built.emit()

    def refresh(self) -> None:
        """Rebuild the current plugin's form (e.g. after a model was imported or removed)."""
        self._show(self.current_plugin)

    def _save_values(self) -> None:
        plugin = self.current_plugin
        if plugin is not None and self.form is not None:
            self.settings.set_plugin_values(plugin.info.id, self.form.persistent(self.form.values()))
            self.values_changed.emit(plugin.info.id, self.form.values())

    def _reset(self) -> None:
        if self.form is not None:
            self.form.reset()

    def values(self) -> dict[str, Any]:
        return self.form.values() if self.form is not None else {}

    # -- run state --------------------------------------------------------------------------
    def set_document_state(self, has_image: bool, has_mask: bool, raw_problem: str | None = NEEDS_RAW) -> None:
        """``raw_problem``: why plugins that need raw sensor data cannot run on the photo (None: they can);
        such plugins are greyed out in the list while there is one."""
        self._has_image, self._has_mask, self._raw_problem = has_image, has_mask, raw_problem
        self._grey_raw_plugins()
        self._update_state()

    def _grey_raw_plugins(self) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            plugin_id = item.data(ID_ROLE)
            if plugin_id and self.registry.get(plugin_id).info.needs_raw:
                grey = self._raw_problem is not None
                item.setForeground(QBrush(QColor(150, 150, 150)) if grey else QBrush())

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_state()

    def set_blocked(self, reason: str) -> None:
        """A reason not to run now ('' = none), e.g. a result waiting for Keep or Discard."""
        self._blocked = reason
        self._update_state()

    def run_hint(self) -> str:
        """Why Run is disabled ('' when it is enabled)."""
        plugin = self.current_plugin
        if plugin is None:
            return "Select a plugin."
        if not self._has_image:
            return "Open a photo first (File ▸ Open…)."
        if self._busy:
            return ""
        if self._blocked:
            return self._blocked
        if plugin.info.needs_mask and not self._has_mask:
            return f"{plugin.info.title} needs a mask: paint over the area to change (B = brush)."
        if plugin.info.needs_raw and self._raw_problem:
            return f"{plugin.info.title}: {self._raw_problem}."
        return ""

    def _update_state(self) -> None:
        hint = self.run_hint()
        enabled = not hint and not self._busy and self.current_plugin is not None
        self.run_button.setEnabled(enabled)
        self.reset_button.setEnabled(self.form is not None and bool(self.form.params) and not self._busy)
        self.run_button.setToolTip(hint or "Run the plugin on the photo (Ctrl+R)")
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint) and self.current_plugin is not None and self._has_image)
        if self.form is not None:
            self.form.setEnabled(not self._busy)

    def _run(self) -> None:
        plugin = self.current_plugin
        if plugin is not None and self.run_button.isEnabled():
            self.run_requested.emit(plugin.info.id, self.values())
