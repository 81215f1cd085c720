"""Secrets never reach the logs."""

from __future__ import annotations

import io
import logging

from kiosk.logs import SecretFilter, mask_patron_id, mask_secrets


def test_sip2_wire_secrets_are_masked() -> None:
    wire = "9300CNkiosk|COs3cret|CPBRANCH|AY1AZEDC3\r"
    assert mask_secrets(wire) == "9300CNkiosk|CO****|CPBRANCH|AY1AZEDC3\r"
    checkout = "11YN20261123    120000                  AOLIB|AA21000000000001|AB31000000000001|AC|AD1234|"
    masked = mask_secrets(checkout)
    assert "1234|" not in masked and "|AD****|" in masked and "|AC****|" in masked


def test_personal_data_in_wire_dumps_is_masked() -> None:
    reply = "64              00020261123    120000000000000000000000AODEMO|AA21000000000001|AEAna García|" \
            "BDCalle Mayor 1|BEana@example.org|BF555-0100|BLY|AY2AZ1234"
    masked = mask_secrets(reply)
    for personal in ("Ana García", "Calle Mayor", "ana@example.org", "555-0100"):
        assert personal not in masked
    assert "|AE****|BD****|BE****|BF****|BLY|" in masked


def test_key_value_secrets_are_masked() -> None:
    assert mask_secrets("login pin=1234 password: 'abc def' user=kiosk") == \
        "login pin=**** password: **** user=kiosk"


def test_patron_ids_keep_only_the_last_four() -> None:
    assert mask_patron_id("21000000000001") == "**********0001"
    assert mask_patron_id("123") == "***"


def test_filter_masks_formatted_records() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretFilter())
    logger = logging.getLogger("test.secret")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("sent %s", "63001|AA210|AD9876|")
    finally:
        logger.removeHandler(handler)
    assert "9876" not in stream.getvalue() and "AD****" in stream.getvalue()


def test_patron_barcodes_are_masked_once_a_pattern_is_set() -> None:
    from kiosk.logs import set_patron_pattern

    line = "checkout patron=21000000000001 item=31000000000001 AA21000000000001|"
    set_patron_pattern("")
    assert mask_secrets(line) == line
    set_patron_pattern(r"2\d{13}")
    try:
        masked = mask_secrets(line)
    finally:
        set_patron_pattern("")
    assert "21000000000001" not in masked
    assert masked == "checkout patron=**********0001 item=31000000000001 AA**********0001|"
    assert "31000000000001" in masked  # items are not personal data


def test_under_systemd_lines_carry_their_priority_and_no_timestamp() -> None:
    from kiosk.logs import setup_logging

    handler = setup_logging(1, {"JOURNAL_STREAM": "8:12345"})
    try:
        record = logging.LogRecord("kiosk.events", logging.ERROR, __file__, 1, "bin full pin=%s", ("1234",), None)
        assert handler.filter(record)
        assert handler.format(record) == "<3>ERROR kiosk.events: bin full pin=****"
        record = logging.LogRecord("kiosk", logging.INFO, __file__, 1, "two\nlines", None, None)
        assert handler.format(record) == "<6>INFO kiosk: two\n<6>lines"
    finally:
        logging.getLogger().removeHandler(handler)
