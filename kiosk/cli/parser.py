"""The command line's argument parser: argparse's, without its costliest habit."""

from __future__ import annotations

import argparse
import os
import sys

TYPE_CHECKING = False   # typing is not imported at run time: see kiosk/sip2/__init__.py
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Parser", "raw_description_formatter"]


class Parser(argparse.ArgumentParser):
    """argparse's parser with a help width of its own reckoning: argparse
    builds a help formatter for every option it adds, and its default one
    imports :mod:`shutil` (with zlib, bz2 and lzma, about 2 ms) to ask the
    terminal's width, which every command then paid before doing anything."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _formatter)
        super().__init__(*args, **kwargs)


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.HelpFormatter(prog, width=_help_width())


def raw_description_formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's RawDescriptionHelpFormatter (epilogs laid out by hand), same width."""
    return argparse.RawDescriptionHelpFormatter(prog, width=_help_width())


def _help_width() -> int:
    """What :func:`shutil.get_terminal_size` would say, less argparse's margin of 2."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2
