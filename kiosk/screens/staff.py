"""Staff mode: devices (self-tests), the ILS connection, the offline queue,
recent transactions with reprint, station settings, restart and exit.

Anything that may block (device self-tests, replay, reprint, saving the
override file) runs on a worker thread; results come back through the Kivy
clock. Staff text is translated like the patron screens."""

from __future__ import annotations

import threading
from typing import Any, Callable

from kivy.clock import Clock
from kivy.properties import StringProperty

from kiosk.errors import ConfigError, KioskError
from kiosk.i18n import LANGUAGES, N_
from kiosk.screens.base import KioskScreen
from kiosk.screens.theme import DirBox
from kiosk.screens.widgets import KButton, KLabel, load_kv

SECTIONS = ("devices", "ils", "queue", "transactions", "settings", "system")
TIMEOUT_LABELS = {
    "timeout_pin": N_("PIN pad timeout: {value} s"),
    "timeout_home": N_("Home screen timeout: {value} s"),
    "timeout_borrow": N_("Borrowing timeout: {value} s"),
    "timeout_return": N_("Returning timeout: {value} s"),
    "timeout_account": N_("My account timeout: {value} s"),
}


#: The staff switch of [accessibility] speech_default, by its state.
SPEECH_DEFAULT = {False: N_("Speech for every patron: off"), True: N_("Speech for every patron: on")}

#: Staff's per-device test buttons (N_: translated when shown).
DEVICE_TESTS = {"rfid": N_("Inventory"), "printer": N_("Test print"), "scanner": N_("Scan test"),
                "nfc": N_("Card tap test")}
#: Device families in staff words (the config's names, e.g. ``rfid``, are for the config file).
DEVICE_NAMES = {"rfid": N_("RFID pad"), "scanner": N_("Barcode scanner"), "nfc": N_("Card reader"),
                "printer": N_("Receipt printer"), "payment": N_("Payment terminal"), "sorter": N_("Sorter"),
                "display": N_("Status display"), "keypad": N_("Keypad")}
#: Journal entries in staff words.
KINDS = {"checkout": N_("checkout"), "checkin": N_("return"), "renew": N_("renewal"), "renew_all": N_("renew all"),
         "fee_paid": N_("payment")}
STATUSES = {"intent": N_("started"), "ils_ok": N_("accepted by the library system"), "done": N_("done"),
            "refused": N_("refused"), "undone": N_("undone"), "unknown": N_("outcome unknown"),
            "failed": N_("failed"), "staff": N_("needs staff")}


class StaffScreen(KioskScreen):
    section = StringProperty("devices")
    status = StringProperty("")

    def on_pre_enter(self, *_: Any) -> None:
        self.show(self.section)

    # -- helpers ----------------------------------------------------------------------
    def in_background(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run ``work`` off the UI thread; ``done(result_or_exception)`` on it."""
        def run() -> None:
            try:
                result: Any = work()
            except (KioskError, OSError, ValueError) as exc:
                result = exc
            Clock.schedule_once(lambda _dt: done(result))
        threading.Thread(target=run, name="staff-task", daemon=True).start()

    def _clear(self) -> Any:
        box = self.ids.content
        box.clear_widgets()
        return box

    def _line(self, text: str, tone: str = "text", role: str = "body") -> KLabel:
        label = KLabel(text=text, tone=tone, role=role)
        self.ids.content.add_widget(label)
        return label

    def _buttons(self, *specs: tuple[str, Callable[[], None]]) -> None:
        row = DirBox(rtl=self.app.theme.rtl, size_hint_y=None, height=self.app.theme.target,
                     spacing=self.app.theme.unit * 2)
        for text, action in specs:
            button = KButton(text=text, kind="secondary")
            button.bind(on_release=lambda _b, a=action: a())
            row.add_widget(button)
        self.ids.content.add_widget(row)

    def _device(self, family: str) -> str:
        return self.tr(DEVICE_NAMES[family]) if family in DEVICE_NAMES else family

    def _kind(self, kind: str) -> str:
        return self.tr(KINDS[kind]) if kind in KINDS else kind

    def _status(self, status: str) -> str:
        return self.tr(STATUSES[status]) if status in STATUSES else status

    # -- sections ---------------------------------------------------------------------
    def show(self, section: str) -> None:
        self.section = section
        self.status = ""
        sections = {"devices": self.show_devices, "ils": self.show_ils, "queue": self.show_queue,
                    "transactions": self.show_transactions, "settings": self.show_settings,
                    "system": self.show_system}
        sections[section]()

    def show_devices(self) -> None:
        self._clear()
        self._line(self.tr("Devices"), role="title")
        self._line(self.tr("Running self-tests\u2026"), "muted")
        self.in_background(self.station.device_status, self._devices_done)

    def _devices_done(self, result: Any) -> None:
        if self.section != "devices":
            return
        self._clear()
        self._line(self.tr("Devices"), role="title")
        if isinstance(result, Exception):
            self._line(str(result), "error")
        else:
            for d in result:
                mark = "\u2714" if d.ok else "\u2716"
                need = " " + self.tr("(required)") if d.required else ""
                self._line(f"{mark} {self._device(d.name)}{need}: {d.driver or self.tr('not fitted')}",
                           "ok" if d.ok else "error")
                if d.detail:
                    self._line("    " + d.detail, "muted", "small")
            for line in self.app.access.staff_status():     # speech: engine, audio device, missing voices
                self._line(line, "muted")
            tests = [(self.tr(DEVICE_TESTS[d.name]), lambda f=d.name: self.test_device(f))
                     for d in result if d.name in DEVICE_TESTS and d.driver]
            if tests:
                self._buttons(*tests)
        self._buttons((self.tr("Run self-tests again"), self.show_devices))

    def test_device(self, family: str) -> None:
        """One device's own test, off the UI thread; the result under the list."""
        prompt = {"scanner": self.tr("Scan any barcode now\u2026"),
                  "nfc": self.tr("Tap a card on the reader now\u2026")}.get(family, self.tr("Testing\u2026"))
        name = self._device(family)
        line = self._line(f"{name}: {prompt}", "muted")

        def done(result: Any) -> None:
            if isinstance(result, Exception):
                line.text, line.tone = f"\u2716 {name}: {result}", "error"
            else:
                mark = "\u2714" if result.ok else "\u2716"
                line.text, line.tone = f"{mark} {name}: {result.detail}", "ok" if result.ok else "error"
        self.in_background(lambda: self.station.device_test(family), done)

    def show_ils(self) -> None:
        self._clear()
        s = self.station.sip2_status()
        self._line(self.tr("Library system (SIP2)"), role="title")
        self._line(self.tr("State: {state}").format(state=s.state), "ok" if s.state == "online" else "warn")
        self._line(self.tr("Server: {host}:{port}").format(host=s.host or "-", port=s.port))
        rtt = "-" if s.rtt_ms is None else f"{s.rtt_ms:.1f} ms"
        self._line(self.tr("Round-trip time: {rtt}").format(rtt=rtt))
        self._line(self.tr("Last error: {error}").format(error=s.last_error or self.tr("none")),
                   "error" if s.last_error else "muted")
        self._buttons((self.tr("Refresh"), self.show_ils))

    def show_queue(self) -> None:
        self._clear()
        q = self.station.offline_status()
        self._line(self.tr("Offline queue"), role="title")
        self._line(self.tr("Running offline: {yes}").format(yes=self.tr("yes") if q.offline else self.tr("no")),
                   "warn" if q.offline else "ok")
        self._line(self.tr("Waiting to be sent: {n}").format(n=q.queue_length))
        self._line(self.tr("Conflicts for staff: {n}").format(n=q.conflicts), "error" if q.conflicts else "text")
        self._line(self.tr("Unfinished: {n}").format(n=q.unfinished))
        if q.last_replay:
            self._line(self.tr("Last replay: {summary}").format(summary=q.last_replay), "muted", "small")
        for t in self.station.conflicts()[:20]:
            self._line(f"#{t.entry_id} {t.when} {self._kind(t.kind)} {t.item_id} {self._status(t.status)}: "
                       f"{t.staff_reason or t.detail}", "error", "small")
        self._buttons((self.tr("Replay now"), self.replay_now), (self.tr("Refresh"), self.show_queue))

    def replay_now(self) -> None:
        self.station.replay_now()
        self.status = self.tr("Replay started.")
        Clock.schedule_once(lambda _dt: self._refresh_queue(), 1.0)

    def _refresh_queue(self) -> None:
        if self.section == "queue":
            self.show_queue()

    def show_transactions(self) -> None:
        self._clear()
        self._line(self.tr("Last transactions"), role="title")
        rows = self.station.recent_transactions(15)
        if not rows:
            self._line(self.tr("No transactions yet."), "muted")
        for t in rows:
            flag = " (" + self.tr("offline") + ")" if t.offline else ""
            detail = f": {t.detail}" if t.detail else ""
            self._line(f"#{t.entry_id}  {t.when}  {self._kind(t.kind)}  {t.item_id}  {t.patron}  "
                       f"{self._status(t.status)}{flag}{detail}",
                       "error" if t.status in ("unknown", "failed") else "text", "small")
        self._buttons((self.tr("Reprint last receipt"), self.reprint))

    def reprint(self) -> None:
        self.status = self.tr("Printing\u2026")
        self.in_background(self.station.reprint, lambda r: setattr(
            self, "status", str(r) if isinstance(r, Exception) else (r.message or self.tr("Printed."))))

    def show_settings(self) -> None:
        self._clear()
        ui = self.app.settings
        self._line(self.tr("Station settings"), role="title")
        self._line(self.tr("Default language"))
        row = DirBox(rtl=self.app.theme.rtl, size_hint_y=None, height=self.app.theme.target,
                     spacing=self.app.theme.unit)
        for code in self.app.offered_languages():
            button = KButton(text=LANGUAGES.get(code, code), kind="secondary", selected=ui["default_language"] == code)
            button.bind(on_release=lambda _b, c=code: self._set("default_language", c))
            row.add_widget(button)
        self.ids.content.add_widget(row)
        self._stepper(self.tr("Volume: {value}%").format(value=int(round(ui["volume"] * 100))), "volume", 0.1, 0.0, 1.0)
        for key, text in TIMEOUT_LABELS.items():
            self._stepper(self.tr(text).format(value=int(ui[key])), key, 15.0, 15.0, 600.0)
        speech = ui["speech_default"]
        self._buttons((self.tr(SPEECH_DEFAULT[speech]), lambda: self._set("speech_default", not speech)))
        self._buttons((self.tr("Save settings"), self.save_settings))

    def _stepper(self, label: str, key: str, step: float, low: float, high: float) -> None:
        row = DirBox(rtl=self.app.theme.rtl, size_hint_y=None, height=self.app.theme.target,
                     spacing=self.app.theme.unit)
        row.add_widget(KLabel(text=label, size_hint_y=1))
        for sign, text in ((-1, "\u2212"), (1, "+")):
            button = KButton(text=text, kind="secondary", size_hint_x=None, width=self.app.theme.target)
            button.bind(on_release=lambda _b, s=sign: self._set(
                key, round(min(high, max(low, self.app.settings[key] + s * step)), 2)))
            row.add_widget(button)
        self.ids.content.add_widget(row)

    def _set(self, key: str, value: Any) -> None:
        self.app.settings[key] = value
        self.show_settings()

    def save_settings(self) -> None:
        self.status = self.tr("Saving\u2026")

        def done(result: Any) -> None:
            if isinstance(result, ConfigError):
                self.status = "; ".join(result.errors)
            elif isinstance(result, Exception):
                self.status = str(result)
            else:
                self.status = self.tr("Saved to {path}").format(path=result)
                self.app.apply_settings()
        self.in_background(self.app.save_settings, done)

    def show_system(self) -> None:
        self._clear()
        self._line(self.tr("System"), role="title")
        self._line(self.tr("Restart the kiosk app, or exit to the desktop for maintenance."), "muted")
        self._buttons((self.tr("Restart the app"), self.app.restart),
                      (self.tr("Exit to desktop"), self.app.exit_to_desktop))


load_kv(__file__)
