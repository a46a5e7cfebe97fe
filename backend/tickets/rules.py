"""The simple-procedure rules engine (PRC Administrative Penalty Law 2021, §42, §51–53,
§67–70). Plain functions over plain data: no Flask, no database.

`RULE_TABLE` is the one source of truth for the numbers; the API serves it as JSON
(`GET /api/v1/rules`) so the phone's copy of the engine uses the same table, and
`rule_vectors.json` holds the shared test vectors both implementations must pass.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..identity_numbers import DOCUMENT_TYPES, birth_date_of, is_individual_business, valid_document, valid_uscc

# §32 (and §31 ¶1's second sentence) circumstances an officer records on a decision
MITIGATION_GROUNDS: dict[str, str] = {
    "art31_limited": "第三十一条：尚未完全丧失辨认或者控制自己行为能力的精神病人、智力残疾人（可以从轻或者减轻）",
    "art32_1": "第三十二条第（一）项：主动消除或者减轻违法行为危害后果",
    "art32_2": "第三十二条第（二）项：受他人胁迫或者诱骗实施违法行为",
    "art32_3": "第三十二条第（三）项：主动供述行政机关尚未掌握的违法行为",
    "art32_4": "第三十二条第（四）项：配合行政机关查处违法行为有立功表现",
    "art32_5": "第三十二条第（五）项：法律、法规、规章规定其他应当从轻或者减轻行政处罚的",
}

RULE_TABLE: dict[str, Any] = {
    "version": 2,
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
    # education: 首违不罚 (§33); warning_fine: 警告并处罚款, where the basis provides both
    "penalty_kinds": ["warning", "fine", "warning_fine", "education"],
    "payment_routes": ["bank", "on_the_spot"],
    # §30: no penalty under 14; 14–17 lighter or reduced (from the birth date, on the day of the act)
    "responsible_age": 14,
    "adult_age": 18,
    # Civil Code §54, §56 (the prevailing view): a 个体工商户 is a natural person for the
    # §51 cap and the matter's range; a province may decide otherwise
    "individual_business_as_citizen": True,
    "document_types": list(DOCUMENT_TYPES),
    "mitigation_grounds": MITIGATION_GROUNDS,
    # 应当从轻或者减轻 (§30 minors, §32); §31's limited capacity only 可以 (allowed, not required)
    "mandatory_mitigation": ["minor", "art32_1", "art32_2", "art32_3", "art32_4", "art32_5"],
    "certifiable_roles": ["officer", "supervisor"],  # §42: the certificate decides, not the role
    # §33: a 不予行政处罚决定 (penalty.kind "education") on one of these grounds
    "no_penalty_grounds": {
        "art33_1_first": "第三十三条第一款：初次违法且危害后果轻微并及时改正的，可以不予行政处罚（首违不罚）",
        "art33_1_minor": "第三十三条第一款：违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚",
        "art33_2_no_fault": "第三十三条第二款：当事人有证据足以证明没有主观过错的，不予行政处罚",
    },
    # §36: not punished once 2 years passed from the act (5 where life, health or financial safety was
    # harmed), counted from the end of a continuing act
    "limitation_years": 2,
    "limitation_years_harm": 5,
}

# The wording a decision prints (§52; 行政复议法 2023 §20, §23; 行政强制法 §45), one template for
# the phone's copy and the server's: backend/tickets/paper.py and pwa/src/lib/paper.js fill it.
PAPER: dict[str, str] = {
    "remedies": ("如不服本决定，应当自收到本决定书之日起六十日内向{body}申请行政复议"
                 "（对当场作出的行政处罚决定不服的，应当先申请行政复议：《中华人民共和国行政复议法》第二十条、"
                 "第二十三条第一款第（一）项）；对行政复议决定不服的，可以自收到行政复议决定书之日起十五日内"
                 "依法向人民法院提起行政诉讼。"),
    "remedies_no_body": "有管辖权的行政复议机关",
    "payment_bank": ("请自收到本决定书之日起{days}日内缴纳罚款。缴款渠道：{channel}。到期不缴纳罚款的，每日按罚款数额的"
                     "百分之三加处罚款，加处罚款的数额不超过罚款本数（《中华人民共和国行政处罚法》第七十二条第一款第（一）项）。"),
    "payment_cash": "罚款已当场收缴，并出具专用票据（票据号：{receipt}）。",
    "informed": ("执法人员已向当事人出示执法证件，告知作出行政处罚决定的事实、理由、依据及当事人依法享有的陈述、"
                 "申辩权利（第四十四条、第四十五条、第五十二条）。当事人陈述、申辩：{said}"),
    "said_nothing": "当事人未提出陈述、申辩",
    "minor": "当事人作出违法行为时已满十四周岁不满十八周岁（{age}周岁），依法从轻或者减轻处罚（第三十条）",
    "limited": "当事人系尚未完全丧失辨认或者控制自己行为能力的精神病人、智力残疾人（第三十一条）",
    "reason": "理由：{reason}",
    "individual_business": "当事人系个体工商户，按自然人适用简易程序罚款限额",
    # the order a fine presupposes (逾期不改正 / 拒不改正), from the matter's precondition
    "prior_order": "执法人员已于{ordered_on}{order}{deadline}，当事人{ignored}{reference}",
}

RULE_TABLE["paper"] = PAPER

# kept for the API's /rules answer (older phones read it): the remedies without a named body
RIGHTS_NOTICE = PAPER["remedies"].format(body=PAPER["remedies_no_body"])


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
    # 裁量基准 (§34): [{party_type, level, name, circumstances, min_fen, max_fen, warning}]
    tiers: list[dict[str, Any]] = field(default_factory=list)
    warning_and_fine: bool = False  # the basis requires a warning *and* a fine (e.g. 城市建筑垃圾管理规定 §26)
    other_penalty: str = ""  # a penalty the basis makes mandatory besides (§51: then not on the spot)
    precondition: str = ""  # the basis fines only an ignored order to correct (责令限期改正，逾期不改正)


def tier_for(tiers: list[dict[str, Any]], party_type: str, amount: int) -> dict[str, Any] | None:
    """The lowest tier of the party type whose band holds the amount (the decision names it)."""
    for t in sorted((t for t in tiers if t["party_type"] == party_type), key=lambda t: t["level"]):
        if t["min_fen"] <= amount <= t["max_fen"]:
            return t
    return None


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def valid_certificate(officer: OfficerFacts, domain: str, day: date) -> tuple[Certificate | None, str | None]:
    """The certificate that lets this officer decide in `domain` on `day`, or why not.
    An officer or a supervisor holding one may decide (§42); an auxiliary never."""
    if officer.role not in RULE_TABLE["certifiable_roles"]:
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


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _violation_days(proposal: dict[str, Any], day: date) -> tuple[date | None, date | None, bool]:
    """(the day the act began, the day it ended, whether the dates are sound); default: the decision day."""
    v = proposal.get("violation") or {}

    def parse(text: Any) -> date | None:
        if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return None
        try:
            d = date.fromisoformat(text)
        except ValueError:
            return None
        return d if d.year >= 1900 else None  # as the phone's port reads dates

    began = parse(v["began_on"]) if v.get("began_on") else day
    ended = parse(v["ended_on"]) if v.get("ended_on") else began
    if began is None or ended is None:
        return None, None, False
    return began, ended, ended >= began


def _check_prior_order(order: Any, precondition: str, day: date, no: Any) -> None:
    """A basis that fines only an ignored order (逾期不改正 / 拒不改正): the decision names the
    order — when it was given and, for a deadline, that the deadline had passed before this day."""
    order = order if isinstance(order, dict) else {}
    try:
        ordered = date.fromisoformat(order["ordered_on"]) if order.get("ordered_on") else None
        deadline = date.fromisoformat(order["deadline"]) if order.get("deadline") else None
    except (TypeError, ValueError):
        no("ticket.prior_order_invalid", "prior_order.ordered_on", "责令改正的日期无效", "The order's dates are not valid dates")
        return
    if ordered is None:
        no("ticket.prior_order_required", "prior_order.ordered_on",
           f"该事项依法须「{precondition}」的才能罚款：请填写责令改正的日期，未责令改正的应先责令改正",
           f"The basis fines only after an order to correct was ignored ({precondition}): give the order's date, "
           "or order the correction first")
        return
    if ordered > day:
        no("ticket.prior_order_invalid", "prior_order.ordered_on", "责令改正的日期不能晚于决定日期",
           "The order to correct cannot postdate the decision")
    if "逾期" in precondition and deadline is None:
        no("ticket.prior_order_required", "prior_order.deadline", "该事项须写明责令改正的期限（逾期不改正的才能罚款）",
           "Give the order's deadline: only a correction overdue is fined")
    elif deadline is not None and deadline < ordered:
        no("ticket.prior_order_invalid", "prior_order.deadline", "改正期限不能早于责令改正的日期",
           "The deadline cannot precede the order")
    elif deadline is not None and deadline >= day:
        no("ticket.prior_order_not_due", "prior_order.deadline",
           f"改正期限（{deadline.isoformat()}）尚未届满，不能以逾期不改正处罚", f"The deadline ({deadline.isoformat()}) has not passed yet")


def answers_as_citizen(party: dict[str, Any], rules: dict[str, Any] = RULE_TABLE) -> bool:
    """Who answers as a natural person (the citizen's cap and range): a citizen, and a
    个体工商户 (credit code 92…, or declared) where the province says so."""
    if party.get("type") == "citizen":
        return True
    return party.get("type") == "organization" and bool(rules["individual_business_as_citizen"]) and (
        is_individual_business(party.get("id_number")) or bool(party.get("individual_business")))


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def evaluate(proposal: dict[str, Any], *, matter: MatterFacts | None, officers: list[OfficerFacts], day: date,
             rules: dict[str, Any] = RULE_TABLE, prior_violations: int = 0,
             place_in_jurisdiction: bool | None = None) -> list[Refusal]:
    """Every reason the proposed ticket is unlawful; an empty list means lawful.

    `proposal` keys: party {type, name, id_type?, id_number, birth_date?, individual_business?,
    capacity?}, matter_code, penalty {kind, amount_fen}, mitigation {grounds, reason}?,
    officer_ids, facts, place {lat, lon}, payment {route, receipt_number?, exception?},
    signature {sha256? | refused_note?}. `day` is the local date of the act.
    `place_in_jurisdiction`: whether the place lies inside the issuing street (None: unknown).
    `day` is the local date of the decision; `proposal["violation"]` {began_on, ended_on?, harm?}
    dates the act (default: the same day) — the age (§30) is counted on the day the act began,
    the limitation (§36) from the day it ended.
    """
    out: list[Refusal] = []

    def no(code: str, fld: str, zh: str, en: str) -> None:
        out.append(Refusal(code, fld, zh, en))

    # when (§36, §37): the act is dated apart from the decision
    began, ended, sound = _violation_days(proposal, day)
    if not sound:
        no("ticket.bad_violation_time", "violation", "违法行为的起止时间无效", "The time of the violation is invalid")
        began = ended = day
    elif ended > day:
        no("ticket.violation_after_decision", "violation", "违法行为时间不能晚于作出决定的时间", "The violation cannot be dated after the decision")
    else:
        harm = bool((proposal.get("violation") or {}).get("harm"))
        years = rules["limitation_years_harm"] if harm else rules["limitation_years"]
        if day > add_years(ended, years):
            no("ticket.time_barred", "violation",
               f"违法行为已超过{'五' if harm else '二'}年未被发现，不再给予行政处罚（第三十六条）",
               f"More than {years} years have passed since the violation: no penalty (§36)")

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
    # §44–45 (and 住建部令第55号 §13 ¶2): told the facts, grounds and rights, and heard — on the spot too
    if (proposal.get("statement") or {}).get("informed") is not True:
        no("ticket.not_informed", "statement.informed", "作出决定前须告知当事人违法事实、理由、依据及陈述、申辩权利，并听取其意见（第四十四条、第四十五条）",
           "Before deciding, the party must be told the facts, grounds and their rights, and be heard (§44–45)")

    party_type = party.get("type")
    if party_type not in rules["party_types"]:
        if party_type:
            no("ticket.party_type_invalid", "party.type", "当事人类型须为公民或组织", "party.type must be citizen or organization")
        party_type = None
    id_number = (party.get("id_number") or "").upper() or None
    id_type = party.get("id_type") or "resident_id"
    born = None
    if party_type == "citizen":
        if id_type not in rules["document_types"]:
            no("ticket.id_type_invalid", "party.id_type", "证件类型无效", "Unknown identity document type")
        elif id_number and not valid_document(id_type, id_number, day):
            if id_type == "resident_id":
                no("ticket.bad_resident_id", "party.id_number", "居民身份证号码校验不通过", "The resident ID number fails its check digit")
            else:
                no("ticket.bad_id_document", "party.id_number", "证件号码不符合该证件类型", "The number does not fit its document type")
        else:
            born = birth_date_of(id_type, id_number)
        if born is None and party.get("birth_date"):  # a passport's holder: the date typed from it
            text = str(party["birth_date"])
            try:
                born = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
            except ValueError:
                born = None
            if born is None or not date(1900, 1, 1) <= born <= day:
                no("ticket.bad_birth_date", "party.birth_date", "出生日期无效", "Invalid birth date")
                born = None
    if party_type == "organization":
        if not id_number:
            no("ticket.missing_field", "party.id_number", "缺少统一社会信用代码", "An organisation needs its unified social credit code")
        elif not valid_uscc(id_number):
            no("ticket.bad_credit_code", "party.id_number", "统一社会信用代码校验不通过", "The unified social credit code fails its check character")
    # whose cap and range apply
    scale = "citizen" if party_type and answers_as_citizen({**party, "id_number": id_number}, rules) else party_type
    age = age_on(born, began) if born is not None else None  # §30: the age when the act was done
    if age is not None and age < rules["responsible_age"]:
        no("ticket.party_under_14", "party.id_number", "当事人不满十四周岁，不予行政处罚，应当责令监护人加以管教（第三十条）",
           "The party is under 14: no penalty; the guardian is told to discipline them (§30)")
    if party.get("capacity") == "none":
        no("ticket.party_not_responsible", "party.capacity",
           "精神病人、智力残疾人在不能辨认或者不能控制自己行为时有违法行为的，不予行政处罚（第三十一条）",
           "No penalty for an act done while unable to recognise or control one's conduct (§31)")
    mitigation = proposal.get("mitigation") or {}
    grounds = list(mitigation.get("grounds") or [])
    for g in grounds:
        if g not in rules["mitigation_grounds"]:
            no("ticket.mitigation_ground_invalid", "mitigation.grounds", "从轻、减轻情节无效", f"Unknown mitigating circumstance: {g}")
    minor = age is not None and rules["responsible_age"] <= age < rules["adult_age"]
    must_mitigate = minor or any(g in rules["mandatory_mitigation"] for g in grounds)
    may_mitigate = must_mitigate or bool(grounds)

    # the place (§22: the place of the act lies in the issuing jurisdiction)
    if place_in_jurisdiction is False:
        no("ticket.place_outside_jurisdiction", "place", "违法地点不在本乡镇（街道）辖区内，不能作出处罚决定（第二十二条）",
           "The place of the violation lies outside this jurisdiction (§22)")

    # the matter
    if proposal.get("matter_code") and matter is None:
        no("ticket.matter_unknown", "matter_code", "执法事项不存在", "Unknown matter")
    if matter is not None:
        if not matter.empowered:
            no("ticket.matter_not_empowered", "matter_code", "本乡镇（街道）未获赋权办理该事项", "This jurisdiction holds no power for this matter")
        if not matter.simple_procedure:
            no("ticket.matter_not_simple", "matter_code", "该事项不适用简易程序", "This matter is not open to simple procedure")
        if matter.other_penalty:
            no("ticket.other_penalty_required", "matter_code",
               f"该事项依法须同时给予「{matter.other_penalty}」，不适用简易程序（第五十一条）",
               f"The law requires another penalty besides ({matter.other_penalty}): not on the spot (§51)")

    # the penalty (§51 caps; the matter's range)
    kind = penalty.get("kind")
    amount = penalty.get("amount_fen")
    if kind not in (None, "") and kind not in rules["penalty_kinds"]:
        no("ticket.penalty_kind_invalid", "penalty.kind", "处罚种类无效", "penalty.kind must be warning, fine, warning_fine or education")
    elif kind == "warning":
        if matter is not None and (not matter.warning_allowed or matter.warning_and_fine):
            no("ticket.warning_not_allowed", "penalty.kind", "该事项不能仅给予警告", "This matter does not allow a warning")
        if amount:
            no("ticket.amount_with_warning", "penalty.amount_fen", "警告不应填写罚款金额", "A warning has no fine")
    elif kind == "education":  # §33: 不予行政处罚决定 — not a penalty, a document of its own
        ground = penalty.get("ground") or "art33_1_first"
        if ground not in rules["no_penalty_grounds"]:
            no("ticket.no_penalty_ground_invalid", "penalty.ground", "不予行政处罚的依据无效", "Unknown ground for no penalty")
        elif ground == "art33_1_first" and prior_violations > 0:  # earlier no-penalty decisions count too
            no("ticket.not_first_violation", "penalty.kind", "当事人有同类违法记录，不适用首违不罚",
               "The party has a prior violation of this matter: no first-violation leniency")
        if not id_number:
            no("ticket.identity_required", "party.id_number", "不予行政处罚须核实并记录当事人身份证件号码",
               "No penalty needs the party's identity number (priors are checked by it)")
        if ground.startswith("art33_1") and not (proposal.get("correction") or "").strip():
            no("ticket.correction_required", "correction", "须记录当事人及时改正的情况", "Record how the party corrected the violation")
        if amount:
            no("ticket.amount_with_warning", "penalty.amount_fen", "首违不罚不应填写罚款金额", "Education carries no fine")
    elif kind in ("fine", "warning_fine"):
        if matter is not None and kind == "warning_fine" and not matter.warning_and_fine and not matter.warning_allowed:
            no("ticket.warning_not_allowed", "penalty.kind", "该事项不能给予警告", "This matter does not allow a warning")
        if matter is not None and kind == "fine" and matter.warning_and_fine:
            no("ticket.warning_and_fine_required", "penalty.kind", "该事项依法应当给予警告并处罚款",
               "The law requires a warning and a fine together for this matter")
        if matter is not None and matter.precondition:
            _check_prior_order(proposal.get("prior_order"), matter.precondition, day, no)
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            no("ticket.amount_invalid", "penalty.amount_fen", "罚款金额须为正整数（分）", "amount_fen must be a positive integer (fen)")
        elif scale is not None:
            cap = rules["caps_fen"][scale]
            if amount > cap:
                who = "公民" if scale == "citizen" else "法人或其他组织"
                no("ticket.amount_over_cap", "penalty.amount_fen",
                   f"简易程序对{who}罚款不得超过{_yuan(cap)}元，应适用普通程序",
                   f"Simple procedure caps a fine on a {scale} at {_yuan(cap)} yuan: use general procedure")
            if matter is not None:
                rng = matter.ranges.get(scale)
                if rng is None:
                    no("ticket.no_fine_for_party", "penalty.amount_fen", "该事项对此类当事人无罚款规定",
                       "The matter sets no fine for this party type")
                elif amount < rng["min_fen"] and may_mitigate:
                    # 减轻: below the minimum, only with a recorded reason
                    if not (mitigation.get("reason") or "").strip():
                        no("ticket.reduction_reason_required", "mitigation.reason", "低于法定最低罚款（减轻处罚）须写明理由",
                           "A fine below the minimum (reduced penalty) needs a recorded reason")
                elif not rng["min_fen"] <= amount <= rng["max_fen"]:
                    no("ticket.amount_outside_range", "penalty.amount_fen",
                       f"罚款须在{_yuan(rng['min_fen'])}至{_yuan(rng['max_fen'])}元之间",
                       f"The fine must lie between {_yuan(rng['min_fen'])} and {_yuan(rng['max_fen'])} yuan")
                elif must_mitigate and amount > (mid := rng["min_fen"] + (rng["max_fen"] - rng["min_fen"]) // 2):
                    why = "当事人未满十八周岁" if minor else "有第三十二条规定的情节"
                    no("ticket.not_mitigated", "penalty.amount_fen",
                       f"{why}，应当从轻或者减轻处罚：罚款不得超过{_yuan(mid)}元（或低于{_yuan(rng['min_fen'])}元并写明理由）",
                       f"The penalty must be lighter or reduced: at most {_yuan(mid)} yuan, or below {_yuan(rng['min_fen'])} with a reason")
                elif not may_mitigate and penalty.get("tier") is not None:
                    # §34: the decision names its discretion tier; the amount lies in that tier's band
                    tier = next((t for t in matter.tiers if t["party_type"] == scale and t["level"] == penalty["tier"]), None)
                    if tier is None:
                        no("ticket.tier_unknown", "penalty.tier", "该事项没有所选的裁量档次", "The matter has no such discretion tier")
                    elif not tier["min_fen"] <= amount <= tier["max_fen"]:
                        no("ticket.amount_outside_tier", "penalty.amount_fen",
                           f"「{tier['name']}」档罚款须在{_yuan(tier['min_fen'])}至{_yuan(tier['max_fen'])}元之间（裁量基准）",
                           f"The {tier['name']} tier lies between {_yuan(tier['min_fen'])} and {_yuan(tier['max_fen'])} yuan")

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
        if kind not in ("fine", "warning_fine"):
            no("ticket.cash_without_fine", "payment.route", "无罚款不能当场收缴", "Nothing to collect without a fine")
        exception = payment.get("exception")
        if exception and exception not in rules["on_the_spot_exceptions"]:
            no("ticket.cash_exception_invalid", "payment.exception", "当场收缴的例外情形无效", "Unknown on-the-spot exception")
        elif exception == "remote_area" and payment.get("party_requested") is not True:
            no("ticket.cash_request_required", "payment.party_requested", "边远等地区当场收缴须由当事人提出（第六十九条）",
               "In a remote area cash is taken only at the party's request (§69)")
        elif isinstance(amount, int) and amount > rules["on_the_spot_max_fen"] and not exception:
            no("ticket.cash_not_allowed", "payment.route", f"当场收缴限于{_yuan(rules['on_the_spot_max_fen'])}元以下（第六十八条、第六十九条情形除外）",
               f"On-the-spot collection is limited to {_yuan(rules['on_the_spot_max_fen'])} yuan unless §68/§69 applies")
        if not (payment.get("receipt_number") or "").strip():
            no("ticket.receipt_required", "payment.receipt_number", "当场收缴须出具专用票据并填写票据号", "On-the-spot collection needs the official receipt number")
    return out


def circumstances(proposal: dict[str, Any], day: date, rules: dict[str, Any] = RULE_TABLE) -> dict[str, Any]:
    """The §30–32 facts a lawful decision records and prints: the party's age when a minor,
    their capacity when limited, the grounds and the reason for a lighter or reduced penalty,
    and whether the party answered as a 个体工商户."""
    party = proposal.get("party") or {}
    mitigation = proposal.get("mitigation") or {}
    out: dict[str, Any] = {}
    born = birth_date_of(party.get("id_type") or "resident_id", (party.get("id_number") or "").upper() or None)
    if born is None and party.get("birth_date"):
        born = date.fromisoformat(str(party["birth_date"]))
    began, _, _ = _violation_days(proposal, day)
    began = began or day
    if party.get("type") == "citizen" and born is not None and age_on(born, began) < RULE_TABLE["adult_age"]:
        out["minor_age"] = age_on(born, began)
    if party.get("capacity") in ("limited", "none"):
        out["capacity"] = party["capacity"]
    if mitigation.get("grounds"):
        out["grounds"] = list(mitigation["grounds"])
    if (mitigation.get("reason") or "").strip():
        out["reason"] = mitigation["reason"].strip()
    if party.get("type") == "organization" and answers_as_citizen(party, rules):
        out["individual_business"] = True
    return out


def decision_tier(proposal: dict[str, Any], matter: MatterFacts, rules: dict[str, Any] = RULE_TABLE) -> dict[str, Any] | None:
    """The discretion tier a lawful decision names (§34): the one chosen, else the lowest
    whose band holds the amount (a warning: the lowest tier that allows one)."""
    penalty = proposal.get("penalty") or {}
    party = proposal.get("party") or {}
    scale = "citizen" if answers_as_citizen(party, rules) else "organization"
    tiers = [t for t in matter.tiers if t["party_type"] == scale]
    if not tiers:
        return None
    chosen = next((t for t in tiers if t["level"] == penalty.get("tier")), None)
    if chosen is None and penalty.get("kind") == "warning":
        chosen = next((t for t in sorted(tiers, key=lambda t: t["level"]) if t.get("warning")), None)
    if chosen is None and isinstance(penalty.get("amount_fen"), int):
        chosen = tier_for(tiers, scale, penalty["amount_fen"])
    return {k: chosen[k] for k in ("level", "name", "circumstances", "min_fen", "max_fen")} if chosen else None
