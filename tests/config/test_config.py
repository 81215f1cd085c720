"""The config schema: defaults, every error at once, did-you-mean, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import load_config, save_overrides
from kiosk.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, check_devices=False, apply_override_file=False)
    return info.value.errors


def test_embedded_defaults_are_the_demo_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the embedded data_dir is relative to the working folder
    embedded = load_config(None, check_devices=False, apply_override_file=False)
    demo = load_config(ROOT / "config" / "demo.toml", check_devices=False, apply_override_file=False)
    assert demo.as_dict(mask_secrets=False) == embedded.as_dict(mask_secrets=False)
    assert embedded.sip2.host == "127.0.0.1"
    assert embedded.devices.rfid.driver == "sim"
    assert embedded.devices.rfid.required is True
    assert embedded.devices.rfid.options["afi_on_loan"] == 0xC2


@pytest.mark.parametrize("name", ["demo.toml", "station.example.toml"])
def test_shipped_examples_validate(name: str) -> None:
    load_config(ROOT / "config" / name, check_devices=False, apply_override_file=False)


def test_every_error_is_reported_at_once_with_section_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, """
[station]
libary_name = "Typo Library"
currency = "dollars"

[sip2]
port = 70000
encoding = "ebcdic"
read_timeout = "ten"

[devices.rfid]
driver = "feig:/dev/ttyUSB0"
afi_on_loan = 300

[devices.scaner]
driver = "sim"

[ui]
primary_colour = "blue"

[circulatoin]
pin_policy = "required"
""")
    errors = errors_of(path)
    assert "station.libary_name: unknown key; did you mean 'library_name'?" in errors
    assert any(e.startswith("station.currency: ") for e in errors)
    assert "sip2.port: must be at most 65535 (got 70000)" in errors
    assert "sip2.encoding: must be one of cp850, utf-8, latin-1 (got 'ebcdic')" in errors
    assert "sip2.read_timeout: expected a number, got a string" in errors
    assert "devices.rfid.afi_on_loan: must be at most 255 (got 300)" in errors
    assert "devices.scaner: unknown device family; did you mean 'scanner'?" in errors
    assert any(e.startswith("ui.primary_colour: ") for e in errors)
    assert "circulatoin: unknown section; did you mean 'circulation'?" in errors
    assert len(errors) == 9


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[sip2\nhost = 1\n")
    errors = errors_of(path)
    assert len(errors) == 1 and "not valid TOML" in errors[0] and str(path) in errors[0]


def test_secrets_are_masked_in_dumps(tmp_path: Path) -> None:
    path = write(tmp_path, '[sip2]\nhost = "ils"\npassword = "hunter2"\n')
    config = load_config(path, check_devices=False, apply_override_file=False)
    assert config.sip2.password == "hunter2"
    assert "hunter2" not in repr(config.as_dict())
    assert "hunter2" not in repr(config.sip2)


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[station]\ndata_dir = "state"\n')
    config = load_config(path, check_devices=False, apply_override_file=False)
    assert config.data_dir == tmp_path / "state"


def test_return_bin_rules_are_validated_per_entry(tmp_path: Path) -> None:
    path = write(tmp_path, """
[[returnbin.rules]]
bin = "2"
collection = "JUV"

[[returnbin.rules]]
bin = "3"
colection = "AV"
item_pattern = "("
""")
    errors = errors_of(path)
    assert "returnbin.rules[2].colection: unknown key; did you mean 'collection'?" in errors
    assert any(e.startswith("returnbin.rules[2].item_pattern: invalid regular expression") for e in errors)


def test_staff_overrides_are_saved_validated_and_applied(tmp_path: Path) -> None:
    path = write(tmp_path, f'[station]\ndata_dir = "{tmp_path / "data"}"\n')
    config = load_config(path, check_devices=False)
    saved = save_overrides(config, {"ui": {"volume": 0.25}, "station": {"default_language": "es"}})
    assert saved == tmp_path / "data" / "overrides.toml"
    reloaded = load_config(path, check_devices=False)
    assert reloaded.ui.volume == 0.25 and reloaded.station.default_language == "es"
    with pytest.raises(ConfigError) as info:
        save_overrides(reloaded, {"ui": {"volume": 3}})
    assert info.value.errors == ["ui.volume: must be at most 1 (got 3)"]
    assert load_config(path, check_devices=False).ui.volume == 0.25


def test_check_config_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, '[sip2]\nprot = 6001\nport = 0\n')
    assert main(["check-config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "2 errors" in err
    assert "sip2.prot: unknown key; did you mean 'port'?" in err
    assert "sip2.port: must be at least 1 (got 0)" in err
    assert main(["check-config", str(ROOT / "config" / "demo.toml")]) == 0
    assert "OK" in capsys.readouterr().out


def test_check_config_reports_unknown_device_strings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, '[devices.rfid]\ndriver = "fieg:/dev/ttyUSB0"\n')
    assert main(["check-config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "devices.rfid.driver: unknown device string 'fieg:/dev/ttyUSB0'" in err
    assert "did you mean 'feig'?" in err and "valid forms:" in err
