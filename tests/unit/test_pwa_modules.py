"""The PWA's plain modules under node's test runner: the outbox (IndexedDB from
fake-indexeddb, a scripted server behind fetch: order, acknowledgement before removal,
backoff, refusals, resumable uploads with per-file progress, photos and voice notes before
videos, per-officer sessions after logout), Shanghai
days and times whatever the device's zone, the console's table text, the second officer's
consent (digest, signature, QR texts), the street's boundary and its register of subjects
searched offline (pwa/tests/*.test.mjs)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

PWA = ROOT / "pwa"
READY = shutil.which("node") is not None and (PWA / "node_modules" / "fake-indexeddb").is_dir()
needs_node = pytest.mark.skipif(not READY and os.environ.get("CI") != "true",
                                reason="needs node and pwa/node_modules (make test installs them)")


def run_node_tests(name: str, at_least: int, zone: str | None = None) -> None:
    """Run pwa/tests/<name> and check that every test the file declares ran and passed
    (none skipped or filtered away)."""
    env = {**os.environ, "TZ": zone} if zone else None
    run = subprocess.run(["node", "--test", f"tests/{name}"], cwd=PWA, capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    declared = len(re.findall(r"^test\(", (PWA / "tests" / name).read_text(), re.M))
    assert declared >= at_least and "# fail 0" in run.stdout and f"# pass {declared}\n" in run.stdout, run.stdout[-2000:]


@needs_node
def test_outbox_module():
    run_node_tests("outbox.test.mjs", 14)


@needs_node
@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Shanghai"])
def test_days_and_times_are_shanghai_whatever_the_devices_zone(zone):
    run_node_tests("time.test.mjs", 4, zone)


@needs_node
def test_tables_show_words_money_and_local_times():
    run_node_tests("present.test.mjs", 2, "UTC")


def test_the_phones_consent_vector_is_the_servers_digest():
    """The same payload file the node test digests (pwa/tests/cosign_vector.json)."""
    import json

    from backend.tickets.consents import consent_digest

    vector = json.loads((PWA / "tests" / "cosign_vector.json").read_text(encoding="utf-8"))
    assert consent_digest(vector["payload"]) == vector["digest"]


@needs_node
def test_consents_are_digested_signed_and_verified_on_the_phone():
    run_node_tests("cosign.test.mjs", 3)


@needs_node
def test_the_phone_knows_whether_a_place_is_in_its_street():
    run_node_tests("geo.test.mjs", 1)


@needs_node
@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai"])
def test_the_officers_day_from_what_the_phone_holds(zone):
    run_node_tests("today.test.mjs", 6, zone)


@needs_node
def test_subjects_to_copy_from_the_last_visit():
    run_node_tests("subjects.test.mjs", 5)


@needs_node
def test_the_register_searched_offline_as_the_server_ranks():
    run_node_tests("register.test.mjs", 5)


@needs_node
def test_cases_from_the_field_on_the_phone():
    run_node_tests("cases.test.mjs", 3)


@needs_node
@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai"])
def test_the_case_desk_says_steps_money_and_days_in_words_and_sends_each_steps_schema(zone):
    run_node_tests("desk.test.mjs", 9, zone)


@needs_node
def test_the_vector_base_maps_rules_for_both_schemas():
    run_node_tests("vectorstyle.test.mjs", 3)
