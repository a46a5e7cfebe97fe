"""The PWA's port of the rules engine (pwa/src/lib/rules.js) gives the same refusals — codes
and Chinese messages — as backend/tickets/rules.py on every shared vector, run under node."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date

import pytest

from backend.tickets import rules
from tests.conftest import ROOT
from tests.unit.test_ticket_rules import VECTORS, _officers, _proposal


@pytest.mark.skipif(shutil.which("node") is None and os.environ.get("CI") != "true",
                    reason="node comes with the PWA toolchain (make test installs it; CI requires it)")
def test_the_phone_and_the_server_refuse_the_same_tickets_for_the_same_reasons(tmp_path):
    expected = {}
    for case in VECTORS["cases"]:
        matter = None
        if case["matter"]:
            m = VECTORS["matters"][case["matter"]]
            matter = rules.MatterFacts(case["matter"], m["domain"], m["empowered"], m["simple_procedure"], m["warning_allowed"], m["ranges"],
                                       m.get("tiers", []), m.get("warning_and_fine", False), m.get("other_penalty", ""),
                                   m.get("precondition", ""))
        refusals = rules.evaluate(_proposal(case), matter=matter, officers=_officers(case["officers"]),
                                  day=date.fromisoformat(case["day"]), prior_violations=case["prior_violations"],
                                  place_in_jurisdiction=case.get("place_in_jurisdiction"))
        expected[case["name"]] = [[r.code, r.zh] for r in refusals]
    spec = tmp_path / "vectors.json"
    spec.write_text(json.dumps({"vectors": VECTORS, "rules": rules.RULE_TABLE, "expected": expected}, ensure_ascii=False))
    run = subprocess.run(["node", str(ROOT / "pwa" / "tests" / "rules_vectors.mjs"), str(spec)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(VECTORS['cases'])}/{len(VECTORS['cases'])} vectors agree" in run.stdout
