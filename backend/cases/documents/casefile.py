"""The pages of the electronic case file (电子卷宗) that are not documents themselves: the
contents (卷内目录), a page per evidence item, and the manifest of SHA-256 values."""
from __future__ import annotations

import io
from typing import Any

from ...tickets.printing import pdf_font

SOURCE_ZH = {"photo": "照片", "video": "视频", "audio": "录音", "document": "书证", "inspection": "检查记录", "patrol": "巡查轨迹",
             "other": "其他"}


def _build(story_of: Any, title: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    font = pdf_font()

    def style(size: float = 11, align: int = 0) -> ParagraphStyle:
        return ParagraphStyle(f"s{size}{align}", fontName=font, fontSize=size, leading=size * 1.5, alignment=align, wordWrap="CJK")

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=22 * mm, rightMargin=20 * mm, topMargin=22 * mm, bottomMargin=20 * mm,
                            title=title, creator="综合行政执法", invariant=1)
    doc.build(story_of(style, font, doc.width))
    return buf.getvalue()


def _p(text: str, st: Any) -> Any:
    from xml.sax.saxutils import escape

    from reportlab.platypus import Paragraph

    return Paragraph(escape(text or ""), st)


def contents_pdf(manifest: dict[str, Any], case_title: str) -> bytes:
    """卷内目录: each item with its number and the page it starts on."""
    from reportlab.platypus import Spacer, Table, TableStyle

    def story(style: Any, font: str, width: float) -> list[Any]:
        rows = [[_p(h, style(10, 1)) for h in ("序号", "材料名称", "文书编号", "日期", "页码")]]
        for it in manifest["items"]:
            rows.append([_p(str(it["seq"]), style(10, 1)), _p(it["title"], style(10)), _p(it.get("number") or "", style(9)),
                         _p(it.get("on") or "", style(9, 1)), _p(str(it.get("page", "")), style(10, 1))])
        t = Table(rows, colWidths=[width * 0.08, width * 0.38, width * 0.32, width * 0.13, width * 0.09], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        return [_p("行政处罚案件卷宗", style(20, 1)), Spacer(1, 6), _p(case_title, style(13, 1)),
                _p(f"案号：{manifest.get('case_number') or '—'}", style(11, 1)), Spacer(1, 10), _p("卷内目录", style(15, 1)),
                Spacer(1, 6), t]

    return _build(story, "卷内目录")


def evidence_page(item: dict[str, Any], image: bytes | None) -> bytes:
    """One evidence item: what it is, where it came from, its SHA-256, and the photo itself."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Spacer

    def story(style: Any, font: str, width: float) -> list[Any]:
        out = [_p(f"证据 {item['seq']}：{item['title']}", style(14)), Spacer(1, 4),
               _p(f"类别：{SOURCE_ZH.get(item.get('source') or '', '其他')}　记录日期：{item.get('on') or ''}", style(10))]
        if item.get("ref"):
            out.append(_p(f"来源记录：{item['ref']}", style(10)))
        if item.get("sha256"):
            out.append(_p(f"原件 SHA-256：{item['sha256']}", style(9)))
        if item.get("source") in ("video", "audio"):
            # paper holds a still: the clip itself is kept by its hash and played from the electronic file
            length = f"时长 {int(item['duration_s'] // 60)} 分 {int(round(item['duration_s'] % 60))} 秒，" if item.get("duration_s") else ""
            still = "视频截取画面" if item["source"] == "video" else "录音波形图"
            out.append(_p(f"（视听资料：{length}以下为{still}；原件按上列 SHA-256 保存于电子卷宗，可调取播放）", style(10)))
        out.append(Spacer(1, 6))
        if image:
            from PIL import Image as PILImage

            with PILImage.open(io.BytesIO(image)) as im:
                w, h = im.size
            scale = min(width / w, (200 * mm) / h)
            out.append(Image(io.BytesIO(image), width=w * scale, height=h * scale))
        elif item.get("sha256"):
            out.append(_p("（原件尚未上传到服务器，卷宗中仅记载其 SHA-256）", style(10)))
        return out

    return _build(story, item["title"])


def manifest_pdf(manifest: dict[str, Any], case_title: str) -> bytes:
    """The manifest printed: what `flask audit verify --manifest` checks, item by item."""
    from reportlab.platypus import Spacer, Table, TableStyle

    def story(style: Any, font: str, width: float) -> list[Any]:
        rows = [[_p(h, style(9, 1)) for h in ("序号", "材料", "SHA-256")]]
        for it in manifest["items"]:
            rows.append([_p(str(it["seq"]), style(9, 1)), _p(f"{it['title']} {it.get('number') or ''}", style(9)),
                         _p(it.get("sha256") or "—", style(7))])
        t = Table(rows, colWidths=[width * 0.08, width * 0.42, width * 0.50], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        return [_p("卷宗清单（SHA-256）", style(15, 1)), _p(case_title, style(11, 1)), Spacer(1, 8), t, Spacer(1, 8),
                _p("每份文书的 SHA-256 在生成时已记入执法全过程记录（审计链），可用 flask audit verify --manifest 核对。", style(9))]

    return _build(story, "卷宗清单")
