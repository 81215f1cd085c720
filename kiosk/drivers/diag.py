"""Check every configured device: open it through the registry, run its
safe, bounded self-test (plus, with a prompt wait, a scan or a card tap),
close it, and say PASS / FAIL / WARN / SKIP per device. ``kiosk diag`` prints
the lines; nothing here writes to a tag or needs a patron.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol

from kiosk.drivers import registry
from kiosk.drivers.selftest import SelfTestResult
from kiosk.errors import KioskError
from kiosk.logs import mask_patron_id

FAMILY_ORDER = ("rfid", "scanner", "nfc", "printer", "sorter", "display", "payment")


@dataclass(frozen=True)
class DiagResult:
    family: str
    driver: str
    required: bool
    status: str             # "pass" | "fail" | "warn" | "skip"
    detail: str
    warnings: tuple[str, ...] = field(default=())

    def line(self) -> str:
        role = "required" if self.required else "optional"
        driver = self.driver or "-"
        text = f"{self.status.upper():4}  {self.family:8} {driver:32} {role:8}  {self.detail}"
        return text + "".join(f"  [warning: {w}]" for w in self.warnings)


Prompt = Callable[[str], None]


class DeviceTable(Protocol):
    """One ``[devices.<family>]`` table as the config hands it out."""

    @property
    def driver(self) -> str: ...

    @property
    def required(self) -> bool: ...

    @property
    def options(self) -> dict[str, Any]: ...


class DeviceTables(Protocol):
    def __getitem__(self, family: str) -> DeviceTable: ...

    def __contains__(self, family: object) -> bool: ...

    def __iter__(self) -> Iterator[str]: ...


class HasDevices(Protocol):
    """A whole config (:class:`kiosk.config.Config`): drivers are handed it, never load it."""

    @property
    def devices(self) -> DeviceTables: ...


def _exercise(family: str, device: Any, print_page: bool, prompt_wait: float, prompt: Prompt) -> SelfTestResult:
    """The family's safe self-test, plus its scan / tap step."""
    if family == "printer":
        result: SelfTestResult = device.self_test(print_page=print_page)
    else:
        # Families differ (each has its own driver classes): not every device has every step.
        test = getattr(device, "self_test", None)
        result = test() if callable(test) else SelfTestResult.passed("opened (no self-test)")
    if not result.ok:
        return result
    warnings = list(result.warnings)
    detail = result.detail
    # (an RFID reader's self-test already ran its inventory and counted the tags)
    if family == "scanner" and prompt_wait > 0 and callable(getattr(device, "wait_for_scan", None)):
        prompt(f"scanner: scan any barcode within {prompt_wait:g} s ...")
        code = device.wait_for_scan(prompt_wait)
        if code is None:
            warnings.append(f"no barcode read within {prompt_wait:g} s")
        else:
            detail += f"; read {mask_patron_id(code)!r}"   # could be a patron card: masked like the logs
    elif family == "nfc" and prompt_wait > 0 and callable(getattr(device, "wait_for_card", None)):
        prompt(f"nfc: tap a patron card within {prompt_wait:g} s ...")
        card = device.wait_for_card(prompt_wait)
        if card is None:
            warnings.append(f"no card read within {prompt_wait:g} s")
        else:
            detail += f"; read card {mask_patron_id(card)!r}"
    return SelfTestResult(True, detail, tuple(warnings))


def check_device(family: str, driver: str, options: dict[str, Any], *, print_page: bool = True,
                 prompt_wait: float = 0.0, timeout: float = 30.0,
                 prompt: Prompt = lambda text: None) -> SelfTestResult:
    """Open ``driver`` in ``family``, test it and close it, within ``timeout``
    seconds (plus the prompt wait). Never raises."""
    outcome: list[SelfTestResult] = []

    def work() -> None:
        device = None
        try:
            device = registry.open_device(family, driver, options)
            outcome.append(_exercise(family, device, print_page, prompt_wait, prompt))
        except KioskError as exc:
            outcome.append(SelfTestResult.failed(str(exc)))
        except ImportError as exc:
            outcome.append(SelfTestResult.failed(f"{family}: drivers not installed ({exc})"))
        except Exception as exc:  # a driver bug still gets a line, not a traceback
            outcome.append(SelfTestResult.failed(f"{family}: unexpected {type(exc).__name__}: {exc}"))
        finally:
            if device is not None and callable(getattr(device, "close", None)):
                try:
                    device.close()
                except Exception:  # closing a broken device must not hide its result
                    pass

    worker = threading.Thread(target=work, name=f"diag-{family}", daemon=True)
    worker.start()
    worker.join(timeout + prompt_wait)
    if worker.is_alive() or not outcome:
        return SelfTestResult.failed(f"{family}: no answer within {timeout:g} s (device hung)")
    return outcome[0]


def run_diag(cfg: HasDevices, *, print_page: bool = True, prompt_wait: float = 0.0, timeout: float = 30.0,
             prompt: Prompt = lambda text: None) -> list[DiagResult]:
    results: list[DiagResult] = []
    families = [f for f in FAMILY_ORDER if f in cfg.devices] + [f for f in cfg.devices if f not in FAMILY_ORDER]
    for family in families:
        device_cfg = cfg.devices[family]
        driver, required = str(device_cfg.driver or ""), bool(device_cfg.required)
        if not driver:
            results.append(DiagResult(family, "", required, "fail" if required else "skip",
                                      "required but no driver configured" if required else "not fitted"))
            continue
        result = check_device(family, driver, dict(device_cfg.options), print_page=print_page,
                              prompt_wait=prompt_wait, timeout=timeout, prompt=prompt)
        status = "pass" if result.ok else ("fail" if required else "warn")
        results.append(DiagResult(family, driver, required, status, result.detail, result.warnings))
    return results


def list_drivers() -> str:
    lines = []
    for family in FAMILY_ORDER:
        try:
            entries = registry.drivers(family)
        except (ImportError, KioskError) as exc:
            lines.append(f"{family}: (drivers not available: {exc})")
            continue
        lines.append(f"{family}:")
        lines += [f"  {e.grammar:58} {e.doc}" for e in entries]
    return "\n".join(lines)
