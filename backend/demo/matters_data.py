"""The demo matters catalog (执法事项) — ILLUSTRATIVE, not a legal reference.

Legal bases are national laws as commonly cited; amounts marked 〔地方〕 follow
provincial rules as reported (e.g. Zhejiang's 市容 regulation) and differ by place.
A real deployment loads its province's published catalog and discretion standards.

Each row: code, name, domain (门类), legal basis (违法依据), penalty basis (处罚依据),
simple procedure allowed, warning allowed, citizen range (yuan) or None,
organisation range (yuan) or None. Discretion tiers are derived below.
"""
from __future__ import annotations

from typing import NamedTuple


class MatterRow(NamedTuple):
    code: str
    name: str
    domain: str
    legal_basis: str
    penalty_basis: str
    simple_procedure: bool
    warning_allowed: bool
    citizen: tuple[int, int] | None  # yuan
    organization: tuple[int, int] | None  # yuan
    warning_and_fine: bool = False  # the basis requires both
    other_penalty: str = ""  # a penalty the basis makes mandatory besides (§51: not on the spot)
    precondition: str = ""  # the basis fines only after an order to correct was ignored (逾期不改正 / 拒不改正)


SW = "《中华人民共和国固体废物污染环境防治法》"
AIR = "《中华人民共和国大气污染防治法》"
NOISE = "《中华人民共和国噪声污染防治法》"
CITY = "《城市市容和环境卫生管理条例》"
ZJ = "〔地方〕《浙江省城市市容和环境卫生管理条例》"
ROAD = "《城市道路管理条例》"
GREEN = "《城市绿化条例》"
CW = "《城市建筑垃圾管理规定》"
PLAN = "《中华人民共和国城乡规划法》"
FW = "《烟花爆竹安全管理条例》"
LIC = "《无证无照经营查处办法》"
DRAIN = "《城镇排水与污水处理条例》"
GAS = "《城镇燃气管理条例》"
WASTE_ZJ = "〔地方〕《浙江省生活垃圾管理条例》"

MATTERS: list[MatterRow] = [
    # --- 市容环卫 ------------------------------------------------------------
    # Reviewed 2026-11-30 against the national 城市市容和环境卫生管理条例 (CITY) and the Zhejiang
    # regulation as revised 2021-09-29 (ZJ; its article numbers changed in 2021). Most ZJ fines
    # apply only after an order to correct was ignored: `precondition`.
    # ZJ §17 ¶1, ¶3: 责令限期改正；逾期不改正的，可以处一百元以上一千元以下罚款
    MatterRow("SR-001", "沿街经营者超出门、窗店外经营、作业或者展示商品（占道经营）", "市容环卫",
              f"{ZJ}第十七条第一款", f"{ZJ}第十七条第三款", True, False, (100, 1000), (100, 1000),
              precondition="责令限期改正，逾期不改正"),
    # ZJ §20 ¶2, ¶3: 责令限期清除；逾期不清除的，处五十元以上三百元以下罚款 (CITY §34 (二) has no amounts)
    MatterRow("SR-002", "在树木、地面、电杆、建筑物、构筑物或者其他设施上任意刻画、涂写", "市容环卫",
              f"{CITY}第十七条第一款；{ZJ}第二十条第二款", f"{ZJ}第二十条第三款；{CITY}第三十四条第（二）项", True, False,
              (50, 300), (50, 300), precondition="责令限期清除，逾期不清除"),
    MatterRow("SR-003", "未经批准擅自在城市建筑物、设施上张挂、张贴宣传品", "市容环卫",
              f"{CITY}第十七条第二款；{ZJ}第二十条第二款", f"{ZJ}第二十条第三款；{CITY}第三十四条第（二）项", True, False,
              (50, 300), (50, 300), precondition="责令限期清除，逾期不清除"),
    # ZJ §32 ¶2: 可以处二十元以上五十元以下罚款 — no prior order
    MatterRow("SR-004", "随地吐痰、便溺，乱扔果皮、纸屑、烟蒂等废弃物", "市容环卫",
              f"{CITY}第三十二条；{ZJ}第三十二条第一款第（一）项、第（二）项", f"{ZJ}第三十二条第二款；{CITY}第三十四条第（一）项",
              True, False, (20, 50), None),
    # ZJ §12 ¶3: 逾期不改正的，对单位处五百元以上三千元以下罚款，对个人处二百元以上一千元以下罚款
    MatterRow("SR-005", "在街道两侧和公共场地堆放物料（乱堆放）", "市容环卫",
              f"{CITY}第十四条；{ZJ}第十二条第一款", f"{ZJ}第十二条第三款；{CITY}第三十六条第（二）项", True, False,
              (200, 1000), (500, 3000), precondition="责令限期改正，逾期不改正"),
    # ZJ §18: 逾期不改正或者拆除的，处一万元以上十万元以下罚款 — above both on-the-spot caps
    MatterRow("SR-006", "未经同意擅自设置大型户外广告，影响市容", "市容环卫",
              f"{CITY}第十一条第二款；{ZJ}第十八条第二款", f"{ZJ}第十八条第五款；{CITY}第三十六条第（一）项", False, False,
              (10000, 100000), (10000, 100000), precondition="责令限期改正或者拆除，逾期不改正或者拆除"),
    MatterRow("SR-007", "户外设施图案、文字、灯光显示不全或者污浊、腐蚀、陈旧，未及时修复", "市容环卫",
              f"{CITY}第十一条第一款；{ZJ}第十八条第三款", f"{ZJ}第十八条第六款", True, False, (50, 500), (50, 500),
              precondition="责令限期改正，逾期不改正"),
    # ZJ §11 ¶3: 责令限期改正；逾期不改正的，处五十元以上五百元以下罚款
    MatterRow("SR-008", "主要街道临街建筑物阳台外、窗外、屋顶吊挂或者堆放有碍市容的物品", "市容环卫",
              f"{CITY}第十条；{ZJ}第十一条第一款", f"{ZJ}第十一条第三款；{CITY}第三十四条第（三）项", True, False,
              (50, 500), (50, 500), precondition="责令限期改正，逾期不改正"),
    # ZJ §23–25 set the zones but no penalty; CITY §34 (五) allows a warning and a fine without
    # amounts — the amounts are the city's (温州, 湖州 differ): warning only until a city loads its own
    MatterRow("SR-009", "不履行卫生责任区（门前三包）清扫保洁义务", "市容环卫",
              f"{CITY}第二十五条；{ZJ}第二十三条至第二十五条", f"{CITY}第三十四条第（五）项", True, True, None, None),
    # CITY §34 (六); ZJ §22 sets the duty without a penalty: warning only, as SR-009
    MatterRow("SR-010", "运输液体、散装货物不作密封、包扎、覆盖，造成泄漏、遗撒", "市容环卫",
              f"{CITY}第十五条；{ZJ}第二十二条第一款", f"{CITY}第三十四条第（六）项", True, True, None, None),
    # 城市建筑垃圾管理规定 §26: 责令限期改正，给予警告，并对单位处5000元以上5万元以下罚款，对个人处200元以下罚款
    MatterRow("SR-011", "随意倾倒、抛撒、堆放建筑垃圾", "市容环卫",
              f"{CW}第十五条", f"{CW}第二十六条", True, True, (1, 200), (5000, 50000), warning_and_fine=True),
    # §25 ¶1(三): 给予警告，处以罚款 — 单位 5000 元以上 1 万元以下, 个人 3000 元以下
    MatterRow("SR-012", "未经核准擅自处置建筑垃圾", "市容环卫",
              f"{CW}第七条", f"{CW}第二十五条第一款第（三）项、第二款、第三款", True, True, (1, 3000), (5000, 10000),
              warning_and_fine=True),
    # 固体废物污染环境防治法 §111: 责令改正，处以罚款 — no warning
    MatterRow("SR-013", "个人随意倾倒、抛撒、堆放或者焚烧生活垃圾", "市容环卫",
              f"{SW}第四十九条", f"{SW}第一百一十一条第一款第（一）项、第三款", True, False, (100, 500), None),
    MatterRow("SR-014", "单位随意倾倒、抛撒、堆放或者焚烧生活垃圾", "市容环卫",
              f"{SW}第四十九条", f"{SW}第一百一十一条第一款第（一）项、第二款", False, False, None, (50000, 500000)),
    # 浙江省生活垃圾管理条例 §45: 责令改正；情节严重的，对个人处二百元以上二千元以下罚款，对单位处五万元以上五十万元以下罚款
    MatterRow("SR-015", "个人未按规定分类投放生活垃圾，情节严重", "市容环卫",
              f"{SW}第四十九条第二款；{WASTE_ZJ}第二十七条", f"{WASTE_ZJ}第四十五条；{SW}第一百一十一条第三款", True, False,
              (200, 2000), None),
    MatterRow("SR-016", "单位未按规定分类投放生活垃圾，情节严重", "市容环卫",
              f"{SW}第四十九条第二款；{WASTE_ZJ}第二十七条", f"{WASTE_ZJ}第四十五条；{SW}第一百一十一条第三款", False, False,
              None, (50000, 500000)),
    # ZJ §18 ¶1, ¶4: 逾期不改造或者拆除的，…对其他户外设施的设置者处二百元以上二千元以下罚款
    MatterRow("SR-017", "设置不符合城市容貌标准的招牌等非广告户外设施，影响市容", "市容环卫",
              f"{CITY}第十一条第一款；{ZJ}第十八条第一款", f"{ZJ}第十八条第四款", True, False, (200, 2000), (200, 2000),
              precondition="责令限期改造或者拆除，逾期不改造或者拆除"),
    # ZJ §16 ¶3: 责令改正；拒不改正的，可以处五十元以下罚款
    MatterRow("SR-018", "擅自占用人行道、桥梁、地下通道等公共场所设摊经营、兜售物品", "市容环卫",
              f"{ZJ}第十六条第一款", f"{ZJ}第十六条第三款", True, False, (1, 50), (1, 50),
              precondition="责令改正，拒不改正"),
    # --- 生态环境 ------------------------------------------------------------
    MatterRow("HJ-001", "露天焚烧秸秆、落叶等产生烟尘污染的物质", "生态环境",
              f"{AIR}第七十七条", f"{AIR}第一百一十九条第一款", True, False, (500, 2000), (500, 2000)),
    # 大气污染防治法 §118 ¶3: 责令改正，没收烧烤工具和违法所得，并处罚款 — confiscation is mandatory:
    # not on the spot (行政处罚法 §51)
    MatterRow("HJ-002", "在禁止区域内露天烧烤食品或为露天烧烤食品提供场地", "生态环境",
              f"{AIR}第八十一条第三款", f"{AIR}第一百一十八条第三款", False, False, (500, 20000), (500, 20000),
              other_penalty="没收烧烤工具和违法所得"),
    MatterRow("HJ-003", "餐饮服务业经营者未安装油烟净化设施或超标排放油烟", "生态环境",
              f"{AIR}第八十一条第一款", f"{AIR}第一百一十八条第一款", False, False, (5000, 50000), (5000, 50000)),
    MatterRow("HJ-004", "运输渣土、砂石等散装物料车辆未采取密闭措施防止遗撒", "生态环境",
              f"{AIR}第七十条", f"{AIR}第一百一十六条", True, False, (2000, 20000), (2000, 20000)),
    MatterRow("HJ-005", "施工单位未采取有效扬尘防治措施", "生态环境",
              f"{AIR}第六十九条", f"{AIR}第一百一十五条", False, False, None, (10000, 100000)),
    # §119 ¶2: 对单位处一万元以上十万元以下的罚款，对个人处五百元以上二千元以下的罚款
    MatterRow("HJ-006", "露天焚烧沥青、油毡、橡胶、塑料、皮革、垃圾等", "生态环境",
              f"{AIR}第八十二条", f"{AIR}第一百一十九条第二款", False, False, (500, 2000), (10000, 100000)),
    # 噪声法 §63 ¶1, §81 (二): 责令改正，处五千元以上五万元以下的罚款 — above the caps, no warning
    MatterRow("HJ-007", "商业经营活动中使用高音广播喇叭或其他持续反复发出高噪声的方法进行广告宣传", "生态环境",
              f"{NOISE}第六十三条第一款", f"{NOISE}第八十一条第（二）项", False, False, (5000, 50000), (5000, 50000)),
    MatterRow("HJ-008", "夜间在噪声敏感建筑物集中区域进行产生噪声的建筑施工作业", "生态环境",
              f"{NOISE}第四十三条", f"{NOISE}第七十七条", False, False, None, (10000, 100000)),
    # --- 市政公用 ------------------------------------------------------------
    # 城市道路管理条例 §42: 责令限期改正，可以处以2万元以下的罚款 — no warning, no minimum in the law
    MatterRow("SZ-001", "擅自占用或者挖掘城市道路", "市政公用",
              f"{ROAD}第二十七条第（一）项", f"{ROAD}第四十二条", True, False, (1, 20000), (1, 20000)),
    MatterRow("SZ-002", "机动车在桥梁或者非指定的城市道路上试刹车", "市政公用",
              f"{ROAD}第二十七条第（三）项", f"{ROAD}第四十二条", True, False, (1, 20000), (1, 20000)),
    # 城镇排水与污水处理条例 §50 ¶1: 可以处50万元以下罚款 (排水户: no separate range for individuals);
    # closed to simple procedure here by policy (a permit case needs investigation)
    MatterRow("SZ-003", "排水户未取得排水许可向城镇排水设施排放污水", "市政公用",
              f"{DRAIN}第二十一条第一款", f"{DRAIN}第五十条第一款", False, False, (1, 500000), (1, 500000)),
    # 城镇燃气管理条例 §50 ¶1: 对单位处5万元以上10万元以下罚款，对个人处5000元以上5万元以下罚款
    MatterRow("SZ-004", "在燃气设施保护范围内从事危及燃气设施安全的活动", "市政公用",
              f"{GAS}第三十三条第二款第（二）项至第（四）项", f"{GAS}第五十条第一款", False, False, (5000, 50000),
              (50000, 100000)),
    # --- 园林绿化 ------------------------------------------------------------
    # 城市绿化条例 §26, §27: 责令停止侵害（限期退还、恢复原状），可以并处罚款 — no warning
    MatterRow("LH-001", "损坏城市树木花草", "园林绿化",
              f"{GREEN}第二十条", f"{GREEN}第二十六条第（一）项", True, False, (50, 500), (200, 2000)),
    MatterRow("LH-002", "擅自占用城市绿化用地", "园林绿化",
              f"{GREEN}第二十条", f"{GREEN}第二十七条", True, False, (500, 5000), (1000, 10000)),
    # --- 城乡规划 ------------------------------------------------------------
    MatterRow("GH-001", "未取得建设工程规划许可证进行建设（违法建设）", "城乡规划",
              f"{PLAN}第四十条", f"{PLAN}第六十四条（建设工程造价 5%–10% 罚款）", False, False, None, None),
    MatterRow("GH-002", "临时建筑物、构筑物超过批准期限不拆除", "城乡规划",
              f"{PLAN}第四十四条", f"{PLAN}第六十六条", False, False, None, None),
    # --- 市场监管（赋权部分）----------------------------------------------------
    # §13: 责令停止违法行为，没收违法所得，并处1万元以下的罚款 — confiscation: not on the spot (§51)
    MatterRow("SC-001", "从事无证无照经营", "市场监管",
              f"{LIC}第二条", f"{LIC}第十三条", False, False, (1, 10000), (1, 10000), other_penalty="没收违法所得"),
    # --- 公共安全 ------------------------------------------------------------
    # §42 ¶2: 责令停止燃放，处100元以上500元以下的罚款 — no warning
    MatterRow("AQ-001", "在禁止燃放烟花爆竹的时间、地点燃放烟花爆竹", "公共安全",
              f"{FW}第二十八条", f"{FW}第四十二条第二款", True, False, (100, 500), None),
]

TIER_NAMES = ("轻微", "一般", "较重")
TIER_CIRCUMSTANCES = (
    "初次违法、及时改正、危害后果轻微",
    "经责令改正后改正，或造成一定影响",
    "拒不改正、多次违法或造成较大社会影响",
)
TIER_SPLITS = (0.0, 0.2, 0.5, 1.0)


def _round10(yuan: float) -> int:
    return int(round(yuan / 10.0)) * 10


def tiers_for(min_yuan: int, max_yuan: int, warning_allowed: bool) -> list[dict]:
    """Three illustrative discretion bands across the legal range (in fen)."""
    if min_yuan == max_yuan:
        return [{"level": 1, "name": "固定", "circumstances": "法定固定金额", "min_fen": min_yuan * 100,
                 "max_fen": max_yuan * 100, "warning": warning_allowed}]
    span = max_yuan - min_yuan
    bounds = [min_yuan] + [_round10(min_yuan + span * s) for s in TIER_SPLITS[1:-1]] + [max_yuan]
    tiers = []
    for level, name in enumerate(TIER_NAMES, start=1):
        low, high = bounds[level - 1], bounds[level]
        tiers.append({
            "level": level,
            "name": name,
            "circumstances": TIER_CIRCUMSTANCES[level - 1],
            "min_fen": low * 100,
            "max_fen": high * 100,
            "warning": warning_allowed and level == 1,
        })
    return tiers
