#!/usr/bin/env python3
"""Regenerates backend/tickets/rule_vectors.json (run from the repository root)."""
import json
V = []
def case(name, expect, matter="occupy", officers=("A", "B"), day="2026-11-20", prior=0, inside=None, **over):
    V.append({"name": name, "matter": matter, "officers": list(officers), "day": day, "prior_violations": prior,
              "place_in_jurisdiction": inside, "override": over, "expect": expect})
OK = []
case("lawful citizen fine inside range", OK)
case("citizen fine exactly at the 200-yuan cap", OK, matter="cap_citizen", penalty={"kind": "fine", "amount_fen": 20000})
case("citizen fine 200.01 yuan is over the cap", ["ticket.amount_over_cap"], matter="cap_citizen", penalty={"kind": "fine", "amount_fen": 20001})
case("organisation fine exactly at the 3,000-yuan cap", OK, matter="cap_org",
     party={"type": "organization", "name": "某某餐饮有限公司", "id_number": "91350100M000100Y43"}, penalty={"kind": "fine", "amount_fen": 300000})
case("organisation fine 3,000.01 yuan is over the cap", ["ticket.amount_over_cap"], matter="cap_org",
     party={"type": "organization", "name": "某某餐饮有限公司", "id_number": "91350100M000100Y43"}, penalty={"kind": "fine", "amount_fen": 300001})
case("citizen fine of 3,000 yuan is over the citizen cap even if the matter allows it", ["ticket.amount_over_cap"], matter="cap_org",
     penalty={"kind": "fine", "amount_fen": 300000})
case("warning on a matter that allows it", OK, penalty={"kind": "warning"}, payment={"route": "bank"})
case("warning on a matter that does not allow it", ["ticket.warning_not_allowed"], matter="barbecue", penalty={"kind": "warning"})
case("a warning carries no amount", ["ticket.amount_with_warning"], penalty={"kind": "warning", "amount_fen": 5000})
case("one officer", ["ticket.two_officers_required"], officers=("A",), officer_ids=["A"])
case("the same officer twice", ["ticket.two_officers_required"], officer_ids=["A", "A"])
case("an auxiliary as second officer", ["ticket.officer_not_certified"], officers=("A", "X"), officer_ids=["A", "X"])
case("a supervisor without a certificate", ["ticket.officer_not_certified"], officers=("A", "S"), officer_ids=["A", "S"])
case("an expired certificate", ["ticket.certificate_expired"], officers=("A", "E"), officer_ids=["A", "E"])
case("a certificate not yet valid", ["ticket.certificate_expired"], officers=("A", "F"), officer_ids=["A", "F"])
case("a revoked certificate", ["ticket.certificate_expired"], officers=("A", "R"), officer_ids=["A", "R"])
case("a certificate of another domain", ["ticket.certificate_domain"], officers=("A", "D"), officer_ids=["A", "D"])
case("an officer not of this street", ["ticket.officer_unknown"], officers=("A",), officer_ids=["A", "B"])
case("the certificate is valid on its last day", OK, day="2028-12-31")
case("and not the day after", ["ticket.certificate_expired", "ticket.certificate_expired"], day="2029-01-01")
case("a matter not empowered here", ["ticket.matter_not_empowered"], matter="not_empowered")
case("a matter closed to simple procedure (and the amount is below its range)", ["ticket.matter_not_simple", "ticket.amount_outside_range"],
     matter="fumes", penalty={"kind": "fine", "amount_fen": 20000})
case("an unknown matter", ["ticket.matter_unknown"], matter=None, matter_code="NOPE-1")
case("amount below the matter's range", ["ticket.amount_outside_range"], penalty={"kind": "fine", "amount_fen": 9999})
case("amount above the matter's range but under the cap", ["ticket.amount_outside_range"], matter="small_range", penalty={"kind": "fine", "amount_fen": 15000})
case("no fine set for organisations", ["ticket.no_fine_for_party"], matter="butt",
     party={"type": "organization", "name": "某公司", "id_number": "91350100M000100Y43"}, penalty={"kind": "fine", "amount_fen": 5000})
case("zero fine", ["ticket.amount_invalid"], penalty={"kind": "fine", "amount_fen": 0})
case("fractional fen", ["ticket.amount_invalid"], penalty={"kind": "fine", "amount_fen": 150.5})
case("on-the-spot cash of exactly 100 yuan", OK, matter="occupy", penalty={"kind": "fine", "amount_fen": 10000},
     payment={"route": "on_the_spot", "receipt_number": "浙财 0012345"})
case("on-the-spot cash of 101 yuan", ["ticket.cash_not_allowed"], penalty={"kind": "fine", "amount_fen": 10100},
     payment={"route": "on_the_spot", "receipt_number": "浙财 0012345"})
case("on-the-spot cash of 101 yuan where later payment would be hard (§68)", OK, penalty={"kind": "fine", "amount_fen": 10100},
     payment={"route": "on_the_spot", "receipt_number": "浙财 0012345", "exception": "hard_to_pay_later"})
case("on-the-spot cash in a remote area on request (§69)", OK, penalty={"kind": "fine", "amount_fen": 15000},
     payment={"route": "on_the_spot", "receipt_number": "浙财 0012346", "exception": "remote_area", "party_requested": True})
case("on-the-spot cash in a remote area the party did not ask for", ["ticket.cash_request_required"], penalty={"kind": "fine", "amount_fen": 15000},
     payment={"route": "on_the_spot", "receipt_number": "浙财 0012346", "exception": "remote_area"})
case("an invented exception", ["ticket.cash_exception_invalid"], penalty={"kind": "fine", "amount_fen": 15000},
     payment={"route": "on_the_spot", "receipt_number": "浙财 0012346", "exception": "officer_said_so"})
case("on-the-spot cash without a receipt number", ["ticket.receipt_required"], penalty={"kind": "fine", "amount_fen": 5000},
     matter="butt", payment={"route": "on_the_spot"})
case("cigarette butt: 50 yuan on the spot with a receipt", OK, matter="butt", penalty={"kind": "fine", "amount_fen": 5000},
     payment={"route": "on_the_spot", "receipt_number": "浙财 0012347"})
case("cash collection of a warning", ["ticket.cash_without_fine", "ticket.receipt_required"], penalty={"kind": "warning"},
     payment={"route": "on_the_spot"})
case("unknown payment route", ["ticket.payment_route_invalid"], payment={"route": "wechat_to_officer"})
case("bad resident ID check digit", ["ticket.bad_resident_id"], party={"type": "citizen", "name": "张三", "id_number": "110105194912310021"})
case("resident ID with an impossible birth date", ["ticket.bad_resident_id"], party={"type": "citizen", "name": "张三", "id_number": "110105194902300028"})
case("citizen without an ID number is allowed (refused to show)", OK, party={"type": "citizen", "name": "张三"})
case("bad credit code", ["ticket.bad_credit_code"], party={"type": "organization", "name": "某公司", "id_number": "91350100M000100Y44"})
case("organisation without a credit code", ["ticket.missing_field"], party={"type": "organization", "name": "某公司"})
case("unknown party type", ["ticket.party_type_invalid"], party={"type": "alien", "name": "X"})
case("no party name", ["ticket.missing_field"], party={"type": "citizen", "name": "", "id_number": "11010519491231002X"})
case("no facts", ["ticket.missing_field"], facts="")
case("no place", ["ticket.missing_field"], place=None)
case("neither signature nor refusal note", ["ticket.signature_required"], signature={})
case("the party refused to sign, noted", OK, signature={"refused_note": "当事人拒绝签名，二名执法人员见证"})
FIXED = "当事人已当场撤除摊位，恢复道路通行"
case("first-violation education with no prior violation", OK, penalty={"kind": "education"}, correction=FIXED)
case("first-violation education despite a prior violation (an earlier no-penalty decision counts)", ["ticket.not_first_violation"],
     penalty={"kind": "education"}, prior=1, correction=FIXED)
case("no penalty needs the party's identity", ["ticket.identity_required"], penalty={"kind": "education"}, correction=FIXED,
     party={"type": "citizen", "name": "张三"})
case("no penalty for a first violation needs the correction recorded", ["ticket.correction_required"], penalty={"kind": "education"})
case("§33 ¶1: minor and promptly corrected, whatever the priors", OK, penalty={"kind": "education", "ground": "art33_1_minor"},
     prior=2, correction=FIXED)
case("§33 ¶2: no fault, proved", OK, penalty={"kind": "education", "ground": "art33_2_no_fault"})
case("an invented ground for no penalty", ["ticket.no_penalty_ground_invalid"], penalty={"kind": "education", "ground": "friendly"},
     correction=FIXED)
case("unknown penalty kind", ["ticket.penalty_kind_invalid"], penalty={"kind": "detention"})
case("several faults at once are all reported", ["ticket.amount_over_cap", "ticket.officer_not_certified"],
     matter="barbecue", officers=("A", "X"), officer_ids=["A", "X"], penalty={"kind": "fine", "amount_fen": 60000})

# §22 territory: the place lies in the issuing street (None: the phone could not tell)
case("a place inside the street", OK, inside=True)
case("a place in the neighbouring street or in Beijing", ["ticket.place_outside_jurisdiction"], inside=False)

# §30–32 minors and capacity: the age on the day of the act, from the document's birth date
def citizen(number, **more):
    return {"type": "citizen", "name": "小明", "id_number": number, **more}
case("a 13-year-old is not fined", ["ticket.party_under_14"], party=citizen("330211201306010015"))
case("nor warned: no penalty at all under 14", ["ticket.party_under_14"], party=citizen("330211201306010015"),
     penalty={"kind": "warning"})
case("the day before the 14th birthday", ["ticket.party_under_14"], party=citizen("330211201211210014"))
case("on the 14th birthday a lighter fine is lawful", OK, party=citizen("330211201211200019"))
case("a 14-year-old in the upper half of the range", ["ticket.not_mitigated"], matter="small_range",
     party=citizen("330211201111210017"), penalty={"kind": "fine", "amount_fen": 8000})
case("a 14-year-old at the middle of the range", OK, matter="small_range", party=citizen("330211201111210017"),
     penalty={"kind": "fine", "amount_fen": 6000})
case("a 14-year-old below the minimum without a reason", ["ticket.reduction_reason_required"], matter="small_range",
     party=citizen("330211201111210017"), penalty={"kind": "fine", "amount_fen": 1000})
case("a 14-year-old below the minimum with the reason recorded", OK, matter="small_range", party=citizen("330211201111210017"),
     penalty={"kind": "fine", "amount_fen": 1000}, mitigation={"grounds": [], "reason": "初次违法，当场改正，监护人到场"})
case("17 years and 364 days is still a minor", ["ticket.not_mitigated"], matter="small_range",
     party=citizen("330211200811210013"), penalty={"kind": "fine", "amount_fen": 8000})
case("on the 18th birthday the whole range is open", OK, matter="small_range", party=citizen("330211200811200018"),
     penalty={"kind": "fine", "amount_fen": 8000})
case("§32 circumstances require the lower half", ["ticket.not_mitigated"], matter="small_range",
     penalty={"kind": "fine", "amount_fen": 8000}, mitigation={"grounds": ["art32_1"]})
case("§32 circumstances: a fine in the lower half", OK, matter="small_range",
     penalty={"kind": "fine", "amount_fen": 5000}, mitigation={"grounds": ["art32_1"]})
case("§31 limited capacity may reduce below the minimum, with a reason", OK, matter="small_range",
     penalty={"kind": "fine", "amount_fen": 1000}, mitigation={"grounds": ["art31_limited"], "reason": "经监护人说明系智力残疾人"})
case("§31 limited capacity does not require it", OK, matter="small_range",
     penalty={"kind": "fine", "amount_fen": 8000}, mitigation={"grounds": ["art31_limited"]})
case("an invented circumstance", ["ticket.mitigation_ground_invalid"], mitigation={"grounds": ["officer_liked_them"]})
case("without any circumstance no fine below the minimum", ["ticket.amount_outside_range"], matter="small_range",
     penalty={"kind": "fine", "amount_fen": 1000}, mitigation={"grounds": [], "reason": "可怜"})
case("§31: unable to recognise or control their conduct", ["ticket.party_not_responsible"],
     party=citizen("11010519491231002X", capacity="none"))

# parties: 个体工商户 as natural persons; documents other than the resident ID (§84)
case("a 个体工商户 (credit code 92…) has the citizen's 200-yuan cap", ["ticket.amount_over_cap"],
     party={"type": "organization", "name": "某某水果店", "id_number": "92330211MA2H00001P"}, penalty={"kind": "fine", "amount_fen": 30000})
case("a 个体工商户 fined within the citizen's cap", OK,
     party={"type": "organization", "name": "某某水果店", "id_number": "92330211MA2H00001P"}, penalty={"kind": "fine", "amount_fen": 15000})
case("a declared 个体工商户 too", ["ticket.amount_over_cap"],
     party={"type": "organization", "name": "某某小吃", "id_number": "91330211MA2H00002X", "individual_business": True},
     penalty={"kind": "fine", "amount_fen": 30000})
case("a company keeps the organisation's cap", OK,
     party={"type": "organization", "name": "某某有限公司", "id_number": "91330211MA2H00002X"}, penalty={"kind": "fine", "amount_fen": 30000})
case("a credit code in lower case is read upper-cased", OK,
     party={"type": "organization", "name": "某某有限公司", "id_number": "91330211ma2h00002x"}, penalty={"kind": "fine", "amount_fen": 30000})
case("a credit code whose authority does not register that category", ["ticket.bad_credit_code"],
     party={"type": "organization", "name": "某公司", "id_number": "95330211MA2H00001E"}, penalty={"kind": "fine", "amount_fen": 30000})
case("a resident ID with a lower-case x", OK, party=citizen("11010519491231002x"))
case("a resident ID born in the year 99 (a JavaScript date would say 1999)", ["ticket.bad_resident_id"], party=citizen("33021100990101001X"))
case("a resident ID born after the day of the act", ["ticket.bad_resident_id"], party=citizen("33021120270101001X"))
case("a Hong Kong resident's residence permit", OK, party=citizen("810000198001010014", id_type="hmt_residence_permit"))
case("a Taiwan resident's permit number given as a resident ID", ["ticket.bad_resident_id"], party=citizen("83000019900202001X"))
case("a resident ID given as a residence permit", ["ticket.bad_id_document"],
     party=citizen("11010519491231002X", id_type="hmt_residence_permit"))
case("a foreigner's permanent residence ID (2017)", OK, party=citizen("USA330211750505", id_type="foreign_permanent_residence"))
case("a foreigner's permanent residence ID (2023)", OK, party=citizen("933001197505050011", id_type="foreign_permanent_residence"))
case("a passport with the holder's birth date", OK, party=citizen("E12345678", id_type="passport", birth_date="1980-05-05"))
case("a passport holder of 13", ["ticket.party_under_14"], party=citizen("E12345678", id_type="passport", birth_date="2013-06-01"))
case("a passport number that is not one", ["ticket.bad_id_document"], party=citizen("E1", id_type="passport"))
case("an impossible birth date", ["ticket.bad_birth_date"], party=citizen("E12345678", id_type="passport", birth_date="2010-02-30"))
case("an unknown document type", ["ticket.id_type_invalid"], party=citizen("E12345678", id_type="library_card"))

# §36: limitation, counted from the end of the act; §30: the age on the day of the act
case("an act two years ago to the day", OK, day="2026-11-20", violation={"began_on": "2024-11-20"})
case("an act two years and a day ago", ["ticket.time_barred"], day="2026-11-20", violation={"began_on": "2024-11-19"})
case("harm to health: five years", OK, day="2026-11-20", violation={"began_on": "2022-01-10", "harm": True})
case("harm to health: five years and a day", ["ticket.time_barred"], day="2026-11-20", violation={"began_on": "2021-11-19", "harm": True})
case("a continuing act that began three years ago and ended last year", OK, day="2026-11-20",
     violation={"began_on": "2023-06-01", "ended_on": "2025-12-31"})
case("an act dated after the decision", ["ticket.violation_after_decision"], day="2026-11-20", violation={"began_on": "2026-11-21"})
case("an act that ends before it begins", ["ticket.bad_violation_time"], violation={"began_on": "2026-11-10", "ended_on": "2026-11-01"})
case("an impossible date", ["ticket.bad_violation_time"], violation={"began_on": "2026-02-30"})
case("13 on the day of the act, 14 on the day of the decision", ["ticket.party_under_14"], day="2026-11-25",
     party=citizen("330211201211210014"), violation={"began_on": "2026-11-19"})
case("an act on 29 February, two years on", OK, day="2026-02-28", violation={"began_on": "2024-02-29"})
case("an act on 29 February, two years and a day on", ["ticket.time_barred"], day="2026-03-01", violation={"began_on": "2024-02-29"})

# §44–45: told and heard before any decision
case("the party was not told the facts, grounds and rights", ["ticket.not_informed"], statement={"informed": False, "said": ""})
case("nothing recorded about telling the party", ["ticket.not_informed"], statement=None)

# §51: only warnings and fines on the spot; some bases require a warning and a fine together
COMPANY = {"type": "organization", "name": "某某餐饮有限公司", "id_number": "91350100M000100Y43"}
case("a matter whose basis makes confiscation mandatory", ["ticket.other_penalty_required"], matter="barbecue_law",
     party=COMPANY, penalty={"kind": "fine", "amount_fen": 60000})
case("a warning and a fine together where the basis requires both", OK, matter="rubble", penalty={"kind": "warning_fine", "amount_fen": 15000})
case("a fine alone where the basis requires a warning too", ["ticket.warning_and_fine_required"], matter="rubble",
     penalty={"kind": "fine", "amount_fen": 15000})
case("a warning alone where the basis requires a fine too", ["ticket.warning_not_allowed"], matter="rubble", penalty={"kind": "warning"})
case("a warning and a fine where the basis gives no warning", ["ticket.warning_not_allowed"], matter="barbecue",
     party=COMPANY, penalty={"kind": "warning_fine", "amount_fen": 60000})
case("a warning and a fine are collected on the spot like a fine", OK, matter="rubble", penalty={"kind": "warning_fine", "amount_fen": 5000},
     payment={"route": "on_the_spot", "receipt_number": "浙财 0012350"})

# §34: the decision names its discretion tier and the amount lies in that tier's band
case("an amount inside the named tier", OK, matter="tiered", penalty={"kind": "fine", "amount_fen": 15000, "tier": 1})
case("an amount outside the named tier", ["ticket.amount_outside_tier"], matter="tiered", penalty={"kind": "fine", "amount_fen": 15000, "tier": 2})
case("a tier the matter does not have", ["ticket.tier_unknown"], matter="tiered", penalty={"kind": "fine", "amount_fen": 15000, "tier": 9})
case("no tier named: the server records the tier the amount falls in", OK, matter="tiered", penalty={"kind": "fine", "amount_fen": 15000})
case("a minor's mitigation is not bound by the tier bands", OK, matter="tiered", party=citizen("330211201111210017"),
     penalty={"kind": "fine", "amount_fen": 15000, "tier": 3})

# a basis that fines only an ignored order to correct (浙江省城市市容和环境卫生管理条例 §17 ¶3:
# 责令限期改正；逾期不改正的，可以处…罚款; §16 ¶3: 拒不改正的)
ORDER = {"ordered_on": "2026-11-10", "deadline": "2026-11-17", "reference": "蛟综执责改〔2026〕12号"}
case("a fine after the order's deadline passed", OK, matter="order_first", prior_order=ORDER)
case("a fine with no order to correct", ["ticket.prior_order_required"], matter="order_first")
case("a fine while the deadline is still running", ["ticket.prior_order_not_due"], matter="order_first",
     prior_order={**ORDER, "deadline": "2026-11-20"})
case("a fine on the day after the deadline", OK, matter="order_first", prior_order={**ORDER, "deadline": "2026-11-19"})
case("an order without the deadline its basis counts from", ["ticket.prior_order_required"], matter="order_first",
     prior_order={"ordered_on": "2026-11-10"})
case("a deadline before the order", ["ticket.prior_order_invalid"], matter="order_first", prior_order={**ORDER, "deadline": "2026-11-09"})
case("an order dated after the decision", ["ticket.prior_order_invalid", "ticket.prior_order_not_due"], matter="order_first",
     prior_order={"ordered_on": "2026-11-21", "deadline": "2026-11-28"})
case("an impossible order date", ["ticket.prior_order_invalid"], matter="order_first", prior_order={"ordered_on": "2026-02-30"})
case("a refusal to correct needs the order, not a deadline", OK, matter="refused_first",
     prior_order={"ordered_on": "2026-11-20"}, penalty={"kind": "fine", "amount_fen": 3000})
case("a refusal to correct with no order", ["ticket.prior_order_required"], matter="refused_first",
     penalty={"kind": "fine", "amount_fen": 3000})
case("an order is not asked where the basis fines at once", OK, prior_order=None)

# §42: the certificate decides, not the role
case("a certified supervisor as the second officer", OK, officers=("A", "T"), officer_ids=["A", "T"])

out = {
    "about": "Shared test vectors for the simple-procedure rules engine (backend/tickets/rules.py; the PWA's port must pass them too).",
    "base": {
        "party": {"type": "citizen", "name": "张三", "id_number": "11010519491231002X", "address": "蛟川街道某路 1 号"},
        "matter_code": "M", "penalty": {"kind": "fine", "amount_fen": 15000}, "officer_ids": ["A", "B"],
        "facts": "在人行道摆摊经营水果，占用道路约 6 平方米", "place": {"lat": 29.97, "lon": 121.62},
        "payment": {"route": "bank"}, "signature": {"sha256": "ab" * 32},
        "statement": {"informed": True, "said": "当事人称临时摆放，已当场撤离"},
    },
    "officers": {
        "A": {"role": "officer", "name": "张伟", "certificates": [{"number": "C-A", "domains": ["市容环卫", "生态环境"], "valid_from": "2023-01-01", "valid_until": "2028-12-31"}]},
        "B": {"role": "officer", "name": "李娜", "certificates": [{"number": "C-B", "domains": ["市容环卫", "生态环境"], "valid_from": "2023-01-01", "valid_until": "2028-12-31"}]},
        "X": {"role": "auxiliary", "name": "吴刚", "certificates": []},
        "S": {"role": "supervisor", "name": "钱建国", "certificates": []},
        "T": {"role": "supervisor", "name": "孙中队", "certificates": [{"number": "C-T", "domains": ["市容环卫", "生态环境"], "valid_from": "2023-01-01", "valid_until": "2028-12-31"}]},
        "E": {"role": "officer", "name": "周强", "certificates": [{"number": "C-E", "domains": ["市容环卫"], "valid_from": "2020-01-01", "valid_until": "2025-06-30"}]},
        "F": {"role": "officer", "name": "新人", "certificates": [{"number": "C-F", "domains": ["市容环卫"], "valid_from": "2027-01-01", "valid_until": "2030-12-31"}]},
        "R": {"role": "officer", "name": "停证", "certificates": [{"number": "C-R", "domains": ["市容环卫"], "valid_from": "2023-01-01", "valid_until": "2028-12-31", "revoked": True}]},
        "D": {"role": "officer", "name": "园林", "certificates": [{"number": "C-D", "domains": ["园林绿化"], "valid_from": "2023-01-01", "valid_until": "2028-12-31"}]},
    },
    "matters": {
        "occupy": {"domain": "市容环卫", "empowered": True, "simple_procedure": True, "warning_allowed": True,
                   "ranges": {"citizen": {"min_fen": 10000, "max_fen": 100000}, "organization": {"min_fen": 10000, "max_fen": 100000}}},
        "cap_citizen": {"domain": "市容环卫", "empowered": True, "simple_procedure": True, "warning_allowed": False,
                        "ranges": {"citizen": {"min_fen": 10000, "max_fen": 50000}, "organization": None}},
        "cap_org": {"domain": "市容环卫", "empowered": True, "simple_procedure": True, "warning_allowed": False,
                    "ranges": {"citizen": {"min_fen": 100000, "max_fen": 1000000}, "organization": {"min_fen": 100000, "max_fen": 1000000}}},
        "small_range": {"domain": "市容环卫", "empowered": True, "simple_procedure": True, "warning_allowed": True,
                        "ranges": {"citizen": {"min_fen": 2000, "max_fen": 10000}, "organization": None}},
        "barbecue": {"domain": "生态环境", "empowered": True, "simple_procedure": True, "warning_allowed": False,
                     "ranges": {"citizen": {"min_fen": 50000, "max_fen": 2000000}, "organization": {"min_fen": 50000, "max_fen": 2000000}}},
        "fumes": {"domain": "生态环境", "empowered": True, "simple_procedure": False, "warning_allowed": False,
                  "ranges": {"citizen": {"min_fen": 500000, "max_fen": 5000000}, "organization": {"min_fen": 500000, "max_fen": 5000000}}},
        "butt": {"domain": "市容环卫", "empowered": True, "simple_procedure": True, "warning_allowed": True,
                 "ranges": {"citizen": {"min_fen": 5000, "max_fen": 5000}, "organization": None}},
        "not_empowered": {"domain": "市容环卫", "empowered": False, "simple_procedure": True, "warning_allowed": True,
                          "ranges": {"citizen": {"min_fen": 10000, "max_fen": 100000}, "organization": None}},
        # 大气污染防治法 §118 ¶3: the barbecue tools are confiscated besides the fine (§51: not on the spot)
        "barbecue_law": {"domain": "生态环境", "empowered": True, "simple_procedure": True, "warning_allowed": False,
                         "other_penalty": "没收烧烤工具和违法所得",
                         "ranges": {"citizen": {"min_fen": 50000, "max_fen": 2000000}, "organization": {"min_fen": 50000, "max_fen": 2000000}}},
        # 城市建筑垃圾管理规定 §26: a warning and a fine together; individuals up to 200 yuan
        "rubble": {"domain": "市容环卫", "empowered": True, "simple_procedure": True, "warning_allowed": True, "warning_and_fine": True,
                   "ranges": {"citizen": {"min_fen": 100, "max_fen": 20000}, "organization": {"min_fen": 500000, "max_fen": 5000000}}},
        # fines only an ignored order (逾期不改正 / 拒不改正)
        "order_first": {"domain": "市容环卫", "empowered": True, "simple_procedure": True, "warning_allowed": False,
                        "precondition": "责令限期改正，逾期不改正",
                        "ranges": {"citizen": {"min_fen": 10000, "max_fen": 100000}, "organization": {"min_fen": 10000, "max_fen": 100000}}},
        "refused_first": {"domain": "市容环卫", "empowered": True, "simple_procedure": True, "warning_allowed": False,
                          "precondition": "责令改正，拒不改正",
                          "ranges": {"citizen": {"min_fen": 100, "max_fen": 5000}, "organization": {"min_fen": 100, "max_fen": 5000}}},
        # 裁量基准 (§34): three bands of the citizen range
        "tiered": {"domain": "市容环卫", "empowered": True, "simple_procedure": True, "warning_allowed": True,
                   "ranges": {"citizen": {"min_fen": 10000, "max_fen": 100000}, "organization": None},
                   "tiers": [{"party_type": "citizen", "level": 1, "name": "轻微", "circumstances": "初次违法、及时改正", "min_fen": 10000, "max_fen": 28000, "warning": True},
                             {"party_type": "citizen", "level": 2, "name": "一般", "circumstances": "经责令改正后改正", "min_fen": 28000, "max_fen": 55000, "warning": False},
                             {"party_type": "citizen", "level": 3, "name": "较重", "circumstances": "拒不改正", "min_fen": 55000, "max_fen": 100000, "warning": False}]},
    },
    "cases": V,
}
json.dump(out, open("backend/tickets/rule_vectors.json", "w"), ensure_ascii=False, indent=1)
print(len(V), "cases")
