"""The virtual hardware panel shown beside the kiosk screen in ``kiosk demo``:
library cards to scan, tagged items to put on or take off the RFID pad, and
the receipt printer's paper. It acts on the simulated devices only; the
kiosk screen reacts exactly as it would to real hardware."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.demo.rig import CARDS, ITEMS, DemoRig
from kiosk.screens.widgets import load_kv

REFRESH = 0.3


class PanelButton(ButtonBehavior, Label):
    """A small button of the panel (the kiosk's own buttons are much bigger)."""

    selected = BooleanProperty(False)
    hint = StringProperty("")


class HardwarePanel(BoxLayout):
    receipt = StringProperty("")
    pad_count = StringProperty("")

    def __init__(self, rig: DemoRig, **kwargs: Any) -> None:
        self.rig = rig
        super().__init__(**kwargs)
        self.item_buttons: dict[str, PanelButton] = {}
        for card in CARDS:
            button = PanelButton(text=f"[b]{card.label}[/b]\n[size=12]{card.hint}[/size]")
            button.barcode = card.barcode
            button.bind(on_release=lambda b: self.rig.scan_card(b.barcode))
            self.ids.cards.add_widget(button)
        for item in ITEMS:
            hint = f"\n[size=12]{item.hint}[/size]" if item.hint else ""
            button = PanelButton(text=f"[b]{item.label}[/b]{hint}")
            button.item_id = item.item_id
            button.bind(on_release=lambda b: self.toggle(b.item_id))
            self.item_buttons[item.item_id] = button
            self.ids.item_grid.add_widget(button)
        self._seen = -1
        self._event = Clock.schedule_interval(self.refresh, REFRESH)

    def toggle(self, item_id: str) -> None:
        if item_id in self.rig.on_pad():
            self.rig.take_item(item_id)
        else:
            self.rig.put_item(item_id)
        self.refresh()

    def clear_pad(self) -> None:
        self.rig.clear_pad()
        self.refresh()

    def refresh(self, *_: Any) -> None:
        on_pad = self.rig.on_pad()
        for item_id, button in self.item_buttons.items():
            button.selected = item_id in on_pad
        self.pad_count = f"On the pad: {len(on_pad)}"
        data = self.rig.receipt_bytes()
        if len(data) != self._seen:
            self._seen = len(data)
            self.receipt = self.rig.receipt_text() if data else "(no receipt printed yet)"

    def tear_off(self) -> None:
        self.rig.printer.output  # noqa: B018  (reading keeps the sim's buffer; we only clear the view)
        self.receipt = "(no receipt printed yet)"


load_kv(__file__)
