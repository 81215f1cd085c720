"""Station configuration: a typed TOML schema, validated all at once.

``load_config(path)`` returns a :class:`Config`; ``load_config(None)`` gives
the embedded demo settings. See :mod:`kiosk.config.sections` for every key
and :mod:`kiosk.config.typed` for the Python type of each.
"""

from kiosk.config.loader import DEMO_SETTINGS, Config, load_config
from kiosk.config.overrides import save_overrides

__all__ = ["Config", "DEMO_SETTINGS", "load_config", "save_overrides"]
