"""Frame pacing for the kiosk window."""

from __future__ import annotations

from typing import Any

__all__ = ["finish_frame"]


def finish_frame(*_: Any) -> None:
    """Before each buffer swap: wait until the GL driver has drawn the frame.

    Without it a software GL driver (llvmpipe) queues frames ahead of its
    rasterizer threads, up to dozens, each holding its binned draw commands
    (memory grows by the hundred MB through a stack of items), and the next
    texture upload then waits for the whole queue (a frame of several
    hundred ms). Bounded at one frame, a frame costs what it draws."""
    from kivy.graphics.opengl import glFinish

    glFinish()
