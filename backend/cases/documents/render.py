"""General-procedure case documents (一般程序文书): templates as data, rendered to PDF.

No Flask and no database here: the caller passes a template (the default from
templates.json, or a province's adjusted copy stored by an administrator) and a context.

Template format (JSON object)::

    {"kind": "prior_notice", "title": "行政处罚事先告知书", "version": 1,
     "font_size": 11, "paper": "A4", "blocks": [ ... ]}

`kind` is one of KINDS, `title` is plain text, `font_size` 8–16 (points), `paper` A4/A5/B5;
other top-level keys are ignored (a store may keep its own bookkeeping there). The issuing
authority, the title (large, centred) and the document number are printed above the
blocks on the first page; every page carries "第 N 页 共 M 页" at the bottom. Blocks, in
print order; every block and every row may carry `"when": "<jinja expression>"` and is left
out when it is false:

* `heading`    {"text", "align"?}                  a line in a larger size
* `paragraph`  {"text", "align"?, "indent"?}        first line indented two characters unless
  `indent` is false; left out when it renders empty. `align`: left/center/right/justify
* `fields`     {"rows", "label_width"?}             a ruled two-column table; a row is
  `[label, value]` or `{"label", "value", "when"?}`; an empty value prints "—"
* `signatures` {"rows"}                             label and a line to sign on (value above it)
* `qa`         {"source", "q_label"?, "a_label"?}   question/answer pairs `[{q, a}]` (询问笔录)
* `list`       {"source", "item", "numbered"?, "empty"?}   one line per item, `item` sees `item`
* `stamp`      {"lines"?}                           right-aligned authority name and date (by
  default `agency.authority_name` and `issued_on`), the seal image drawn over them if given
* `spacer`     {"height"}                           blank space in millimetres

Texts, labels, values and items are Jinja; `source` and `when` are Jinja expressions. They
run in an immutable sandbox (an administrator's template must not reach Python internals);
missing values render empty. The whole rendered text is escaped, so neither the template
nor a party's name can inject reportlab markup; a newline becomes a line break. Filters:
`yuan` (fen → "500.00"), `money` (fen → "500.00元", empty when missing), `cn_date`
(date → "2026年11月30日", datetime → "2026年11月30日 14时05分" in Asia/Shanghai; naive
datetimes are taken as UTC, as stored), `names` (["甲", {"name": "乙"}] → "甲、乙") and
`officers` (handlers → "张三（执法证号：…）、李四（执法证号：…）").
"""
from __future__ import annotations

import io
import json
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape

from jinja2 import ChainableUndefined, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ...clock import LOCAL_TZ
from ...tickets.printing import pdf_font  # the decisions' CJK font, registered once

KINDS = ("filing_approval", "questioning", "site_inspection", "correction_order", "prior_notice", "hearing_notice",
         "hearing", "legal_review", "discussion", "decision", "service_receipt", "closure_approval")
BLOCK_KEYS: dict[str, tuple[set[str], set[str]]] = {  # type -> (required keys, optional keys)
    "heading": ({"text"}, {"align"}),
    "paragraph": ({"text"}, {"align", "indent"}),
    "fields": ({"rows"}, {"label_width"}),
    "signatures": ({"rows"}, set()),
    "qa": ({"source"}, {"q_label", "a_label"}),
    "list": ({"source", "item"}, {"numbered", "empty"}),
    "stamp": (set(), {"lines"}),
    "spacer": ({"height"}, set()),
}
ALIGN = {"left": 0, "center": 1, "right": 2, "justify": 4}
PAPERS = ("A4", "A5", "B5")
STAMP_LINES = ["{{ agency.authority_name }}", "{{ issued_on | cn_date }}"]


def yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def _missing(v: Any) -> bool:
    return v is None or isinstance(v, ChainableUndefined) or v == ""


def _cn_date(v: Any, time: bool = True) -> str:
    if _missing(v):
        return ""
    if isinstance(v, str):
        v = date.fromisoformat(v) if len(v) == 10 else datetime.fromisoformat(v)
    if isinstance(v, datetime):
        local = (v if v.tzinfo else v.replace(tzinfo=timezone.utc)).astimezone(LOCAL_TZ)
        day = f"{local.year}年{local.month}月{local.day}日"
        return f"{day} {local.hour}时{local.minute:02d}分" if time else day
    return f"{v.year}年{v.month}月{v.day}日"


def _names(v: Any) -> str:
    return v if isinstance(v, str) else "、".join(str(x.get("name") or "") if isinstance(x, dict) else str(x) for x in (v or []) if x)


def _officers(v: Any) -> str:
    return "、".join(f"{h.get('name') or ''}（执法证号：{h.get('certificate') or '—'}）"
                    for h in (v or []) if isinstance(h, dict))


_ENV = ImmutableSandboxedEnvironment(autoescape=False, undefined=ChainableUndefined,
                                     finalize=lambda v: "" if v is None else v)
_ENV.filters.update(yuan=lambda v: "" if _missing(v) else yuan(int(v)),
                    money=lambda v: "" if _missing(v) else yuan(int(v)) + "元",
                    cn_date=_cn_date, names=_names, officers=_officers)


@lru_cache(maxsize=1024)
def _template(src: str) -> Any:
    return _ENV.from_string(src)


@lru_cache(maxsize=1024)
def _expression(src: str) -> Callable[..., Any]:
    return _ENV.compile_expression(src, undefined_to_none=False)


def default_templates() -> dict[str, dict]:
    """kind -> template, fresh copies (a caller may edit one without touching the defaults)."""
    return json.loads((Path(__file__).with_name("templates.json")).read_text(encoding="utf-8"))


def _row(row: Any) -> tuple[Any, Any, Any]:
    if isinstance(row, dict):
        return row.get("label"), row.get("value"), row.get("when")
    return (row[0], row[1], None) if isinstance(row, list) and len(row) == 2 else (None, None, None)


def validate_template(t: dict) -> list[str]:
    """The problems that would stop `t` from rendering; [] when it is fine."""
    if not isinstance(t, dict):
        return ["template must be an object"]
    problems: list[str] = []

    def jinja(where: str, src: Any, expression: bool = False) -> None:
        if not isinstance(src, str):
            problems.append(f"{where}: must be a string")
            return
        try:
            _ENV.compile_expression(src) if expression else _ENV.parse(src)
        except TemplateSyntaxError as e:
            problems.append(f"{where}: Jinja syntax error: {e.message} (line {e.lineno})")

    if t.get("kind") not in KINDS:
        problems.append(f"kind: unknown kind {t.get('kind')!r}")
    if not isinstance(t.get("title"), str) or not t["title"].strip():
        problems.append("title: missing")
    if t.get("paper", "A4") not in PAPERS:
        problems.append(f"paper: must be one of {', '.join(PAPERS)}")
    fs = t.get("font_size", 11)
    if isinstance(fs, bool) or not isinstance(fs, (int, float)) or not 8 <= fs <= 16:
        problems.append("font_size: must be a number from 8 to 16")
    blocks = t.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        return problems + ["blocks: must be a non-empty list"]
    for i, b in enumerate(blocks):
        at = f"blocks[{i}]"
        if not isinstance(b, dict) or not isinstance(b.get("type"), str) or b["type"] not in BLOCK_KEYS:
            problems.append(f"{at}: unknown block type {b.get('type') if isinstance(b, dict) else b!r}")
            continue
        required, optional = BLOCK_KEYS[b["type"]]
        problems += [f"{at}: missing {k!r}" for k in sorted(required - b.keys())]
        problems += [f"{at}: unknown key {k!r}" for k in sorted(b.keys() - required - optional - {"type", "when"})]
        for key in ("text", "item", "empty", "q_label", "a_label"):
            if key in b:
                jinja(f"{at}.{key}", b[key])
        for key in ("source", "when"):
            if key in b:
                jinja(f"{at}.{key}", b[key], expression=True)
        if not isinstance(b.get("align", "left"), str) or b.get("align", "left") not in ALIGN:
            problems.append(f"{at}.align: must be one of {', '.join(ALIGN)}")
        for key in ("height", "label_width"):
            if key in b and (isinstance(b[key], bool) or not isinstance(b[key], (int, float)) or not 0 < b[key] <= 200):
                problems.append(f"{at}.{key}: must be a number of millimetres")
        if "lines" in b and not isinstance(b["lines"], list):
            problems.append(f"{at}.lines: must be a list")
        for j, line in enumerate(b.get("lines") or []):
            jinja(f"{at}.lines[{j}]", line)
        if "rows" in b and not isinstance(b["rows"], list):
            problems.append(f"{at}.rows: must be a list")
            continue
        for j, row in enumerate(b.get("rows") or []):
            label, value, when = _row(row)
            if label is None or value is None:
                problems.append(f"{at}.rows[{j}]: must be [label, value] or {{label, value, when}}")
                continue
            jinja(f"{at}.rows[{j}].label", label)
            jinja(f"{at}.rows[{j}].value", value)
            if when is not None:
                jinja(f"{at}.rows[{j}].when", when, expression=True)
    return problems


def render_pdf(template: dict, context: dict, seal_png: bytes | None = None) -> bytes:
    """The document as PDF bytes; ValueError if the template does not validate."""
    from reportlab.lib import pagesizes
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    problems = validate_template(template)
    if problems:
        raise ValueError("invalid template: " + "; ".join(problems))
    font, size = pdf_font(), float(template.get("font_size", 11))
    ctx = dict(context)

    def text(src: str, **extra: Any) -> str:
        return _template(src).render({**ctx, **extra}).strip()

    def truthy(expr: str | None, **extra: Any) -> bool:
        return expr is None or bool(_expression(expr)(**{**ctx, **extra}))

    def style(name: str, scale: float = 1.0, align: str = "left", indent: bool = False, before: float = 0) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size * scale, leading=size * scale * 1.6, spaceBefore=before,
                              alignment=ALIGN[align], wordWrap="CJK", firstLineIndent=size * 2 if indent else 0)

    def para(s: str, st: ParagraphStyle) -> Paragraph:
        # everything is escaped: neither template nor values may carry reportlab markup
        return Paragraph(escape(s).replace("\n", "<br/>"), st)

    class Stamp(Flowable):
        """Authority and date right-aligned; the seal (about 40 mm) over them, its alpha kept."""

        def __init__(self, lines: list[str]) -> None:
            super().__init__()
            self.lines, self.side = lines, 40 * mm

        def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
            self.width = avail_w
            self.height = max(self.side + 4 * mm if seal_png else 0, size * 1.8 * len(self.lines) + 6 * mm)
            return self.width, self.height

        def draw(self) -> None:
            c, widest = self.canv, max([stringWidth(s, font, size) for s in self.lines] + [0])
            cx = self.width - max(widest / 2, self.side / 2) - 6 * mm
            top = self.height / 2 + size * 1.8 * (len(self.lines) - 1) / 2
            c.setFont(font, size)
            for i, s in enumerate(self.lines):
                c.drawCentredString(cx, top - i * size * 1.8 - size / 3, s)
            if seal_png:
                c.drawImage(ImageReader(io.BytesIO(seal_png)), cx - self.side / 2, (self.height - self.side) / 2,
                            self.side, self.side, mask="auto", preserveAspectRatio=True)

    page = getattr(pagesizes, template.get("paper", "A4"))
    margins = dict(leftMargin=26 * mm, rightMargin=24 * mm, topMargin=25 * mm, bottomMargin=22 * mm)
    usable = page[0] - margins["leftMargin"] - margins["rightMargin"]
    body, plain = style("body", indent=True), style("plain")
    agency = ctx.get("agency") or {}
    story: list[Any] = [para(agency.get("authority_name") or "", style("authority", 1.25, "center")),
                        para(template["title"], style("title", 1.9, "center")),
                        para(ctx.get("number") or "", style("number", 1.0, "center")), Spacer(1, 4 * mm)]
    grid = [("FONTNAME", (0, 0), (-1, -1), font), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    for b in template["blocks"]:
        if not truthy(b.get("when")):
            continue
        kind = b["type"]
        if kind in ("heading", "paragraph"):
            s = text(b["text"])
            if s:
                st = (style("heading", 1.15, b.get("align", "left"), before=size * 0.6) if kind == "heading"
                      else style("p", 1.0, b.get("align", "left"), b.get("indent", True)))
                story.append(para(s, st))
        elif kind in ("fields", "signatures"):
            rows = [(text(label), text(value)) for label, value, when in map(_row, b["rows"]) if truthy(when)]
            if not rows:
                continue
            if kind == "fields":
                lw = b.get("label_width", 32) * mm
                data = [[para(k, style("l", align="center")), para(v or "—", plain)] for k, v in rows]
                t = Table(data, colWidths=[lw, usable - lw], splitInRow=int(size * 3), hAlign="LEFT")
                t.setStyle(TableStyle(grid + [("GRID", (0, 0), (-1, -1), 0.6, "black")]))
            else:
                # the label column fits the longest label, so the line to sign on starts at one place
                lw = min(usable / 2, max(stringWidth(k + "：", font, size) for k, _ in rows) + 8 * mm)
                data = [[para(k + "：", plain), para(v, plain)] for k, v in rows]
                t = Table(data, colWidths=[lw, usable - lw], hAlign="LEFT")
                t.setStyle(TableStyle(grid + [("LINEBELOW", (1, 0), (1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                                              ("TOPPADDING", (0, 0), (-1, -1), size * 1.5)]))
            story += [Spacer(1, 2 * mm), t, Spacer(1, 2 * mm)]
        elif kind in ("qa", "list"):
            items = _expression(b["source"])(**ctx)
            items = list(items) if isinstance(items, (list, tuple)) else []
            if kind == "qa":
                q, a = text(b.get("q_label", "问：")), text(b.get("a_label", "答："))
                for it in items:
                    it = it if isinstance(it, dict) else {}
                    story += [para(q + str(it.get("q") or ""), plain), para(a + str(it.get("a") or ""), plain)]
            else:
                for n, it in enumerate(items, 1):
                    story.append(para((f"{n}. " if b.get("numbered") else "") + text(b["item"], item=it), body))
                if not items and b.get("empty"):
                    story.append(para(text(b["empty"]), body))
        elif kind == "stamp":
            story += [Spacer(1, 6 * mm), Stamp([text(s) for s in b.get("lines", STAMP_LINES)])]
        elif kind == "spacer":
            story.append(Spacer(1, b["height"] * mm))

    class NumberedCanvas(Canvas):
        """Keeps every page until the end, so the footer can say how many there are."""

        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, **kw)
            self._saved: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for state in self._saved:
                self.__dict__.update(state)
                self.setFont(font, 9)
                self.drawCentredString(page[0] / 2, 12 * mm, f"第 {self._pageNumber} 页 共 {len(self._saved)} 页")
                super().showPage()
            super().save()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=page, title=template["title"], subject=ctx.get("number") or "",
                            author=agency.get("authority_name") or "", creator="综合行政执法", invariant=1, **margins)
    doc.build(story, canvasmaker=NumberedCanvas)
    return buf.getvalue()
