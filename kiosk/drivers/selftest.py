"""The result every device's ``self_test()`` returns.

``kiosk diag`` prints one line per device from it; the station turns a failed
essential device into "out of service" with ``detail`` as the reason, so
``detail`` must be a short sentence a member of staff can act on ("paper out",
"no reply from reader on /dev/ttyUSB0 within 1.0 s"), never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SelfTestResult:
    """Outcome of a safe, bounded device self-test.

    ``ok``      the device works well enough to serve patrons.
    ``detail``  one line: what was checked and what was found.
    ``warnings`` non-fatal findings (e.g. "paper near end").
    """

    ok: bool
    detail: str
    warnings: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not isinstance(self.detail, str):
            raise TypeError("SelfTestResult.detail must be a str")
        # Multi-line details break the one-line-per-device diag output.
        object.__setattr__(self, "detail", " ".join(self.detail.split()))
        object.__setattr__(self, "warnings", tuple(self.warnings))

    @classmethod
    def passed(cls, detail: str, *warnings: str) -> "SelfTestResult":
        return cls(True, detail, tuple(warnings))

    @classmethod
    def failed(cls, detail: str, *warnings: str) -> "SelfTestResult":
        return cls(False, detail, tuple(warnings))

    def __str__(self) -> str:
        head = ("PASS" if self.ok else "FAIL") + f": {self.detail}"
        return head + "".join(f" (warning: {w})" for w in self.warnings)


def tags_on_pad(n: int) -> str:
    """``no tags on the pad``, ``1 tag on the pad``, ``3 tags on the pad``: detail
    lines are read by staff, so counts agree in number."""
    return "no tags on the pad" if n == 0 else f"{n} tag on the pad" if n == 1 else f"{n} tags on the pad"
