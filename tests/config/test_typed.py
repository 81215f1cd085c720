"""The typed face of the config (kiosk/config/typed.py) matches the schema
(kiosk/config/sections.py) key for key and type for type, so neither can
drift: a key added to one side only fails here."""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin, get_type_hints

import pytest

from kiosk.config import Config, load_config
from kiosk.config import typed
from kiosk.config.schema import Key, Section
from kiosk.config.sections import DEVICE_COMMON, DEVICE_FAMILIES, SECTIONS, AudioDevice, TextByLanguage
from kiosk.config.types import Boolean, DeviceSpec, Float, Integer, PathValue, Regex, String, StringList

# What each schema value type parses to.
PYTHON_TYPE: dict[type, Any] = {
    String: str, Regex: str, PathValue: str, DeviceSpec: str, Integer: int, Float: float, Boolean: bool,
    StringList: tuple[str, ...], AudioDevice: str, TextByLanguage: dict[str, str],
}
# Members every section has (kiosk.config.schema.Values), not keys.
NOT_KEYS = set(get_type_hints(typed.SectionValues)) | {"options"}


def expected_type(key: Key) -> Any:
    if isinstance(key.type, String) and key.type.choices:
        return Literal[key.type.choices]  # type: ignore[valid-type]
    return PYTHON_TYPE[type(key.type)]


def declared(protocol: type) -> dict[str, Any]:
    return {name: hint for name, hint in get_type_hints(protocol).items() if name not in NOT_KEYS}


def schema_keys(section: Section) -> dict[str, Any]:
    keys = {key.name: expected_type(key) for key in section.keys}
    keys.update({name: tuple[dict[str, Any], ...] for name in section.table_lists})
    return keys


def same_type(a: Any, b: Any) -> bool:
    if get_origin(a) is Literal and get_origin(b) is Literal:
        return get_args(a) == get_args(b)
    return bool(a == b)


def assert_matches(where: str, protocol: type, keys: dict[str, Any]) -> None:
    have = declared(protocol)
    assert set(have) == set(keys), (f"{where}: typed face and schema differ: only typed {set(have) - set(keys)}, "
                                    f"only in the schema {set(keys) - set(have)}")
    wrong = {name: (have[name], keys[name]) for name in keys if not same_type(have[name], keys[name])}
    assert not wrong, f"{where}: key types differ (typed, schema): {wrong}"


def test_every_section_has_a_typed_face() -> None:
    assert set(typed.SECTION_TYPES) == {s.name for s in SECTIONS}
    assert set(typed.DEVICE_TYPES) == set(DEVICE_FAMILIES)
    assert set(get_type_hints(typed.DevicesSection)) == set(DEVICE_FAMILIES)
    for family, protocol in typed.DEVICE_TYPES.items():
        assert get_type_hints(typed.DevicesSection)[family] is protocol


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.name)
def test_section_keys_and_types_match_the_schema(section: Section) -> None:
    assert_matches(f"[{section.name}]", typed.SECTION_TYPES[section.name], schema_keys(section))


@pytest.mark.parametrize("family", list(DEVICE_FAMILIES))
def test_device_keys_and_types_match_the_schema(family: str) -> None:
    _, keys = DEVICE_FAMILIES[family]
    assert_matches(f"[devices.{family}]", typed.DEVICE_TYPES[family],
                   schema_keys(Section(f"devices.{family}", "", DEVICE_COMMON + keys)))


def test_defaults_have_the_declared_type() -> None:
    """A default skips parsing, so it must already be what the typed face promises."""
    families = [Section(f"devices.{f}", "", DEVICE_COMMON + keys) for f, (_, keys) in DEVICE_FAMILIES.items()]
    for section in (*SECTIONS, *families):
        for key in section.keys:
            kind = expected_type(key)
            if get_origin(kind) is Literal:
                assert key.default in get_args(kind), f"{section.name}.{key.name}"
            else:
                assert isinstance(key.default, get_origin(kind) or kind), f"{section.name}.{key.name}"


def test_config_hands_out_every_section_under_its_typed_face() -> None:
    config = load_config(None, check_devices=False, apply_override_file=False)
    hints = get_type_hints(Config.station.fget)  # type: ignore[attr-defined]
    assert hints["return"] is typed.StationSection
    for name, protocol in typed.SECTION_TYPES.items():
        prop = getattr(Config, name)
        assert isinstance(prop, property) and get_type_hints(prop.fget)["return"] is protocol, name
        values = getattr(config, name)
        assert set(declared(protocol)) == set(values), name
    for family in DEVICE_FAMILIES:
        assert set(declared(typed.DEVICE_TYPES[family])) == set(config.devices[family]) | {"driver", "required"}
    assert isinstance(config.sip2.reconnect_interval, float)
    with pytest.raises(AttributeError, match=r"no config section \[sip3\]"):
        getattr(config, "sip3")
