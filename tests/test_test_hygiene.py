"""The test run itself stays clean: a command run in-process by one test does
not leave a logging handler that breaks the warnings of the next."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_logging_error_after_a_command_ran_in_process() -> None:
    # check-config runs `kiosk.cli.main` under capsys; the station test after it logs
    # "station offline" warnings from its worker threads.
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
                           "tests/config/test_config.py::test_check_config_command",
                           "tests/core/test_account.py::test_no_account_renewals_or_payments_offline"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "--- Logging error ---" not in done.stdout + done.stderr, (done.stdout + done.stderr)[-3000:]
