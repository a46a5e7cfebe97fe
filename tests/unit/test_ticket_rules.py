"""Table-driven tests of the simple-procedure rules engine, from the shared vector file
(the PWA's port of the engine runs the same file)."""
from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from backend.tickets import rules

VECTORS = json.loads((Path(rules.__file__).parent / "rule_vectors.json").read_text())
IDS = {name: i + 1 for i, name in enumerate(VECTORS["officers"])}


def _officers(names):
    out = []
    for name in names:
        spec = VECTORS["officers"][name]
        certs = [rules.Certificate(c["number"], c["domains"], date.fromisoformat(c["valid_from"]),
                                   date.fromisoformat(c["valid_until"]), c.get("revoked", False)) for c in spec["certificates"]]
        out.append(rules.OfficerFacts(IDS[name], spec["role"], spec["name"], certs))
    return out


def _proposal(case):
    p = copy.deepcopy(VECTORS["base"])
    for key, value in case["override"].items():
        p[key] = value
    p["officer_ids"] = [IDS[n] for n in p["officer_ids"]]
    return p


def test_there_are_at_least_forty_vectors_and_both_outcomes():
    cases = VECTORS["cases"]
    assert len(cases) >= 40
    assert sum(1 for c in cases if not c["expect"]) >= 10 and sum(1 for c in cases if c["expect"]) >= 30


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["name"] for c in VECTORS["cases"]])
def test_vector(case):
    matter = None
    if case["matter"]:
        m = VECTORS["matters"][case["matter"]]
        matter = rules.MatterFacts(case["matter"], m["domain"], m["empowered"], m["simple_procedure"], m["warning_allowed"], m["ranges"],
                                   m.get("tiers", []), m.get("warning_and_fine", False), m.get("other_penalty", ""),
                                   m.get("precondition", ""))
    refusals = rules.evaluate(_proposal(case), matter=matter, officers=_officers(case["officers"]),
                              day=date.fromisoformat(case["day"]), prior_violations=case["prior_violations"],
                              place_in_jurisdiction=case.get("place_in_jurisdiction"))
    assert sorted(r.code for r in refusals) == sorted(case["expect"]), [r.as_dict() for r in refusals]
    for r in refusals:  # every refusal explains itself in both languages and names a field
        assert r.zh and r.en and r.field


def test_rule_table_is_plain_json():
    assert json.loads(json.dumps(rules.RULE_TABLE)) == rules.RULE_TABLE
    assert rules.RULE_TABLE["caps_fen"] == {"citizen": 20000, "organization": 300000}
    assert rules.RULE_TABLE["on_the_spot_max_fen"] == 10000
