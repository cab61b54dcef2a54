"""``python -m synerise_async.testing`` starts a server and prints its URL."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request

import pytest


@pytest.mark.slow
def test_module_entry_point_serves_until_terminated() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "synerise_async.testing", "--port", "0", "--workflows", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Fake Synerise listening on http://127.0.0.1:")
        url = first.split()[-1]
        with pytest.raises(urllib.request.HTTPError) as caught:
            urllib.request.urlopen(url + "/uauth/business-profile/", timeout=5)
        assert caught.value.code == 401
        caught.value.close()
        rest = []
        for line in process.stdout:
            rest.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        banner = "".join(rest)
        assert "Workspace API key" in banner
        assert "User " in banner
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr


def test_module_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "synerise_async.testing", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0
    assert "--port" in result.stdout
    assert "--token-lifetime" in result.stdout
