"""Tables to files for the desk: CSV (UTF-8 with a BOM, so Excel on a Chinese Windows opens
it right) and XLSX (openpyxl). Plain functions: rows in, bytes out."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any, Sequence



# a cell that begins with one of these is read as a formula (or a DDE call) by Excel,
# WPS and LibreOffice: text from the field (a shop's name) must never run as one
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: Any) -> Any:
    """CSV: text that would start a formula gets a leading apostrophe (OWASP CSV injection)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_LEAD) else value


def to_csv(headers: list[str], body: Sequence[Sequence[Any]]) -> bytes:
    """Headers and rows already in words (columns.table); text that would start a formula is neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    for row in body:
        writer.writerow(["" if v is None else neutral(v) for v in row])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def to_xlsx(headers: list[str], body: Sequence[Sequence[Any]], title: str = "数据") -> bytes:
    """Dates and times as real Excel dates (local wall time, shown with their date); text as
    text, never as a formula (openpyxl reads '=…' as one)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])

    def typed(value: Any) -> Any:
        if isinstance(value, str):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"
            return cell
        if isinstance(value, datetime):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
            return cell
        if isinstance(value, date):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = "yyyy-mm-dd"
            return cell
        return value

    ws.append([typed(h) for h in headers])
    for row in body:
        ws.append([typed(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
