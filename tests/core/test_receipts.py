"""Receipts: the model, its layout per language, ESC/POS output on the simulated
printer, storage in the journal and reprint."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.drivers.printer.status import PrinterStatus
from kiosk.drivers.registry import open_device
from kiosk.store.journal import Journal
from kiosk.receipts.desk import ReceiptDesk
from kiosk.receipts.printing import PrinterUnavailable, print_receipt
from kiosk.receipts.model import DEFAULT_FOOTER, ItemOutcome, Receipt, ReceiptItem, as_text, layout, parse_due_date

PATRON = "21000000000001"
WHEN = datetime(2026, 11, 23, 15, 30, tzinfo=timezone.utc)


def sample(lang: str = "en", **kwargs: object) -> Receipt:
    items = [
        ReceiptItem("31000000000001", "Cien años de soledad", ItemOutcome.BORROWED, date(2026, 12, 7)),
        ReceiptItem("31000000000002", "Der Zauberberg", ItemOutcome.RENEWED, "20261214    235900"),
        ReceiptItem("31000000000003", "Moby-Dick", ItemOutcome.RETURNED),
        ReceiptItem("31000000000013", "Atlas of the World", ItemOutcome.REFUSED, None,
                    "Item not for loan (ILS says: REFERENCE ONLY)"),
    ]
    defaults: dict[str, object] = dict(library_name="Riverside Public Library", patron_id=PATRON, lang=lang,
                                       items=items, fines_total="12.50", holds_ready=["Don Quijote"],
                                       print_lines=["ILS LINE: keep me"], created=WHEN, session_id="s1")
    defaults.update(kwargs)
    return Receipt.build(**defaults)  # type: ignore[arg-type]


@pytest.fixture()
def printer():  # type: ignore[no-untyped-def]
    p = open_device("printer", "sim", {"width": 42, "paper_width_px": 512})
    yield p
    p.close()


@pytest.fixture()
def journal(tmp_path: Path):  # type: ignore[no-untyped-def]
    j = Journal(tmp_path / "journal.sqlite3")
    yield j
    j.close()


def test_patron_id_is_masked_and_no_secret_appears() -> None:
    receipt = sample()
    text = as_text(layout(receipt))
    assert receipt.patron == "**********0001"
    assert PATRON not in text and "**********0001" in text
    assert PATRON not in str(receipt.to_dict())


def test_layout_groups_items_with_due_dates_and_reasons() -> None:
    text = as_text(layout(sample()))
    for expected in ("Riverside Public Library", "Borrowed (1)", "Cien años de soledad", "Due Dec 7, 2026",
                     "Renewed (1)", "Due Dec 14, 2026", "Returned (1)", "Moby-Dick", "Not borrowed (1)",
                     "REFERENCE", "Fines owed: $12.50", "Hold ready for pickup (1)", "Don Quijote",
                     "ILS LINE: keep me", "Thank you for using the self-service"):
        assert expected in text, expected
    assert text.index("Borrowed") < text.index("Renewed") < text.index("Returned (1)") < text.index("Not borrowed")


def test_lines_fit_the_paper() -> None:
    long_title = "A very long title that goes on and on about the history of the northern railways " * 2
    receipt = sample(items=[ReceiptItem("31000000000004", long_title, ItemOutcome.BORROWED, date(2026, 12, 7))])
    for width in (32, 42, 48):
        for line in layout(receipt, width):
            if line.style != "qr":
                assert len(line.text) <= width, (width, line.text)


@pytest.mark.parametrize("lang, words", [
    ("es", ("Prestado", "Vence el 7 dic 2026", "12,50\xa0US$")),
    ("tl", ("Hiniram", "Dis 7, 2026")),
    ("ar", ("المستعارة",)),
])
def test_printed_in_the_session_language(lang: str, words: tuple[str, ...]) -> None:
    text = as_text(layout(sample(lang)))
    for word in words:
        assert word in text, (lang, word, text)
    assert "Cien años de soledad" in text and "ILS LINE: keep me" in text  # ILS text unchanged
    assert "Thank you" not in text  # the default footer is translated


def test_configured_header_and_footer_are_used_as_typed() -> None:
    receipt = sample("es", header="Open 9-5 at {library}", footer="Visit us at riverside.example")
    text = as_text(layout(receipt))
    assert "Open 9-5 at Riverside Public Library" in text and "Visit us at riverside.example" in text


def test_empty_fines_and_offline_note() -> None:
    receipt = sample(fines_total="0.00", holds_ready=[],
                     items=[ReceiptItem("31000000000005", "Offline book", ItemOutcome.BORROWED, offline=True)])
    text = as_text(layout(receipt))
    assert "Fines" not in text and "Holds" not in text
    assert "offline" in text


def test_round_trip_through_plain_data() -> None:
    receipt = sample("ar", qr_url="https://catalogue.example/account")
    assert Receipt.from_dict(receipt.to_dict()) == receipt


@pytest.mark.parametrize("raw, expected", [
    ("20261207    235900", date(2026, 12, 7)), ("20261207", date(2026, 12, 7)),
    ("2026-12-07T23:59:00", date(2026, 12, 7)), ("12/07/2026", "12/07/2026"), ("", None), (None, None),
    ("20261340    000000", "20261340    000000"),
])
def test_due_dates_from_the_ils(raw: str | None, expected: object) -> None:
    assert parse_due_date(raw) == expected


def test_unknown_outcome_is_rejected() -> None:
    with pytest.raises(ValueError):
        ReceiptItem("1", outcome="stolen")


# -- ESC/POS ------------------------------------------------------------------------

def test_prints_on_the_escpos_driver(printer) -> None:  # type: ignore[no-untyped-def]
    print_receipt(printer, sample(qr_url="https://catalogue.example/account"))
    out = printer.output
    assert b"Riverside Public" in out and b"Moby-Dick" in out and b"Due Dec 14, 2026" in out
    assert b"\x1dv0" not in out  # Latin text goes out as text, not images
    assert "a\xf1os".encode("cp437") in out or "años".encode("cp850") in out or b"a\xa4os" in out
    assert b"\x1dV" in out  # cut
    assert b"**********0001" in out and PATRON.encode() not in out


def test_arabic_receipt_is_printed_as_images(printer) -> None:  # type: ignore[no-untyped-def]
    lines = print_receipt(printer, sample("ar"))
    out = printer.output
    # Every group of lines is a raster image of shaped right-to-left text; none goes
    # out as code-page text (which would print isolated letters, left to right).
    groups = sum(1 for i, line in enumerate(lines) if line.style != "rule"
                 and (i == 0 or (lines[i - 1].style, lines[i - 1].align) != (line.style, line.align)))
    assert out.count(b"\x1dv0") >= groups - 1
    assert b"Moby-Dick" not in out and b"REFERENCE" not in out


def test_paper_out_refuses_before_printing(printer) -> None:  # type: ignore[no-untyped-def]
    printer.escpos.state = PrinterStatus(paper_out=True)
    with pytest.raises(PrinterUnavailable, match="paper out"):
        print_receipt(printer, sample())
    assert printer.output == b""


def test_desk_stores_then_prints_and_reprints(printer, journal) -> None:  # type: ignore[no-untyped-def]
    config = load_config(None, apply_override_file=False)
    desk = ReceiptDesk(config, journal, printer)
    assert desk.options() == ("print", "none")
    result = desk.deliver(sample("es"), "print")
    assert result.ok and result.receipt_id and "imprimiendo" in result.message.lower()
    first = printer.output
    printer.escpos.clear()
    again = desk.reprint()
    assert again.ok and again.receipt_id == result.receipt_id
    assert b"Cien a" in printer.output and len(printer.output) > len(first) // 2
    assert journal.last_receipt().body["lang"] == "es"


def test_desk_paper_out_keeps_receipt_for_staff(printer, journal) -> None:  # type: ignore[no-untyped-def]
    config = load_config(None, apply_override_file=False)
    desk = ReceiptDesk(config, journal, printer)
    printer.escpos.state = PrinterStatus(paper_out=True)
    assert desk.options() == ("none",)
    result = desk.deliver(sample(), "print")
    assert not result.ok and "paper" in result.message and result.receipt_id is not None
    printer.escpos.state = PrinterStatus()
    assert desk.reprint().ok
    assert b"Moby-Dick" in printer.output


def test_desk_transport_failure_is_a_message(printer, journal) -> None:  # type: ignore[no-untyped-def]
    desk = ReceiptDesk(load_config(None, apply_override_file=False), journal, printer)
    printer.escpos.fail_writes = "USB cable pulled"
    result = desk.deliver(sample(), "print")
    assert not result.ok and "not working" in result.message and "USB cable pulled" in result.detail


def test_desk_without_printer_and_no_receipt(journal) -> None:  # type: ignore[no-untyped-def]
    desk = ReceiptDesk(load_config(None, apply_override_file=False), journal, None)
    assert desk.options() == ("none",)
    assert not desk.deliver(sample(), "print").ok
    skipped = desk.deliver(sample(), "none")
    assert skipped.ok and journal.last_receipt().id == skipped.receipt_id
    assert not desk.reprint(12345).ok
    with pytest.raises(ValueError):
        desk.deliver(sample(), "fax")


def test_default_footer_constant_matches_config() -> None:
    assert load_config(None, apply_override_file=False).receipt.footer == DEFAULT_FOOTER


def test_built_from_the_stations_session_view() -> None:
    from kiosk.events import (AccountView, HoldView, Instruction, ItemResult, ItemStatus, PatronView,
                              SessionState, SessionView)

    view = SessionView(
        state=SessionState.RECEIPT, patron=PatronView("Ana", "**********0001", fines_total="2.50"), language="es",
        session_id="abc", items=(
            ItemResult("31000000000001", "borrow", ItemStatus.BORROWED, title="Cien años de soledad",
                       due_date="20261207    235900"),
            ItemResult("31000000000013", "borrow", ItemStatus.REFUSED, message="No se presta.",
                       ils_message=("Item is not for loan",)),
            ItemResult("31000000000011", "return", ItemStatus.RETURNED, title="El túnel",
                       message="Déjelo en el estante de reservas.", instruction=Instruction.HOLD_SHELF),
            ItemResult("31000000000004", "borrow", ItemStatus.PENDING),
        ))
    account = AccountView("Ana", holds_ready=(HoldView("31000000000017", "Rayuela", ready=True),),
                          fines_total="2.50")
    receipt = Receipt.from_session(load_config(None, apply_override_file=False), view, account)
    assert receipt.patron == "**********0001" and receipt.session_id == "abc" and receipt.lang == "es"
    assert [i.outcome for i in receipt.items] == [ItemOutcome.BORROWED, ItemOutcome.REFUSED, ItemOutcome.RETURNED]
    assert receipt.items[0].due_date == date(2026, 12, 7)
    text = as_text(layout(receipt))
    for expected in ("Riverside Public Library", "Vence el 7 dic 2026", "No se presta. (Item is not for loan)",
                     "Reservado para otra persona: el personal", "Rayuela", "2,50"):
        assert expected in text, expected


def test_left_to_right_runs_are_isolated_in_arabic_only() -> None:
    arabic = as_text(layout(sample("ar")))
    assert "\u2066**********0001\u2069" in arabic
    assert "\u2066" not in as_text(layout(sample("es")))


def test_configured_texts_per_language(tmp_path: Path) -> None:
    override = tmp_path / "receipt.toml"
    override.write_text('[receipt]\nheader = "Open 9-5"\nfooter = "See you soon"\n'
                        'translations = ["es.footer=Hasta pronto", "es.header=Abierto de 9 a 5", '
                        '"ar.footer=إلى اللقاء", "es_MX.footer=Nos vemos pronto"]\n', encoding="utf-8")
    config = load_config(None, [override], apply_override_file=False)
    texts = {lang: as_text(layout(Receipt.from_config(config, lang=lang, items=sample().items)))
             for lang in ("en", "es", "es_MX", "ar", "tl")}
    assert "Open 9-5" in texts["en"] and "See you soon" in texts["en"]
    assert "Abierto de 9 a 5" in texts["es"] and "Hasta pronto" in texts["es"]
    assert "Abierto de 9 a 5" in texts["es_MX"] and "Nos vemos pronto" in texts["es_MX"]
    assert "إلى اللقاء" in texts["ar"] and "Open 9-5" in texts["ar"]
    assert "See you soon" in texts["tl"]


def test_bad_translation_entry_is_a_config_error(tmp_path: Path) -> None:
    from kiosk.errors import ConfigError

    override = tmp_path / "receipt.toml"
    override.write_text('[receipt]\ntranslations = ["spanish footer: hola"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="receipt.translations"):
        load_config(None, [override], apply_override_file=False)
