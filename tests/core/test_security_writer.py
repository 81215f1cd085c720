"""The security writer against the real FEIG driver and its emulator: a tag
that left the field before its write counts as written only when it is known
to be in the wanted state already (found by the long chaos run: the return bin,
restarted after securing a book, read it once more in the chute and flagged it
"not secured" when the book slid on before the second write)."""

from __future__ import annotations

from typing import Iterator

import pytest

from kiosk.circulation.context import SecurityWriter
from kiosk.drivers.registry import open_device
from kiosk.drivers.rfid.feig_emulator import FeigEmulator
from kiosk.drivers.rfid.field import TagField
from kiosk.tags.security import AFI_ON_LOAN, AFI_SECURED, SecurityPolicy

UID = bytes.fromhex("E004010000000001")


@pytest.fixture()
def pad() -> Iterator[tuple[TagField, SecurityWriter]]:
    field = TagField()
    emulator = FeigEmulator(field)
    reader = open_device("rfid", "feig:" + emulator.start_socket(), {"timeout": 1.0})
    try:
        yield field, SecurityWriter(reader, SecurityPolicy(), retries=1, retry_delay=0.0)
    finally:
        reader.close()
        emulator.stop()


def test_a_tag_gone_that_was_read_secured_is_secured(pad: tuple[TagField, SecurityWriter]) -> None:
    field, writer = pad
    field.place(UID, afi=AFI_SECURED)
    field.remove(UID)
    result = writer.write([UID], secured=True, afis=[AFI_SECURED])
    assert result.ok and result.written == (UID.hex().upper(),) and not result.lifted


def test_a_tag_gone_that_was_read_on_loan_is_not(pad: tuple[TagField, SecurityWriter]) -> None:
    field, writer = pad
    field.place(UID, afi=AFI_ON_LOAN)
    field.remove(UID)
    result = writer.write([UID], secured=True, afis=[AFI_ON_LOAN])
    assert not result.ok and result.lifted and "left the pad" in result.detail
    assert not writer.write([UID], secured=True).ok          # nothing known about it: not secured


def test_a_read_made_stale_by_our_own_write_does_not_count(pad: tuple[TagField, SecurityWriter]) -> None:
    field, writer = pad
    field.place(UID, afi=AFI_SECURED)
    assert writer.write([UID], secured=False).ok             # borrowed on the pad: the tag reads on loan
    field.remove(UID)
    result = writer.write([UID], secured=True, afis=[AFI_SECURED])   # returned: the placement read is stale
    assert not result.ok and result.lifted
