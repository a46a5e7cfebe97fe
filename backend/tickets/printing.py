"""The printed decision (当场行政处罚决定书): HTML for A4 and 58/80 mm receipt printers,
and a PDF with the CJK font embedded, both carrying a QR code to the public
verification page. No Flask here: the view passes the ticket and the URL."""
from __future__ import annotations

import base64
import io
from datetime import datetime
from functools import lru_cache
from typing import Any

import qrcode
from jinja2 import Environment, select_autoescape
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from ..evidence.imaging import find_font
from ..models_base import LOCAL_TZ
from . import paper
from .rules import RULE_TABLE

KIND_ZH = {"fine": "罚款", "warning": "警告", "warning_fine": "警告，并处罚款", "education": "首违不罚（批评教育）"}
FINES = ("fine", "warning_fine")
ROUTE_ZH = {"bank": "自收到本决定书之日起十五日内，到指定银行或通过电子支付系统缴纳罚款",
            "on_the_spot": "当场收缴罚款，并出具专用票据"}
PAPER_CSS = {
    "a4": "@page{size:A4;margin:18mm} body{font-size:12pt;max-width:174mm}",
    "80mm": "@page{size:80mm auto;margin:3mm} body{font-size:9pt;width:74mm}",
    "58mm": "@page{size:58mm auto;margin:2mm} body{font-size:8pt;width:54mm}",
}


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def qr_png(url: str) -> bytes:
    img = qrcode.make(url, box_size=6, border=2)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def lines(t: dict[str, Any]) -> list[tuple[str, str]]:
    """The fields the law requires on the decision (§52), in print order."""
    issued: datetime = t["issued_at"].astimezone(LOCAL_TZ)
    party = t["party"]
    penalty = KIND_ZH.get(t["penalty"]["kind"], t["penalty"]["kind"])
    if t["penalty"]["kind"] in FINES:
        penalty += f" 人民币 {yuan(t['penalty']['amount_fen'])} 元"
    if t["penalty"]["kind"] == "education":  # §33: a decision not to punish, on its ground
        penalty = "不予行政处罚。" + RULE_TABLE["no_penalty_grounds"].get(t.get("no_penalty_ground") or "art33_1_first", "")
    tier = t.get("penalty_tier") if t["penalty"]["kind"] != "education" else None
    if tier:
        penalty += f"（裁量基准：{tier['name']}，{tier['circumstances']}）" if tier.get("circumstances") else f"（裁量基准：{tier['name']}）"
    officers = "；".join(f"{o['name']}（执法证号 {o['certificate']}）" for o in t["officers"])
    if t["signature"]["sha256"]:
        sign = "当事人已签名" if t["signature"].get("verified") else "当事人签名图像尚未上传核验"
    else:
        sign = f"当事人拒绝签名：{t['signature']['refused_note']}"
    decided = issued.strftime("%Y年%m月%d日 %H:%M")
    act = (t.get("violated_at") or t["issued_at"]).astimezone(LOCAL_TZ).strftime("%Y年%m月%d日 %H:%M")
    if t.get("violation_ended_at"):
        act += " 至 " + t["violation_ended_at"].astimezone(LOCAL_TZ).strftime("%Y年%m月%d日 %H:%M")
    out = [
        ("当事人", f"{party['name']}（{'公民' if party['type'] == 'citizen' else '法人或其他组织'}）"),
        ("证件号码" if party["type"] == "citizen" else "统一社会信用代码", party.get("id_number") or "—"),
        ("住址", party.get("address") or "—"),
        ("违法时间", act),
        ("违法地点", t["place"]["text"] or f"{t['place']['lat']:.6f}, {t['place']['lon']:.6f}"),
        ("违法事实", t["facts"]),
        ("违反规定", t["matter"]["legal_basis"]),
        ("处罚依据", t["matter"]["penalty_basis"]),
        ("告知与陈述申辩", paper.informed_notice((t.get("statement") or {}).get("said"))),
    ]
    if t.get("circumstances_text"):
        out.append(("从轻、减轻情节", t["circumstances_text"]))
    if t.get("correction"):
        out.append(("改正情况", t["correction"]))
    if t.get("prior_order_text"):
        out.append(("责令改正", t["prior_order_text"]))
    out.append(("决定" if t["penalty"]["kind"] == "education" else "处罚决定", penalty))
    if t["penalty"]["kind"] in FINES:
        out.append(("缴款", (t.get("payment_notice") or ROUTE_ZH[t["payment"]["route"]])
                    + ("（经当事人提出，第六十九条）" if t["payment"].get("exception") == "remote_area" else "")))
    out += [("执法人员", officers + "（已出示执法证件）"), ("执法人员签名", "＿＿＿＿＿＿　＿＿＿＿＿＿"),
            ("当事人签收", sign), ("救济途径", t["rights_notice"]), ("作出时间", decided)]
    return out


_ENV = Environment(autoescape=select_autoescape(default=True))
_HTML = _ENV.from_string("""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{{ title }} {{ t.number }}</title>
<style>{{ css }} body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;margin:0 auto;color:#000}
h1{font-size:1.4em;text-align:center;margin:.3em 0} .agency{text-align:center;font-weight:bold}
.no{text-align:center;margin-bottom:.6em} dl{margin:0} dt{font-weight:bold;margin-top:.4em} dd{margin:0 0 0 1em}
.qr{text-align:center;margin-top:1em} .qr img{width:32mm;height:32mm} .void{color:#c00;font-weight:bold;text-align:center;font-size:1.3em}
@media print{.noprint{display:none}}</style></head><body>
<div class="agency">{{ t.agency_name }}</div>
<h1>{{ title }}</h1>
<div class="no">{{ t.number }}</div>
{% if t.status == 'voided' %}<div class="void">已作废：{{ t.voided_reason }}</div>{% endif %}
<dl>{% for k, v in rows %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl>
<p>{{ t.agency_name }}<br>{{ issued }}</p>
<div class="qr"><img alt="核验二维码" src="data:image/png;base64,{{ qr }}"><br><small>扫码核验 {{ verify_url }}</small></div>
<p class="noprint"><button onclick="window.print()" style="font-size:1.2em;padding:.6em 2em">打印</button></p>
</body></html>""")


def title(t: dict[str, Any]) -> str:
    """§33: not punishing is a document of its own, not a penalty decision."""
    return "不予行政处罚决定书" if t["penalty"]["kind"] == "education" else "当场行政处罚决定书"


def render_html(t: dict[str, Any], verify_url: str, paper: str = "a4") -> str:
    return _HTML.render(t=t, rows=lines(t), title=title(t), css=PAPER_CSS[paper], verify_url=verify_url,
                        qr=base64.b64encode(qr_png(verify_url)).decode(),
                        issued=t["issued_at"].astimezone(LOCAL_TZ).strftime("%Y年%m月%d日"))


@lru_cache(maxsize=1)
def pdf_font() -> str:
    """The CJK font's name for reportlab, registered once a process (the decisions' and the
    case documents' PDFs embed a subset of it); `backend.warmup` registers it at a worker's
    start, since reading the font file costs ~0.2 s."""
    path = find_font()
    if path is None:
        raise RuntimeError("No CJK font installed (apt-get install fonts-wqy-microhei)")
    pdfmetrics.registerFont(TTFont("CJK", path, subfontIndex=0))
    return "CJK"


def render_pdf(t: dict[str, Any], verify_url: str, paper: str = "a4") -> bytes:
    """A PDF with the CJK font embedded (subset), for printing or sending."""
    font = pdf_font()
    rows = lines(t)
    width = A4[0] if paper == "a4" else (80 if paper == "80mm" else 58) * mm
    margin = 18 * mm if paper == "a4" else 3 * mm
    size = 11 if paper == "a4" else 8
    usable = width - 2 * margin

    def wrap(text: str, avail: float) -> list[str]:
        out, line = [], ""
        for ch in str(text):
            if stringWidth(line + ch, font, size) > avail:
                out.append(line)
                line = ch
            else:
                line += ch
        return out + ([line] if line else [])

    body: list[tuple[str, float, bool]] = []  # (text, indent, bold-ish heading)
    for k, v in rows:
        body.append((k, 0, True))
        body += [(ln, 4 * mm, False) for ln in wrap(v, usable - 4 * mm)]
    qr_side = 30 * mm
    leading = size * 1.45
    height = A4[1] if paper == "a4" else margin * 2 + leading * (len(body) + 6) + qr_side + 12 * mm
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height))
    c.setTitle(f"{title(t)} {t['number']}")
    c.setAuthor(t["agency_name"])
    y = height - margin

    def text(s: str, x: float, fsize: float = size, center: bool = False) -> None:
        nonlocal y
        if y < margin + leading:
            c.showPage()
            y = height - margin
        c.setFont(font, fsize)
        (c.drawCentredString(width / 2, y, s) if center else c.drawString(x, y, s))
        y -= fsize * 1.45

    text(t["agency_name"], 0, size, center=True)
    text(title(t), 0, size * 1.5, center=True)
    text(t["number"], 0, size, center=True)
    if t["status"] == "voided":
        text(f"已作废：{t['voided_reason']}", 0, size * 1.2, center=True)
    for s, indent, _heading in body:
        text(s, margin + indent)
    text(t["agency_name"] + "  " + t["issued_at"].astimezone(LOCAL_TZ).strftime("%Y年%m月%d日"), margin)
    if y - qr_side < margin:
        c.showPage()
        y = height - margin
    c.drawImage(ImageReader(io.BytesIO(qr_png(verify_url))), (width - qr_side) / 2, y - qr_side, qr_side, qr_side)
    y -= qr_side + 4
    text("扫码核验", 0, size * 0.9, center=True)
    c.showPage()
    c.save()
    return buf.getvalue()


_VERIFY = _ENV.from_string("""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>决定书核验</title>
<style>body{font:18px/1.6 system-ui,sans-serif;max-width:32em;margin:1em auto;padding:0 1em}
.ok{color:#060}.bad{color:#c00} dt{font-weight:bold}</style></head><body>
<h1>行政处罚决定书核验</h1>
{% if v %}<p class="{{ 'ok' if v.status == 'issued' else 'bad' }}">{{ '有效' if v.status == 'issued' else '已作废' }}</p>
<dl><dt>编号</dt><dd>{{ v.number }}</dd><dt>作出机关</dt><dd>{{ v.agency_name }}</dd><dt>日期</dt><dd>{{ v.issued_on }}</dd>
<dt>当事人</dt><dd>{{ v.party }}</dd><dt>处罚</dt><dd>{{ kind }}{% if v.amount_fen %} {{ amount }} 元{% endif %}</dd></dl>
{% else %}<p class="bad">未找到该决定书，请核对编号与校验码。</p>{% endif %}
</body></html>""")


def render_verify(v: dict[str, Any] | None) -> str:
    if v is None:
        return _VERIFY.render(v=None)
    return _VERIFY.render(v=v, kind=KIND_ZH.get(v["penalty_kind"], v["penalty_kind"]), amount=yuan(v["amount_fen"]))


_PUBLIC = _ENV.from_string("""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>行政处罚决定公示</title>
<style>body{font:16px/1.6 system-ui,sans-serif;max-width:60em;margin:1em auto;padding:0 1em}
table{border-collapse:collapse;width:100%} td,th{border:1px solid #999;padding:.3em .5em;text-align:left}</style></head><body>
<h1>行政处罚决定公示</h1>
{% if items %}<table><tr><th>决定书编号</th><th>作出机关</th><th>日期</th><th>当事人</th><th>违法事项</th><th>处罚</th></tr>
{% for d in items %}<tr><td>{{ d.number }}</td><td>{{ d.agency_name }}</td><td>{{ d.issued_on }}</td><td>{{ d.party }}</td>
<td>{{ d.matter }}</td><td>{{ kinds.get(d.penalty_kind, d.penalty_kind) }}{% if d.amount_fen %} {{ "%.2f"|format(d.amount_fen / 100) }} 元{% endif %}</td></tr>{% endfor %}
</table>{% else %}<p>暂无公示的处罚决定。</p>{% endif %}
{% if withdrawn %}<h2>已撤回的公示</h2>
<table><tr><th>决定书编号</th><th>作出机关</th><th>决定日期</th><th>撤回日期</th><th>撤回原因</th></tr>
{% for d in withdrawn %}<tr><td>{{ d.number }}</td><td>{{ d.agency_name }}</td><td>{{ d.issued_on }}</td><td>{{ d.withdrawn_on }}</td>
<td>{{ d.reason }}</td></tr>{% endfor %}</table>{% endif %}
</body></html>""")


def render_public_list(items: list[dict[str, Any]], withdrawn: list[dict[str, Any]] = ()) -> str:
    return _PUBLIC.render(items=items, withdrawn=list(withdrawn), kinds=KIND_ZH)
