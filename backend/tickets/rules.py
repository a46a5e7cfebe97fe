"""The simple-procedure rules engine (PRC Administrative Penalty Law 2021, §42, §51–53,
§67–70). Plain functions over plain data: no Flask, no database.

`RULE_TABLE` is the one source of truth for the numbers; the API serves it as JSON
(`GET /api/v1/rules`) so the phone's copy of the engine uses the same table, and
`rule_vectors.json` holds the shared test vectors both implementations must pass.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..identity_numbers import valid_resident_id, valid_uscc

RULE_TABLE: dict[str, Any] = {
    "version": 1,
    "law": "《中华人民共和国行政处罚法》（2021年修订）",
    # §51: a warning, or a fine up to these amounts, may be decided on the spot
    "caps_fen": {"citizen": 20000, "organization": 300000},
    # §68: collecting the fine on the spot only up to this, or for the listed exceptions
    "on_the_spot_max_fen": 10000,
    "on_the_spot_exceptions": {
        "hard_to_pay_later": "§68(二) 不当场收缴事后难以执行",
        "remote_area": "§69 边远、水上、交通不便地区，当事人提出",
    },
    "min_officers": 2,  # §42, §52
    "payment_days": 15,  # §67, calendar days from receipt of the decision
    "surcharge_rate_per_day": 0.03,  # §72(1), capped at the fine
    "filing_working_days": 3,  # sector rules; configurable per deployment
    "reconsideration_days": 60,  # Administrative Reconsideration Law §20
    "party_types": ["citizen", "organization"],
    "penalty_kinds": ["warning", "fine", "education"],  # education: 首违不罚 (§33)
    "payment_routes": ["bank", "on_the_spot"],
}

RIGHTS_NOTICE = (
    "如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议；"
    "对行政复议决定不服的，可以在收到行政复议决定书之日起十五日内依法提起行政诉讼。"
    "（《中华人民共和国行政复议法》第二十条、第二十三条第一款第（一）项）"
)


@dataclass(frozen=True)
class Refusal:
    code: str
    field: str
    zh: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "zh": self.zh, "en": self.en}


@dataclass
class Certificate:
    number: str
    domains: list[str]
    valid_from: date
    valid_until: date
    revoked: bool = False


@dataclass
class OfficerFacts:
    id: int
    role: str
    name: str = ""
    certificates: list[Certificate] = field(default_factory=list)


@dataclass
class MatterFacts:
    code: str
    domain: str
    empowered: bool
    simple_procedure: bool
    warning_allowed: bool
    ranges: dict[str, dict[str, int] | None]  # {"citizen": {"min_fen", "max_fen"} | None, ...}


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def valid_certificate(officer: OfficerFacts, domain: str, day: date) -> tuple[Certificate | None, str | None]:
    """The certificate that lets this officer decide in `domain` on `day`, or why not."""
    if officer.role != "officer":
        return None, "ticket.officer_not_certified"
    if not officer.certificates:
        return None, "ticket.officer_not_certified"
    valid_today = [c for c in officer.certificates if not c.revoked and c.valid_from <= day <= c.valid_until]
    if not valid_today:
        return None, "ticket.certificate_expired"
    for cert in valid_today:
        if domain in cert.domains:
            return cert, None
    return None, "ticket.certificate_domain"


def evaluate(proposal: dict[str, Any], *, matter: MatterFacts | None, officers: list[OfficerFacts], day: date,
             rules: dict[str, Any] = RULE_TABLE, prior_violations: int = 0) -> list[Refusal]:
    """Every reason the proposed ticket is unlawful; an empty list means lawful.

    `proposal` keys: party {type, name, id_number}, matter_code, penalty {kind, amount_fen},
    officer_ids, facts, place {lat, lon}, payment {route, receipt_number?, exception?},
    signature {sha256? | refused_note?}. `day` is the local date of issue.
    """
    out: list[Refusal] = []

    def no(code: str, fld: str, zh: str, en: str) -> None:
        out.append(Refusal(code, fld, zh, en))

    party = proposal.get("party") or {}
    penalty = proposal.get("penalty") or {}
    payment = proposal.get("payment") or {}
    signature = proposal.get("signature") or {}

    # required fields (§52: the decision must state these)
    for fld, value, zh in (
        ("party.name", party.get("name"), "当事人姓名或名称"),
        ("party.type", party.get("type"), "当事人类型"),
        ("matter_code", proposal.get("matter_code"), "违法事项"),
        ("facts", proposal.get("facts"), "违法事实"),
        ("place", proposal.get("place"), "违法地点"),
        ("penalty.kind", penalty.get("kind"), "处罚种类"),
    ):
        if value in (None, "", {}):
            no("ticket.missing_field", fld, f"缺少{zh}", f"{fld} is required")
    if not (signature.get("sha256") or (signature.get("refused_note") or "").strip()):
        no("ticket.signature_required", "signature", "须有当事人签名，或注明当事人拒绝签名",
           "The party's signature, or a note that the party refused to sign, is required")

    party_type = party.get("type")
    if party_type not in rules["party_types"]:
        if party_type:
            no("ticket.party_type_invalid", "party.type", "当事人类型须为公民或组织", "party.type must be citizen or organization")
        party_type = None
    id_number = party.get("id_number")
    if party_type == "citizen" and id_number and not valid_resident_id(id_number):
        no("ticket.bad_resident_id", "party.id_number", "居民身份证号码校验不通过", "The resident ID number fails its check digit")
    if party_type == "organization":
        if not id_number:
            no("ticket.missing_field", "party.id_number", "缺少统一社会信用代码", "An organisation needs its unified social credit code")
        elif not valid_uscc(id_number):
            no("ticket.bad_credit_code", "party.id_number", "统一社会信用代码校验不通过", "The unified social credit code fails its check character")

    # the matter
    if proposal.get("matter_code") and matter is None:
        no("ticket.matter_unknown", "matter_code", "执法事项不存在", "Unknown matter")
    if matter is not None:
        if not matter.empowered:
            no("ticket.matter_not_empowered", "matter_code", "本乡镇（街道）未获赋权办理该事项", "This jurisdiction holds no power for this matter")
        if not matter.simple_procedure:
            no("ticket.matter_not_simple", "matter_code", "该事项不适用简易程序", "This matter is not open to simple procedure")

    # the penalty (§51 caps; the matter's range)
    kind = penalty.get("kind")
    amount = penalty.get("amount_fen")
    if kind not in (None, "") and kind not in rules["penalty_kinds"]:
        no("ticket.penalty_kind_invalid", "penalty.kind", "处罚种类无效", "penalty.kind must be warning, fine or education")
    elif kind == "warning":
        if matter is not None and not matter.warning_allowed:
            no("ticket.warning_not_allowed", "penalty.kind", "该事项不能仅给予警告", "This matter does not allow a warning")
        if amount:
            no("ticket.amount_with_warning", "penalty.amount_fen", "警告不应填写罚款金额", "A warning has no fine")
    elif kind == "education":
        if prior_violations > 0:
            no("ticket.not_first_violation", "penalty.kind", "当事人有同类违法记录，不适用首违不罚",
               "The party has a prior violation of this matter: no first-violation leniency")
        if amount:
            no("ticket.amount_with_warning", "penalty.amount_fen", "首违不罚不应填写罚款金额", "Education carries no fine")
    elif kind == "fine":
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            no("ticket.amount_invalid", "penalty.amount_fen", "罚款金额须为正整数（分）", "amount_fen must be a positive integer (fen)")
        elif party_type is not None:
            cap = rules["caps_fen"][party_type]
            if amount > cap:
                who = "公民" if party_type == "citizen" else "法人或其他组织"
                no("ticket.amount_over_cap", "penalty.amount_fen",
                   f"简易程序对{who}罚款不得超过{_yuan(cap)}元，应适用普通程序",
                   f"Simple procedure caps a fine on a {party_type} at {_yuan(cap)} yuan: use general procedure")
            if matter is not None:
                rng = matter.ranges.get(party_type)
                if rng is None:
                    no("ticket.no_fine_for_party", "penalty.amount_fen", "该事项对此类当事人无罚款规定",
                       "The matter sets no fine for this party type")
                elif not rng["min_fen"] <= amount <= rng["max_fen"]:
                    no("ticket.amount_outside_range", "penalty.amount_fen",
                       f"罚款须在{_yuan(rng['min_fen'])}至{_yuan(rng['max_fen'])}元之间",
                       f"The fine must lie between {_yuan(rng['min_fen'])} and {_yuan(rng['max_fen'])} yuan")

    # two distinct certified officers (§42, §52); auxiliaries never count
    ids = proposal.get("officer_ids") or []
    distinct = list(dict.fromkeys(ids))
    if len(distinct) < rules["min_officers"]:
        no("ticket.two_officers_required", "officer_ids", "须有两名以上执法人员", "At least two distinct enforcement officers are required")
    by_id = {o.id: o for o in officers}
    if matter is not None:
        for oid in distinct:
            officer = by_id.get(oid)
            if officer is None:
                no("ticket.officer_unknown", "officer_ids", f"执法人员 {oid} 不存在或不属本乡镇（街道）", f"Officer {oid} unknown here")
                continue
            _, reason = valid_certificate(officer, matter.domain, day)
            if reason == "ticket.officer_not_certified":
                no(reason, "officer_ids", f"{officer.name or oid} 无行政执法证（协管员不能作出处罚）",
                   f"Officer {oid} holds no enforcement certificate (auxiliaries cannot decide penalties)")
            elif reason == "ticket.certificate_expired":
                no(reason, "officer_ids", f"{officer.name or oid} 的行政执法证不在有效期内", f"Officer {oid}'s certificate is not valid on {day}")
            elif reason == "ticket.certificate_domain":
                no(reason, "officer_ids", f"{officer.name or oid} 的执法证不含「{matter.domain}」门类",
                   f"Officer {oid}'s certificate does not cover {matter.domain}")

    # payment (§67–70)
    route = payment.get("route")
    if route not in rules["payment_routes"]:
        no("ticket.payment_route_invalid", "payment.route", "缴款方式须为银行/电子缴款或当场收缴", "payment.route must be bank or on_the_spot")
    elif route == "on_the_spot":
        if kind != "fine":
            no("ticket.cash_without_fine", "payment.route", "无罚款不能当场收缴", "Nothing to collect without a fine")
        exception = payment.get("exception")
        if exception and exception not in rules["on_the_spot_exceptions"]:
            no("ticket.cash_exception_invalid", "payment.exception", "当场收缴的例外情形无效", "Unknown on-the-spot exception")
        elif isinstance(amount, int) and amount > rules["on_the_spot_max_fen"] and not exception:
            no("ticket.cash_not_allowed", "payment.route", f"当场收缴限于{_yuan(rules['on_the_spot_max_fen'])}元以下（第六十八条、第六十九条情形除外）",
               f"On-the-spot collection is limited to {_yuan(rules['on_the_spot_max_fen'])} yuan unless §68/§69 applies")
        if not (payment.get("receipt_number") or "").strip():
            no("ticket.receipt_required", "payment.receipt_number", "当场收缴须出具专用票据并填写票据号", "On-the-spot collection needs the official receipt number")
    return out
