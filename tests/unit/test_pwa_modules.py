"""The PWA's outbox module under node's test runner (IndexedDB from fake-indexeddb, a
scripted server behind fetch): order, acknowledgement before removal, backoff, refusals,
resumable photo uploads, per-officer sessions after logout (pwa/tests/outbox.test.mjs)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

PWA = ROOT / "pwa"
READY = shutil.which("node") is not None and (PWA / "node_modules" / "fake-indexeddb").is_dir()


@pytest.mark.skipif(not READY and os.environ.get("CI") != "true", reason="needs node and pwa/node_modules (make test installs them)")
def test_outbox_module():
    run = subprocess.run(["node", "--test", "tests/outbox.test.mjs"], cwd=PWA, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    # every test in the file ran and passed (none skipped or filtered away)
    declared = len(re.findall(r"^test\(", (PWA / "tests" / "outbox.test.mjs").read_text(), re.M))
    assert declared >= 8 and "# fail 0" in run.stdout and f"# pass {declared}\n" in run.stdout, run.stdout[-2000:]


@pytest.mark.skipif(not READY and os.environ.get("CI") != "true", reason="needs node and pwa/node_modules (make test installs them)")
@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Shanghai"])
def test_days_and_times_are_shanghai_whatever_the_devices_zone(zone):
    run = subprocess.run(["node", "--test", "tests/time.test.mjs"], cwd=PWA, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "TZ": zone})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    declared = len(re.findall(r"^test\(", (PWA / "tests" / "time.test.mjs").read_text(), re.M))
    assert declared >= 4 and "# fail 0" in run.stdout and f"# pass {declared}\n" in run.stdout, run.stdout[-2000:]


@pytest.mark.skipif(not READY and os.environ.get("CI") != "true", reason="needs node and pwa/node_modules (make test installs them)")
def test_tables_show_words_money_and_local_times():
    run = subprocess.run(["node", "--test", "tests/present.test.mjs"], cwd=PWA, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "TZ": "UTC"})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    declared = len(re.findall(r"^test\(", (PWA / "tests" / "present.test.mjs").read_text(), re.M))
    assert declared >= 2 and "# fail 0" in run.stdout and f"# pass {declared}\n" in run.stdout, run.stdout[-2000:]


def test_the_phones_consent_vector_is_the_servers_digest():
    """The same payload file the node test digests (pwa/tests/cosign_vector.json)."""
    import json

    from backend.tickets.consents import consent_digest

    vector = json.loads((PWA / "tests" / "cosign_vector.json").read_text(encoding="utf-8"))
    assert consent_digest(vector["payload"]) == vector["digest"]


@pytest.mark.skipif(not READY and os.environ.get("CI") != "true", reason="needs node and pwa/node_modules (make test installs them)")
def test_consents_are_digested_signed_and_verified_on_the_phone():
    run = subprocess.run(["node", "--test", "tests/cosign.test.mjs"], cwd=PWA, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    declared = len(re.findall(r"^test\(", (PWA / "tests" / "cosign.test.mjs").read_text(), re.M))
    assert declared >= 3 and "# fail 0" in run.stdout and f"# pass {declared}\n" in run.stdout, run.stdout[-2000:]


@pytest.mark.skipif(not READY and os.environ.get("CI") != "true", reason="needs node and pwa/node_modules (make test installs them)")
def test_the_phone_knows_whether_a_place_is_in_its_street():
    run = subprocess.run(["node", "--test", "tests/geo.test.mjs"], cwd=PWA, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    declared = len(re.findall(r"^test\(", (PWA / "tests" / "geo.test.mjs").read_text(), re.M))
    assert declared >= 1 and "# fail 0" in run.stdout and f"# pass {declared}\n" in run.stdout, run.stdout[-2000:]
