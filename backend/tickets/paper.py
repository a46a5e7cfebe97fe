"""The words a decision prints (§52; 行政复议法 2023 §20, §23; 行政强制法 §45), filled from the one
template table (`rules.PAPER`, served to phones in `GET /rules`). The phone's copy
(pwa/src/lib/paper.js) fills the same templates with the same street's fields, so both
papers carry the same agency, remedies and payment text (tests/unit/test_pwa_paper.py).
Plain functions: no Flask, no database."""
from __future__ import annotations

from typing import Any

from .rules import MITIGATION_GROUNDS, PAPER, RULE_TABLE


def remedies(body: str) -> str:
    """Reconsideration first, within 60 days, at the named body; then 15 days to sue."""
    return PAPER["remedies"].format(body=body.strip() or PAPER["remedies_no_body"])


def payment_notice(kind: str, route: str, receipt: str | None, channel: str) -> str:
    """Where and by when to pay, and the 3 %/day surcharge — or the receipt of cash taken."""
    if kind not in ("fine", "warning_fine"):
        return ""
    if route == "on_the_spot":
        return PAPER["payment_cash"].format(receipt=(receipt or "").strip() or "—")
    return PAPER["payment_bank"].format(days=RULE_TABLE["payment_days"], channel=channel.strip() or "指定银行或者电子支付系统")


def informed_notice(said: str | None) -> str:
    """§44–45: the party was told and heard; what they said, in their words."""
    return PAPER["informed"].format(said=(said or "").strip() or PAPER["said_nothing"])


def _day(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def prior_order_notice(order: dict[str, Any] | None) -> str:
    """The ignored order a fine presupposes (逾期不改正 / 拒不改正), in words ('' when none);
    `order` carries the basis's words (`precondition`) frozen with the decision."""
    if not order or not order.get("precondition"):
        return ""
    order_words, _, ignored = order["precondition"].partition("，")
    return PAPER["prior_order"].format(
        ordered_on=_day(order["ordered_on"]), order=order_words,
        deadline=f"（期限至{_day(order['deadline'])}）" if order.get("deadline") else "",
        ignored=ignored or "未改正", reference=f"（{order['reference']}）" if order.get("reference") else "")


def circumstances_notice(c: dict[str, Any]) -> str:
    """§30–32 facts of the decision, in words ('' when there are none)."""
    parts = []
    if c.get("minor_age") is not None:
        parts.append(PAPER["minor"].format(age=c["minor_age"]))
    if c.get("capacity") == "limited" and "art31_limited" not in (c.get("grounds") or []):
        parts.append(PAPER["limited"])
    parts += [MITIGATION_GROUNDS[g] for g in c.get("grounds") or [] if g in MITIGATION_GROUNDS]
    if c.get("reason"):
        parts.append(PAPER["reason"].format(reason=c["reason"]))
    if c.get("individual_business"):
        parts.append(PAPER["individual_business"])
    return "；".join(parts)
