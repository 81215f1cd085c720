"""The virtual hardware panel shown beside the kiosk screen in ``kiosk demo``:
library cards to scan, tagged items to put on or take off the RFID pad, and
the receipt printer's paper. It acts on the simulated devices only; the
kiosk screen reacts exactly as it would to real hardware.

The simulated devices are shared with the station's threads (the pad is
locked while the reader writes a tag), so the panel reads and changes them
on its own worker thread, never on the UI thread."""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.demo.rig import CARDS, ITEMS, DemoRig
from kiosk.screens.widgets import load_kv

REFRESH = 0.3


#: The simulated patron keypad's keys on the panel (an audio-nav keypad's main keys).
KEYPAD = (("speech", "Speech"), ("help", "Help"), ("repeat", "Repeat"), ("back", "Back"),
          ("up", "\u2191"), ("down", "\u2193"), ("select", "Select"), ("enter", "Enter"))


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
        for key, label in KEYPAD:
            button = PanelButton(text=f"[b]{label}[/b]")
            button.bind(on_release=lambda _b, k=key: self._jobs.put(lambda: self.rig.press(k)))
            self.ids.keypad.add_widget(button)
        self._seen = -1
        self._jobs: queue.Queue[Callable[[], None]] = queue.Queue()
        self._halt = threading.Event()
        self._worker = threading.Thread(target=self._run, name="demo-panel", daemon=True)
        self._worker.start()

    # -- taps (UI thread): hand the device work to the panel's thread ---------------------
    def toggle(self, item_id: str) -> None:
        def job() -> None:
            if item_id in self.rig.on_pad():
                self.rig.take_item(item_id)
            else:
                self.rig.put_item(item_id)
        self._jobs.put(job)

    def clear_pad(self) -> None:
        self._jobs.put(self.rig.clear_pad)

    def stop(self) -> None:
        self._halt.set()
        self._worker.join(2.0)

    # -- the panel's thread ----------------------------------------------------------------
    def _run(self) -> None:
        while not self._halt.is_set():
            try:
                job = self._jobs.get(timeout=REFRESH)
            except queue.Empty:
                job = None
            try:
                if job is not None:
                    job()
                self._poll()
            except Exception as exc:  # a demo device hiccup must not kill the panel
                Clock.schedule_once(lambda _dt, e=exc: setattr(self, "pad_count", f"pad: {e}"))

    def _poll(self) -> None:
        on_pad = self.rig.on_pad()
        data = self.rig.receipt_bytes()
        receipt = None
        if len(data) != self._seen:
            self._seen = len(data)
            receipt = self.rig.receipt_text() if data else "(no receipt printed yet)"
        Clock.schedule_once(lambda _dt: self._show(on_pad, receipt))

    def _show(self, on_pad: set[str], receipt: str | None) -> None:
        for item_id, button in self.item_buttons.items():
            button.selected = item_id in on_pad
        self.pad_count = f"On the pad: {len(on_pad)}"
        if receipt is not None:
            self.receipt = receipt


load_kv(__file__)
