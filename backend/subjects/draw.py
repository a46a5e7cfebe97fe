"""The 双随机 draw (随机抽取检查对象、随机选派执法检查人员): pure and deterministic — no Flask,
no database, no clock.

Given the eligible subjects, the eligible officers, the pair that inspected each subject in
its previous spot check, how many subjects to draw, whether to weight by risk class, and a
seed, `draw` returns the same subjects and pairs on every machine, engine and Python
version: the inputs are sorted by id, and the only randomness used is
`random.Random(int).random()`, whose sequence for an integer seed Python guarantees not to
change between versions (its `choice`, `sample` and `choices` carry no such promise). So
anyone holding the recorded inputs and seed can re-run a draw and compare (verify).

Subjects are drawn without replacement; weighted, a subject's chance at each pick is
proportional to its risk class's weight (high 3, medium 2, low 1). Each drawn subject gets
two different officers, none of the officers of that subject's previous spot check (its pair
there); among those allowed, the officers with the fewest assignments so far in this draw are
preferred, so the work spreads evenly, and among them the choice is random.
"""
from __future__ import annotations

import hashlib
import json
import random
import secrets
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

__all__ = [
    "RISK_WEIGHTS", "RISK_ORDER", "DrawError", "NotEnoughSubjects", "NotEnoughOfficers", "Candidate", "DrawInputs",
    "DrawItem", "make_inputs", "inputs_to_json", "inputs_from_json", "inputs_digest", "rng_for", "new_seed", "draw",
]

RISK_WEIGHTS: Mapping[str, int] = {"high": 3, "medium": 2, "low": 1}
RISK_ORDER = ("high", "medium", "low")  # the order the weighted groups are walked in (part of the algorithm)
SEED_DOMAIN = "zhangshang/spot-check/v1:"  # the seed is hashed with this prefix: a new algorithm gets a new prefix


class DrawError(ValueError):
    """The draw cannot be made from these inputs."""


class NotEnoughSubjects(DrawError):
    def __init__(self, eligible: int, wanted: int) -> None:
        super().__init__(f"{eligible} eligible subjects, {wanted} wanted")
        self.eligible, self.wanted = eligible, wanted


class NotEnoughOfficers(DrawError):
    """Fewer than two eligible officers at all (`subject_id` None), or for one subject once the
    pair of its previous spot check is left out."""

    def __init__(self, eligible: int, subject_id: int | None = None) -> None:
        super().__init__(f"{eligible} eligible officers" + (f" for subject {subject_id}" if subject_id is not None else ""))
        self.eligible, self.subject_id = eligible, subject_id


class Candidate(NamedTuple):
    """An eligible subject: its id and risk class (low | medium | high)."""

    id: int
    risk_class: str


class DrawInputs(NamedTuple):
    """Everything a draw depends on besides the seed, normalised (sorted by id)."""

    subjects: tuple[Candidate, ...]
    officers: tuple[int, ...]
    previous: tuple[tuple[int, tuple[int, ...]], ...]  # (subject id, the officers of its previous spot check)
    count: int
    weighted: bool


class DrawItem(NamedTuple):
    """One drawn subject and its pair: `officer_ids[0]` leads (the task is assigned to them)."""

    subject_id: int
    officer_ids: tuple[int, int]


def make_inputs(subjects: Iterable[tuple[int, str]], officers: Iterable[int], previous: Mapping[int, Iterable[int]] | Iterable[
        tuple[int, Iterable[int]]], count: int, weighted: bool) -> DrawInputs:
    """Normalise the inputs: subjects and officers sorted by id and de-duplicated, previous
    pairs kept only for the eligible subjects. Refuses malformed values (ValueError)."""
    by_id: dict[int, str] = {}
    for sid, risk in subjects:
        if risk not in RISK_WEIGHTS:
            raise ValueError(f"unknown risk class {risk!r}")
        by_id[_int(sid)] = risk
    officer_ids = tuple(sorted({_int(o) for o in officers}))
    pairs = previous.items() if isinstance(previous, Mapping) else previous
    prev = tuple(sorted((_int(sid), tuple(sorted({_int(o) for o in oids}))) for sid, oids in pairs if _int(sid) in by_id))
    if len({sid for sid, _ in prev}) != len(prev):
        raise ValueError("a subject has two previous pairs")
    count = _int(count)
    if count < 1:
        raise ValueError("count must be at least 1")
    return DrawInputs(tuple(Candidate(sid, by_id[sid]) for sid in sorted(by_id)), officer_ids, prev, count, bool(weighted))


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"an id must be an integer, not {value!r}")
    return value


def inputs_to_json(inputs: DrawInputs) -> dict[str, Any]:
    """What is stored with a draw (and re-read by `inputs_from_json` to verify it)."""
    return {"subjects": [[c.id, c.risk_class] for c in inputs.subjects], "officers": list(inputs.officers),
            "previous": [[sid, list(oids)] for sid, oids in inputs.previous], "count": inputs.count, "weighted": inputs.weighted,
            "weights": dict(RISK_WEIGHTS) if inputs.weighted else None}


def inputs_from_json(data: Any) -> DrawInputs:
    """The stored inputs back (ValueError if they are not in the stored shape)."""
    try:
        return make_inputs([(s[0], s[1]) for s in data["subjects"]], data["officers"], [(p[0], p[1]) for p in data["previous"]],
                           data["count"], data["weighted"])
    except (KeyError, IndexError, TypeError) as exc:
        raise ValueError("stored inputs are malformed") from exc


def inputs_digest(inputs: DrawInputs) -> str:
    """SHA-256 of the canonical JSON of the inputs (sorted ids): recorded with the draw."""
    text = json.dumps(inputs_to_json(inputs), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def rng_for(seed: str) -> random.Random:
    """The generator for a seed: an integer from SHA-256 of the prefixed seed (integer seeding
    is the one Python keeps stable across versions)."""
    if not isinstance(seed, str) or not seed:
        raise ValueError("the seed must be a non-empty string")
    return random.Random(int.from_bytes(hashlib.sha256((SEED_DOMAIN + seed).encode("utf-8")).digest(), "big"))


def new_seed() -> str:
    """A seed nobody chose: 128 bits from the operating system's CSPRNG, as hex."""
    return secrets.token_hex(16)


def _index(rng: random.Random, n: int) -> int:
    """A uniform index below n from one `random()` (IEEE multiplication: the same everywhere)."""
    return min(int(rng.random() * n), n - 1)


def _pick_subjects(rng: random.Random, inputs: DrawInputs) -> list[int]:
    if inputs.weighted:
        groups = [(RISK_WEIGHTS[rc], [c.id for c in inputs.subjects if c.risk_class == rc]) for rc in RISK_ORDER]
    else:
        groups = [(1, [c.id for c in inputs.subjects])]
    drawn = []
    for _ in range(inputs.count):
        # a group with probability weight × size / total, then a member uniformly: each remaining
        # subject is picked with probability weight / total — a weighted draw without replacement
        live = [(w, members) for w, members in groups if members]
        total = sum(w * len(members) for w, members in live)
        target, acc, chosen = rng.random() * total, 0, live[-1][1]
        for w, members in live:
            acc += w * len(members)
            if target < acc:
                chosen = members
                break
        drawn.append(chosen.pop(_index(rng, len(chosen))))
    return drawn


def _least_loaded(rng: random.Random, candidates: Sequence[int], load: Mapping[int, int]) -> int:
    fewest = min(load[o] for o in candidates)
    pool = [o for o in candidates if load[o] == fewest]
    return pool[_index(rng, len(pool))]


def draw(inputs: DrawInputs, seed: str) -> list[DrawItem]:
    """Draw `inputs.count` subjects and a pair of distinct officers for each (see the module's
    docstring). Raises NotEnoughSubjects / NotEnoughOfficers."""
    if inputs.count > len(inputs.subjects):
        raise NotEnoughSubjects(len(inputs.subjects), inputs.count)
    if len(inputs.officers) < 2:
        raise NotEnoughOfficers(len(inputs.officers))
    rng = rng_for(seed)
    previous = dict(inputs.previous)
    load = {o: 0 for o in inputs.officers}
    items = []
    for sid in _pick_subjects(rng, inputs):
        excluded = set(previous.get(sid, ()))
        allowed = [o for o in inputs.officers if o not in excluded]
        if len(allowed) < 2:
            raise NotEnoughOfficers(len(allowed), sid)
        first = _least_loaded(rng, allowed, load)
        second = _least_loaded(rng, [o for o in allowed if o != first], load)
        load[first] += 1
        load[second] += 1
        items.append(DrawItem(sid, (first, second)))
    return items
