"""Tables to files for the desk: CSV (UTF-8 with a BOM, so Excel on a Chinese Windows opens
it right) and XLSX (openpyxl). Plain functions: rows in, bytes out."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any, Sequence

from ..models_base import LOCAL_TZ


# a cell that begins with one of these is read as a formula (or a DDE call) by Excel,
# WPS and LibreOffice: text from the field (a shop's name) must never run as one
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: Any) -> Any:
    """CSV: text that would start a formula gets a leading apostrophe (OWASP CSV injection)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_LEAD) else value


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return value


def columns_of(rows: Sequence[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        cols.extend(k for k in r if k not in cols)
    return cols


def to_csv(rows: Sequence[dict[str, Any]], columns: list[str] | None = None) -> bytes:
    columns = columns or columns_of(rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow(["" if r.get(c) is None else neutral(_cell(r.get(c))) for c in columns])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def to_xlsx(rows: Sequence[dict[str, Any]], columns: list[str] | None = None, title: str = "数据") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    columns = columns or columns_of(rows)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])

    def typed(value: Any) -> Any:
        """Text is written as text, never as a formula (openpyxl reads '=…' as one)."""
        if not isinstance(value, str):
            return value
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell

    ws.append([typed(c) for c in columns])
    for r in rows:
        ws.append([typed(_cell(r.get(c))) for c in columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
