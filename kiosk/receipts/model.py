"""Receipts: what the patron takes home, on paper, by email, or not at all.

A :class:`Receipt` is plain data built from a finished session: library name,
date, the patron id masked (:func:`kiosk.logs.mask_patron_id`), each item with
its title and due date or "returned", the items refused and why (the ILS's
words, unchanged), fines, holds ready for pickup, the ILS's print lines and an
optional QR code. It never holds a PIN, a name or an email address.

:func:`layout` turns a receipt into language-specific :class:`Line` s for a
given paper width; :mod:`kiosk.receipts.printing` prints those lines on the
ESC/POS driver and :mod:`kiosk.receipts.mail` sends them by email.
:class:`kiosk.receipts.desk.ReceiptDesk` stores every receipt in the journal
first (so staff can reprint the last one), then delivers it as the patron
chose.
"""

from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping, Sequence

from kiosk.config import Config
from kiosk.config.typed import ReceiptSection
from kiosk.events import AccountView, ItemResult, SessionView
from kiosk.i18n import N_, NP_, Translator, format_time, parse_due_date, translator
from kiosk.logs import mask_patron_id

# parse_due_date lives in kiosk.i18n (the engines read due dates too) and is
# still found here.
__all__ = [
    "ItemOutcome", "ReceiptItem", "Receipt", "Line", "layout", "as_text", "parse_due_date", "DEFAULT_FOOTER",
    "HOLD_RETURNED",
]

# The config's default footer; translated when left as shipped.
DEFAULT_FOOTER = N_("Thank you for using the self-service kiosk.")
# A returned item on hold for another patron: for the patron and for staff reading a reprint
# (the patron's on-screen instruction, where to leave it, is stale once they have left).
HOLD_RETURNED = N_("On hold for another patron: staff will set it aside.")
SECTION_RULE = "-"


class ItemOutcome:
    """What happened to one item, as the receipt groups it."""

    BORROWED = "borrowed"
    RENEWED = "renewed"
    RETURNED = "returned"
    REFUSED = "refused"          # not borrowed / not renewed
    NOT_RETURNED = "not_returned"
    ALL = (BORROWED, RENEWED, RETURNED, REFUSED, NOT_RETURNED)


# Section headings carry the count, so the word agrees with it ("Prestados (2)").
_SECTION_TITLES = {
    # Translators: receipt heading over the items borrowed, with their number
    ItemOutcome.BORROWED: NP_("Borrowed ({n})", "Borrowed ({n})"),
    ItemOutcome.RENEWED: NP_("Renewed ({n})", "Renewed ({n})"),
    ItemOutcome.RETURNED: NP_("Returned ({n})", "Returned ({n})"),
    ItemOutcome.REFUSED: NP_("Not borrowed ({n})", "Not borrowed ({n})"),
    ItemOutcome.NOT_RETURNED: NP_("Not returned ({n})", "Not returned ({n})"),
}


@dataclass(frozen=True)
class ReceiptItem:
    """One line of the receipt. ``message``: why it was refused or what to do,
    already in the patron's words (ILS screen messages are passed unchanged;
    kiosk messages are translated by the caller). ``due_date`` is a date or
    the ILS's own text."""

    item_id: str
    title: str = ""
    outcome: str = ItemOutcome.BORROWED
    due_date: date | str | None = None
    message: str = ""
    offline: bool = False

    def __post_init__(self) -> None:
        if self.outcome not in ItemOutcome.ALL:
            raise ValueError(f"unknown receipt item outcome {self.outcome!r}")
        if isinstance(self.due_date, str):
            object.__setattr__(self, "due_date", parse_due_date(self.due_date))


@dataclass(frozen=True)
class Receipt:
    library_name: str
    created: datetime
    lang: str = "en"
    patron: str = ""                  # already masked
    station_id: str = ""
    items: tuple[ReceiptItem, ...] = ()
    fines_total: str = ""             # SIP2 amount text, e.g. "12.50"; "" = none shown
    currency: str = "USD"
    holds_ready: tuple[str, ...] = ()  # titles
    print_lines: tuple[str, ...] = ()  # ILS print lines (AG), unchanged
    header: str = ""
    footer: str = DEFAULT_FOOTER
    qr_url: str = ""
    session_id: str = ""
    reprint: bool = False

    @classmethod
    def build(cls, *, library_name: str, patron_id: str = "", lang: str = "en",
              items: Iterable[ReceiptItem] = (), fines_total: str | Decimal | None = None,
              currency: str = "USD", holds_ready: Iterable[str] = (), print_lines: Iterable[str] = (),
              header: str = "", footer: str = DEFAULT_FOOTER, qr_url: str = "", station_id: str = "",
              session_id: str = "", created: datetime | None = None, patron_masked: str = "") -> "Receipt":
        """A receipt for a session; ``patron_id`` is masked here (or pass an
        already masked ``patron_masked``)."""
        fines = "" if fines_total in (None, "") else str(fines_total)
        if fines:
            try:
                if Decimal(fines) == 0:
                    fines = ""
            except InvalidOperation:
                fines = ""
        return cls(library_name=library_name, created=created or datetime.now(timezone.utc), lang=lang,
                   patron=mask_patron_id(patron_id) if patron_id else patron_masked, station_id=station_id,
                   items=tuple(items), fines_total=fines, currency=currency,
                   holds_ready=tuple(t for t in holds_ready if t), print_lines=tuple(print_lines),
                   header=header, footer=footer, qr_url=qr_url, session_id=session_id)

    @classmethod
    def from_session(cls, config: Config, view: SessionView, account: AccountView | None = None,
                     **kwargs: Any) -> "Receipt":
        """The receipt of a finished session: ``view`` is the station's
        :class:`kiosk.events.SessionView`, ``account`` an optional
        :class:`kiosk.events.AccountView` (fines and holds ready). Items still
        pending are left out; refused ones carry the patron message and the
        ILS's own words."""
        patron = view.patron
        tr = translator(view.language)
        items = [item for item in (receipt_item(result, tr) for result in view.items) if item]
        fines = account.fines_total if account is not None else patron.fines_total if patron else ""
        holds = [h.title or h.item_id for h in account.holds_ready] if account is not None else []
        values: dict[str, Any] = dict(lang=view.language, items=items, fines_total=fines, holds_ready=holds,
                                      session_id=view.session_id, patron_masked=patron.masked_id if patron else "")
        if account is not None and account.currency:
            values["currency"] = account.currency
        values.update(kwargs)
        return cls.from_config(config, **values)

    @classmethod
    def from_config(cls, config: Config, **kwargs: Any) -> "Receipt":
        """:meth:`build` with library name, header, footer, QR, station and
        currency taken from the station config (``[station]``, ``[receipt]``)."""
        receipt_cfg = config.receipt
        header, footer = localized_texts(receipt_cfg, str(kwargs.get("lang", "en")))
        defaults: dict[str, Any] = dict(library_name=config.station.library_name, header=header, footer=footer,
                                        currency=config.station.currency,
                                        qr_url=receipt_cfg.qr_url if receipt_cfg.show_qr else "",
                                        station_id=config.station.id)
        defaults.update(kwargs)
        return cls.build(**defaults)

    @property
    def empty(self) -> bool:
        return not (self.items or self.fines_total or self.holds_ready)

    def as_reprint(self) -> "Receipt":
        return replace(self, reprint=True)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the journal (JSON)."""
        data = asdict(self)
        data["created"] = self.created.isoformat()
        data["items"] = [dict(asdict(item), due_date=_due_to_json(item.due_date)) for item in self.items]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Receipt":
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["created"] = datetime.fromisoformat(str(data["created"]))
        fields["items"] = tuple(ReceiptItem(**dict(item, due_date=_due_from_json(item.get("due_date"))))
                                for item in data.get("items", ()))
        for name in ("holds_ready", "print_lines"):
            fields[name] = tuple(fields.get(name, ()))
        return cls(**fields)


def _due_to_json(value: date | str | None) -> Any:
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _due_from_json(value: Any) -> date | str | None:
    if isinstance(value, dict) and "date" in value:
        return date.fromisoformat(value["date"])
    due: date | str | None = value
    return due


def localized_texts(receipt_cfg: ReceiptSection, lang: str) -> tuple[str, str]:
    """The ``[receipt]`` header and footer in ``lang``: an entry of
    ``translations`` (``"es.footer=Gracias"``) for the language (or its base,
    ``es`` for ``es_MX``) wins over the plain ``header``/``footer``."""
    header, footer = str(receipt_cfg.header), str(receipt_cfg.footer)
    chosen: dict[str, tuple[int, str]] = {}
    base = lang.split("_")[0]
    for entry in receipt_cfg.translations:
        key, _, text = str(entry).partition("=")
        code, _, which = key.partition(".")
        rank = 2 if code == lang else 1 if code == base else 0
        if rank and which in ("header", "footer") and rank >= chosen.get(which, (0, ""))[0]:
            chosen[which] = (rank, text)
    return chosen.get("header", (0, header))[1], chosen.get("footer", (0, footer))[1]


_OUTCOME_OF_STATUS = {"borrowed": ItemOutcome.BORROWED, "renewed": ItemOutcome.RENEWED,
                      "already_yours": ItemOutcome.BORROWED, "returned": ItemOutcome.RETURNED}


def receipt_item(result: ItemResult, tr: Translator | None = None) -> ReceiptItem | None:
    """A :class:`ReceiptItem` from a :class:`kiosk.events.ItemResult` (None
    for an item still pending); ``tr`` translates the receipt's own lines."""
    status = str(result.status)
    if status == "pending":
        return None
    outcome = _OUTCOME_OF_STATUS.get(status)
    ils = " / ".join(result.ils_message)
    message = result.message
    if outcome is None:
        outcome = ItemOutcome.NOT_RETURNED if result.action == "return" else ItemOutcome.REFUSED
        if ils and ils not in message:
            message = f"{message} ({ils})" if message else ils
    elif outcome in (ItemOutcome.BORROWED, ItemOutcome.RENEWED):
        message = result.warning
    elif outcome == ItemOutcome.RETURNED and result.instruction == "hold_shelf":
        message = tr(HOLD_RETURNED) if tr is not None else HOLD_RETURNED
    elif outcome == ItemOutcome.RETURNED:
        message = message if result.instruction not in ("none", "") else ""
    return ReceiptItem(item_id=result.item_id, title=result.title, outcome=outcome,
                       due_date=result.due_date or None, message=message, offline=result.offline)


# -- layout -------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One printed line (or paragraph, wrapped by the printer): ``style`` is
    ``title``, ``heading``, ``text``, ``small``, ``rule`` or ``qr``."""

    text: str
    style: str = "text"
    align: str = "left"   # left | center | right; left means "start" for RTL


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    out: list[str] = []
    for paragraph in text.splitlines() or [""]:
        out.extend(textwrap.wrap(paragraph, width=max(8, width), initial_indent=indent,
                                 subsequent_indent=indent, break_long_words=True) or [indent])
    return out


def _fill_template(text: str, receipt: Receipt) -> str:
    """Header/footer may use {library} and {station}; other braces stay as typed."""
    for key, value in (("{library}", receipt.library_name), ("{station}", receipt.station_id)):
        text = text.replace(key, value)
    return text


def layout(receipt: Receipt, width: int = 42, tr: Translator | None = None) -> list[Line]:
    """The receipt as lines for a paper ``width`` in characters, in the
    receipt's language. Text lines are pre-wrapped to ``width``."""
    tr = tr or translator(receipt.lang)
    _ = tr.gettext
    lines: list[Line] = [Line(receipt.library_name, "title", "center")]
    if receipt.header:
        lines += [Line(t, "text", "center") for t in _wrap(_fill_template(receipt.header, receipt), width)]
    if receipt.reprint:
        lines.append(Line(_("Reprint"), "heading", "center"))
    local = receipt.created.astimezone()  # the station's own time zone
    when = f"{tr.format_date(local, 'medium')} {format_time(local, tr.lang, 'short')}"
    lines.append(Line(when, "text", "center"))
    if receipt.patron:
        lines.append(Line(_("Card: {card}").format(card=_isolate(receipt.patron, tr)), "text", "center"))
    for outcome in ItemOutcome.ALL:
        group = [item for item in receipt.items if item.outcome == outcome]
        if not group:
            continue
        lines.append(Line(SECTION_RULE * width, "rule"))
        lines.append(Line(tr.plural(_SECTION_TITLES[outcome], len(group)), "heading"))
        for item in group:
            lines += [Line(t) for t in _wrap(item.title or item.item_id, width)]
            if item.title:
                lines.append(Line(f"  {item.item_id}", "small"))
            detail = _item_detail(item, tr)
            if detail:
                lines += [Line(t) for t in _wrap(detail, width, "  ")]
    if receipt.fines_total:
        lines.append(Line(SECTION_RULE * width, "rule"))
        amount = _isolate(tr.format_money(receipt.fines_total, receipt.currency), tr)
        lines.append(Line(_("Fines owed: {amount}").format(amount=amount), "heading"))
    if receipt.holds_ready:
        lines.append(Line(SECTION_RULE * width, "rule"))
        lines.append(Line(tr.nformat("Hold ready for pickup ({n})", "Holds ready for pickup ({n})",
                                     len(receipt.holds_ready)), "heading"))
        for title in receipt.holds_ready:
            lines += [Line(t) for t in _wrap(title, width, "  ")]
    if any(item.offline for item in receipt.items):
        lines.append(Line(SECTION_RULE * width, "rule"))
        lines += [Line(t, "small") for t in _wrap(_(
            "Recorded while the library system was offline. Your account will be updated shortly."), width)]
    if receipt.print_lines:
        lines.append(Line(SECTION_RULE * width, "rule"))
        lines += [Line(t, "small") for text in receipt.print_lines for t in _wrap(text, width)]
    footer = receipt.footer
    if footer:
        lines.append(Line(SECTION_RULE * width, "rule"))
        text = _(footer) if footer == DEFAULT_FOOTER else _fill_template(footer, receipt)
        lines += [Line(t, "text", "center") for t in _wrap(text, width)]
    if receipt.qr_url:
        lines.append(Line(receipt.qr_url, "qr", "center"))
        lines.append(Line(_("Scan to see your account"), "small", "center"))
    return lines


def _isolate(text: str, tr: Translator) -> str:
    """Keep a left-to-right run (masked card number, amount) in one piece
    inside right-to-left text: Unicode isolates (UAX #9 LRI ... PDI)."""
    return f"\u2066{text}\u2069" if tr.rtl and text else text


def _item_detail(item: ReceiptItem, tr: Translator) -> str:
    _ = tr.gettext
    due = item.due_date
    due_text = tr.format_date(due) if isinstance(due, date) else (due or "")
    if item.outcome in (ItemOutcome.BORROWED, ItemOutcome.RENEWED):
        text = _("Due {date}").format(date=due_text) if due_text else ""
        return "\n".join(t for t in (text, item.message) if t)
    if item.outcome == ItemOutcome.RETURNED:
        return "\n".join(t for t in (_("Returned"), item.message) if t)
    return item.message or _("Please ask at the desk.")


def as_text(lines: Sequence[Line], width: int = 42) -> str:
    """Plain-text rendering (email body, logs of the demo)."""
    out = []
    for line in lines:
        if line.style == "qr":
            out.append(line.text.center(width).rstrip())
        elif line.align == "center":
            pad = max(0, (width - _width(line.text)) // 2)
            out.append(" " * pad + line.text)
        else:
            out.append(line.text)
    return "\n".join(out) + "\n"


def items_from(pairs: Iterable[tuple[str, str, str]]) -> list[ReceiptItem]:
    """Convenience for tests and tools: ``(item_id, title, outcome)`` triples."""
    return [ReceiptItem(item_id=i, title=t, outcome=o) for i, t, o in pairs]

