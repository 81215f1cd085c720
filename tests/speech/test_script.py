"""What is spoken: every patron screen announced in all four languages, the
feedback to keys, the announcements of changes, and no PIN digit ever
spoken, recorded or logged."""

from __future__ import annotations

import logging
import queue
import re
from pathlib import Path

import pytest

from kiosk.drivers.keypad import Key, KeyPress
from kiosk.drivers.registry import open_device
from kiosk.events import (DeviceChanged, InactivityWarning, ItemResult, ItemStatus, Notice, RenewResult,
                          SessionChanged, SessionState)
from kiosk.i18n import translator
from kiosk.speech.engine import EspeakEngine
from kiosk.speech.focus import (Action, Adjust, Control, Deleted, Focus, Moved, Role, Say, Screen, Speech, Submit, Typed,
                                controls_for, focus_on, press)
from kiosk.speech.output import open_output
from kiosk.speech.script import (PLACES, announce_event, announce_screen, feedback, help_text, speech_toggled)
from kiosk.speech.speaker import Speaker
from speech_views import ACCOUNT, VIEWS

LANGS = ("en", "es", "tl", "ar")
EN = translator("en")


def screen_focus(screen: Screen, lang: str) -> Focus:
    tr = translator(lang)
    return focus_on(screen, controls_for(screen, VIEWS[screen], tr, account=ACCOUNT, languages=LANGS),
                    rtl=tr.rtl)


def announcement(screen: Screen, lang: str) -> str:
    return announce_screen(screen_focus(screen, lang), VIEWS[screen], translator(lang), account=ACCOUNT,
                           seconds_left=15, reason="")


@pytest.mark.parametrize("screen", list(Screen))
def test_every_patron_screen_is_announced_in_all_four_languages(screen: Screen) -> None:
    english = announcement(screen, "en")
    for lang in LANGS:
        tr = translator(lang)
        said = announcement(screen, lang)
        assert said.strip(), f"{screen} has no announcement in {lang}"
        assert said.startswith(tr.gettext(PLACES[screen]).rstrip(".")), f"{screen}/{lang} does not say where"
        focused = screen_focus(screen, lang).focused
        if focused is not None:
            assert focused.label.rstrip(". ") in said
        if lang != "en":
            assert said != english, f"{screen} is not translated into {lang}"
        help_said = help_text(screen, tr)
        assert help_said.strip() and (lang == "en" or help_said != help_text(screen, EN))


EXPECTED_EN = {
    Screen.ATTRACT: "Welcome screen. To borrow, scan or tap your library card, or type its number and press Enter. "
                    "To return items without a card, choose Return items. Use the arrow keys to move, Select to "
                    "choose, and Help to hear more. Library card number, text field, 1 of 7.",
    Screen.HOME: "Home screen. Hello, Ana Lopez. 1 hold is ready for you to pick up. Fines to pay: $2.50. Your "
                 "choices: Borrow, Return, My account, Finish. Use the arrow keys to move, Select to choose, and "
                 "Help to hear more. Borrow, button, 1 of 4.",
    Screen.BORROWING: "Borrowing. 1 item borrowed. Place your items on the pad, one stack at a time. Each item is "
                      "announced when it is done. When you have finished, press Select on Finish. Use the arrow "
                      "keys to move, Select to choose, and Help to hear more. Finish, button, 6 of 6.",
    Screen.INACTIVITY_WARNING: "Are you still there? Your session ends in 15 seconds. Press Select for more time. "
                               "Use the arrow keys to move, Select to choose, and Help to hear more. "
                               "More time, button, 1 of 2.",
    Screen.GOODBYE: "Thank you, goodbye! Remember to take your card and your items. Done, button, 1 of 1.",
}


@pytest.mark.parametrize("screen", sorted(EXPECTED_EN))
def test_english_announcements_read_well(screen: Screen) -> None:
    assert announcement(screen, "en") == EXPECTED_EN[screen]


def test_account_and_out_of_service_say_what_matters() -> None:
    account = announcement(Screen.ACCOUNT, "en")
    assert account.startswith("My account. 2 items on loan. 1 overdue. 1 hold is ready for you to pick up. "
                              "Fines to pay: $2.50.")
    loading = announce_screen(focus_on(Screen.ACCOUNT, ()), VIEWS[Screen.ACCOUNT], EN)
    assert "Loading your account" in loading
    down = announce_screen(focus_on(Screen.OUT_OF_SERVICE, ()), VIEWS[Screen.OUT_OF_SERVICE], EN,
                           reason="The library system cannot be reached right now.")
    assert down == ("Sorry, this kiosk is out of service. The library system cannot be reached right now. "
                    "Please use another kiosk or ask at the desk. Staff have been told.")


def test_spanish_and_arabic_examples() -> None:
    assert announcement(Screen.GOODBYE, "es") == ("¡Gracias, hasta pronto! Recuerde llevarse su tarjeta y sus "
                                                  "ejemplares. Hecho, botón, 1 de 1.")
    assert announcement(Screen.GOODBYE, "ar").endswith("تم، زر، 1 من 1.")


@pytest.mark.parametrize("effect, said", [
    (Moved(Control("borrow", "Borrow"), 1, 4), "Borrow, button, 1 of 4."),
    (Moved(Control("lang_es", "Language: Spanish", selected=True), 3, 7), "Language: Spanish, button, selected, 3 of 7."),
    (Moved(Control("low_layout", "Controls at the bottom of the screen", Role.SWITCH), 7, 7),
     "Controls at the bottom of the screen, switch, off, 7 of 7."),
    (Moved(Control("item:1", "The Hobbit. Borrowed.", Role.ITEM), 1, 3), "The Hobbit. Borrowed, list item, 1 of 3."),
    (Typed(Control("pad", "PIN", Role.FIELD, secret=True), 1, "7"), "Digit entered."),
    (Typed(Control("card", "Library card number", Role.FIELD), 1, "7"), "7"),
    (Deleted(Control("pad", "PIN", Role.FIELD, secret=True), 0), "Digit deleted."),
    (Say(Speech.NOTHING_HERE), "There is nothing to choose on this screen."),
    (Say(Speech.EMPTY_FIELD), "Nothing has been typed yet."),
    (Say(Speech.NO_BACK), "Back does nothing on this screen."),
    (Adjust("volume", 1), "Louder."), (Adjust("volume", -1), "Quieter."),
    (Adjust("rate", 1), "Faster."), (Adjust("rate", -1), "Slower."),
    (Submit(Action.ENTER_PIN, "1234"), None),
])
def test_feedback_to_keys(effect: object, said: str | None) -> None:
    assert feedback(effect, screen_focus(Screen.HOME, "en"), EN) == said  # type: ignore[arg-type]


def test_help_and_speech_toggle() -> None:
    assert feedback(Say(Speech.HELP), screen_focus(Screen.PIN_ENTRY, "en"), EN) == help_text(Screen.PIN_ENTRY, EN)
    assert help_text(Screen.PIN_ENTRY, EN).startswith("Type your PIN with the number keys")
    assert help_text(Screen.HOME, EN).endswith("and the volume keys change the volume.")
    assert (speech_toggled(True, EN), speech_toggled(False, translator("es"))) == ("Speech on.", "Voz desactivada.")


@pytest.mark.parametrize("event, said", [
    (ItemResult("1", "borrow", ItemStatus.BORROWED, message="Borrowed. Due Dec 7, 2026.", title="The Hobbit"),
     "The Hobbit. Borrowed. Due Dec 7, 2026."),
    (ItemResult("1", "borrow", ItemStatus.BORROWED, title="The Hobbit", due_display="Dec 7, 2026"),
     "The Hobbit. Borrowed. Due back Dec 7, 2026."),
    (ItemResult("2", "borrow", ItemStatus.REFUSED, title="Dune", ils_message=("Item on hold",)),
     "Dune. Not borrowed. Item on hold."),
    (ItemResult("3", "return", ItemStatus.RETURNED, title="Emma"), "Emma. Returned."),
    (ItemResult("4", "return", ItemStatus.RETURNED, message="Returned. Please leave this item at the desk."),
     "Unknown item. Returned. Please leave this item at the desk."),
    (ItemResult("5", "borrow", ItemStatus.PENDING, title="Emma"), None),
    (RenewResult((ItemResult("1", "renew", ItemStatus.RENEWED, title="The Hobbit", due_display="Dec 21, 2026"),),
                 message="1 renewed, 0 not renewed."),
     "1 renewed, 0 not renewed. The Hobbit. Renewed. Due back Dec 21, 2026."),
    (RenewResult((ItemResult("1", "renew", ItemStatus.RENEWED, title="Dune", message="Renewed. Due Dec 23, 2026.",
                             ils_message=("Renewed. 1 renewal left.",)),),
                 message="Renewed. Due Dec 23, 2026.", ils_message=("Renewed. 1 renewal left.",)),
     "Dune. Renewed. Due Dec 23, 2026. Renewed. 1 renewal left."),           # each thing said once
    (ItemResult("1", "renew", ItemStatus.RENEWED, title="Dune", message="Renewed: Dune. Due Dec 23, 2026."),
     "Renewed: Dune. Due Dec 23, 2026."),                                   # the title once
    (RenewResult((ItemResult("1", "renew", ItemStatus.RENEWED, title="Dune", message="Renewed: Dune. Due Dec 23, 2026.",
                             ils_message=("Renewed. 1 renewal left.",)),),
                 message="Renewed: Dune. Due Dec 23, 2026.",
                 ils_message=("Message from the library: \u201cRenewed. 1 renewal left.\u201d",)),
     "Renewed: Dune. Due Dec 23, 2026. Message from the library: \u201cRenewed. 1 renewal left.\u201d"),
    (Notice("The library system is offline. You can still return items.", "warning"),
     "The library system is offline. You can still return items."),
    (InactivityWarning(10), "Your session ends in 10 seconds. Press Select for more time."),
    (InactivityWarning(9), None),
    (SessionChanged(SessionState.READY, None), None),
    (DeviceChanged("rfid", False, "unplugged"), None),
])
def test_announcements_of_changes(event: object, said: str | None) -> None:
    assert announce_event(event, EN) == said


def test_a_station_message_that_repeats_the_screen_is_said_once() -> None:
    from kiosk.events import PatronView, SessionView

    view = SessionView(SessionState.RECEIPT, PatronView("Ana", "****1"), message="Would you like a receipt?",
                       receipt_options=("print", "none"))
    focus = focus_on(Screen.RECEIPT, controls_for(Screen.RECEIPT, view, EN))
    said = announce_screen(focus, view, EN)
    assert said.count("Would you like a receipt?") == 1
    borrowing = SessionView(SessionState.BORROWING, PatronView("Ana", "****1"), message="Place your items on the pad.")
    focus = focus_on(Screen.BORROWING, controls_for(Screen.BORROWING, borrowing, EN))
    assert announce_screen(focus, borrowing, EN).count("Place your items on the pad") == 1


def test_changes_are_announced_in_the_patron_language() -> None:
    assert announce_event(InactivityWarning(5), translator("es")) == (
        "Su sesión termina en 5 segundos. Pulse Seleccionar para tener más tiempo.")
    assert announce_event(ItemResult("3", "return", ItemStatus.RETURNED, title="Emma"), translator("tl")) == "Emma. Naibalik."


# -- privacy: a PIN typed on the keypad is never spoken, recorded or logged ----------------------

def test_no_pin_digit_is_spoken_recorded_or_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    pin = "7395"
    keypad = open_device("keypad", "sim", {})
    speaker = Speaker(EspeakEngine(), open_output(f"sim:{tmp_path}"))
    submitted: queue.Queue[Submit] = queue.Queue()
    for lang in LANGS:
        tr = translator(speaker.language_for(lang))
        view = VIEWS[Screen.PIN_ENTRY]
        state = {"focus": focus_on(Screen.PIN_ENTRY, controls_for(Screen.PIN_ENTRY, view, tr))}
        speaker.speak(announce_screen(state["focus"], view, tr), tr.lang)

        def on_key(key: KeyPress) -> None:
            logging.getLogger("kiosk.test").debug("key %s on %s", key, state["focus"])
            state["focus"], effects = press(state["focus"], key)
            for effect in effects:
                logging.getLogger("kiosk.test").debug("effect %r", effect)
                if isinstance(effect, Submit):
                    submitted.put(effect)
                text = feedback(effect, state["focus"], tr)
                if text:
                    speaker.speak(text, tr.lang, queue=True)

        with caplog.at_level(logging.DEBUG):
            keypad.start(on_key)
            keypad.type_digits(pin)
            keypad.press(Key.CLEAR)
            keypad.type_digits(pin[-1])
            keypad.press(Key.ENTER)
            keypad.stop()
            assert speaker.wait_idle(20.0)
        assert submitted.get_nowait() == Submit(Action.ENTER_PIN, pin)
    speaker.close()

    spoken = [r.text for r in speaker.output.spoken]   # type: ignore[attr-defined]
    written = [p.read_text(encoding="utf-8") for p in sorted(tmp_path.glob("*.txt"))]
    logged = [r.getMessage() for r in caplog.records]
    assert len(spoken) == len(written) == 4 * 7         # announcement, 4 digits, deleted, digit (Enter says nothing)
    for text in spoken + written + logged:
        assert pin not in text
    feedback_texts = [t for t in spoken if not any(t.startswith(translator(lang).gettext(PLACES[Screen.PIN_ENTRY]))
                                                   for lang in LANGS)]
    assert not [t for t in feedback_texts if re.search(r"\d", t)], "a digit was spoken while the PIN was typed"
    assert "Digit entered." in spoken and "Cifra introducida." in spoken and "تم إدخال رقم." in spoken
