"""A quiet console for the kiosk UI: Kivy and SDL set up before Kivy loads.

A successful ``kiosk demo`` used to print Kivy's start-up report, a
traceback because the optional MTDev input library is missing, eight ALSA
errors and a CRITICAL audio line on a machine without a sound card, and a
newcomer took that for a failure. Here, before Kivy is imported:

* Kivy logs through Python logging (our one handler, secrets masked), not its
  own console handler, at warning level unless ``-v`` asked for more;
* input providers that are optional extras (MTDev, ProbeSysfs, HIDInput,
  LinuxWacom, LeapFinger) saying they are absent become debug records
  without a traceback: touch and mouse work without them;
* with no sound device, SDL uses its silent "dummy" audio driver instead of
  trying ALSA (whose library writes straight to stderr).

Anything else Kivy or SDL reports at warning or above still shows.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import MutableMapping

OPTIONAL_PROVIDERS = ("MTDev", "ProbeSysfs", "HIDInput", "LinuxWacom", "LeapFinger", "WM_Touch", "WM_Pen",
                      "MacMultitouchSupport", "AndroidJoystick")


def sound_device_present(environ: MutableMapping[str, str] | None = None, dev: Path = Path("/dev/snd")) -> bool:
    """A playback device (an ALSA pcm node) or a sound server (PulseAudio, PipeWire)."""
    env = os.environ if environ is None else environ
    if env.get("PULSE_SERVER") or env.get("PIPEWIRE_REMOTE"):
        return True
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and any((Path(runtime) / name).exists() for name in ("pulse/native", "pipewire-0")):
        return True
    try:
        return any(entry.name.startswith("pcm") and entry.name.endswith("p") for entry in dev.iterdir())
    except OSError:
        return False


class OptionalProviderFilter(logging.Filter):
    """Kivy's "Input: MTDev is not supported ..." (with a traceback) for an
    optional input library that is not installed: a debug note, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if record.levelno >= logging.ERROR and message.startswith("Input: ") and \
                any(f"Input: {name} " in message for name in OPTIONAL_PROVIDERS):
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger("kivy").isEnabledFor(logging.DEBUG)
        return True


def quiet_kivy(environ: MutableMapping[str, str] | None = None) -> None:
    """Set Kivy's and SDL's environment; call before Kivy is imported."""
    env = os.environ if environ is None else environ
    env.setdefault("KIVY_NO_ARGS", "1")          # Kivy would parse our command line
    env.setdefault("KIVY_NO_FILELOG", "1")       # and write log files under ~/.kivy
    env.setdefault("KIVY_LOG_MODE", "PYTHON")    # records go to our handler ...
    env.setdefault("KIVY_NO_CONSOLELOG", "1")    # ... and only there
    level = logging.getLogger().getEffectiveLevel()
    env.setdefault("KCFG_KIVY_LOG_LEVEL", "debug" if level <= logging.DEBUG else
                   "info" if level <= logging.INFO else "warning")
    if "SDL_AUDIODRIVER" not in env and not sound_device_present(env):
        env["SDL_AUDIODRIVER"] = "dummy"
        logging.getLogger(__name__).info("no sound device found: the kiosk's sounds are silent")
    kivy_log = logging.getLogger("kivy")
    if not any(isinstance(f, OptionalProviderFilter) for f in kivy_log.filters):
        kivy_log.addFilter(OptionalProviderFilter())
