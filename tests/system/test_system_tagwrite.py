"""The tag programming station: ``kiosk tag write --config FILE ITEM`` as a
process, programming a blank tag on a reader emulator through the real
driver; the tag must then read back as the library's item, secured, and be
borrowable at a kiosk.
"""

from __future__ import annotations

import subprocess

import pytest

from kiosk.drivers.rfid.sim import next_uid
from kiosk.tags import ItemTag, decode_tag, dsfid_for
from system_rig import AFI_SECURED, ISIL, KIOSK_CMD, Rig


@pytest.mark.parametrize("reader_kind,model", [("feig", "danish"), ("3m810", "28560-2")])
def test_tag_write_programs_a_blank_tag_through_the_real_driver(rig: Rig, reader_kind: str, model: str) -> None:
    reader, port = rig.feig() if reader_kind == "feig" else rig.m3()
    blank = reader.field.place(next_uid(), b"", afi=0x00, dsfid=0x00)
    path = rig.write_config(f'[devices.rfid]\ndriver = "{reader_kind}:{port}"\nrequired = true\n'
                            f'tag_model = "{model}"\n', name="programmer.toml", port=6001)
    run = subprocess.run([*KIOSK_CMD, "tag", "write", "--config", str(path), "--wait", "5", "31000000000005"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    tag = decode_tag(bytes(blank.memory), blank.dsfid)
    assert isinstance(tag, ItemTag), tag
    assert (tag.model, tag.primary_item_id, tag.owner_isil) == (model, "31000000000005", ISIL)
    assert blank.afi == AFI_SECURED
    if reader_kind == "feig":                  # the 3M 810 cannot write a DSFID
        assert blank.dsfid == dsfid_for(model)
