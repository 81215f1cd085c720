"""What the return bin's tests share besides their fixtures (importable by
name, unlike conftest.py): the config on loopback and the demo patron."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import load_config

PATRON = "21000000000001"


def make_config(tmp_path: Path, port: int, extra: str = "") -> object:
    path = tmp_path / "returnbin.toml"
    path.write_text(f"""
[station]
mode = "returnbin"
institution_id = "DEMO"
isil = "US-RPL"
country = "US"
data_dir = "{tmp_path / 'data'}"

[sip2]
host = "127.0.0.1"
port = {port}
username = "kiosk"
password = "kiosk-pass"
encoding = "utf-8"
connect_timeout = 1.0
read_timeout = 1.0
reconnect_interval = 0.2
keepalive_interval = 0

[devices.rfid]
driver = "sim"

[devices.sorter]
driver = "sim"

[offline]
replay_interval = 0.2

[returnbin]
default_bin = "1"
holds_bin = "holds"
reject_bin = "reject"
{extra}
""")
    return load_config(path, check_devices=False, apply_override_file=False)
