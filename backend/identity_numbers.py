"""Chinese identity numbers and the documents a party may carry (plain functions, no Flask).

* 18-digit resident identity number, GB 11643-1999 (ISO 7064 MOD 11-2), with a real birth
  date no earlier than 1900 (the phone's port agrees on every value: JavaScript dates map
  years below 100 to the 1900s, so such years are refused on both sides);
* 港澳台居民居住证: the same 18-digit structure with address code 810000 (Hong Kong),
  820000 (Macao) or 830000 (Taiwan);
* 外国人永久居留身份证: the 2023 18-digit card (first digit 9, birth date at 7–14, MOD 11-2)
  or the 2017 15-character card (three-letter nationality, 12 digits);
* passport: 5–20 letters and digits (its birth date is recorded separately);
* 18-character unified social credit code, GB 32100-2015 (MOD 31), whose registration
  authority and organisation category must be a pair the standard defines.
Values are compared upper-cased (a phone keyboard gives lower-case x).
"""
from __future__ import annotations

import re
from datetime import date

__all__ = ["valid_resident_id", "valid_uscc", "resident_id_check_char", "uscc_check_char", "birth_date_of",
           "valid_document", "DOCUMENT_TYPES", "USCC_CATEGORIES", "is_individual_business"]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
MIN_BIRTH_YEAR = 1900

# GB 32100-2015 Annex A: registration authority -> the organisation categories it registers
USCC_CATEGORIES: dict[str, str] = {
    "1": "1239",      # 机构编制: 机关, 事业单位, 中央编办直管群众团体, 其他
    "2": "19",        # 外交
    "3": "123459",    # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",        # 文化
    "5": "1239",      # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",       # 旅游
    "7": "129",       # 宗教
    "8": "19",        # 工会
    "9": "123",       # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",        # 中央军委改革和编制办公室
    "N": "1239",      # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",         # 其他
}

# party document types (§84: foreigners are punished under this law too)
DOCUMENT_TYPES = ("resident_id", "hmt_residence_permit", "foreign_permanent_residence", "passport")


def resident_id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def _birth(number: str) -> date | None:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return born if born.year >= MIN_BIRTH_YEAR else None


def valid_resident_id(number: str, on: date | None = None) -> bool:
    """18 digits (last may be X), a real birth date (1900 to `on`), the right check character."""
    if not isinstance(number, str) or not re.fullmatch(r"\d{17}[\dXx]", number):
        return False
    born = _birth(number)
    if born is None or (on is not None and born > on):
        return False
    return resident_id_check_char(number[:17]) == number[17].upper()


def birth_date_of(doc_type: str, number: str | None) -> date | None:
    """The birth date an identity number carries (18-digit structures), else None."""
    if not number or doc_type not in ("resident_id", "hmt_residence_permit", "foreign_permanent_residence"):
        return None
    if len(number) != 18:
        return None
    return _birth(number)


def valid_document(doc_type: str, number: str, on: date | None = None) -> bool:
    """Is `number` well formed for its document type (upper-cased first)?"""
    number = (number or "").upper()
    if doc_type == "resident_id":
        return valid_resident_id(number, on) and number[:6] not in ("810000", "820000", "830000")
    if doc_type == "hmt_residence_permit":
        return valid_resident_id(number, on) and number[:6] in ("810000", "820000", "830000")
    if doc_type == "foreign_permanent_residence":
        if re.fullmatch(r"[A-Z]{3}\d{12}", number):
            return True
        return number[:1] == "9" and valid_resident_id(number, on)
    if doc_type == "passport":
        return bool(re.fullmatch(r"[A-Z0-9]{5,20}", number))
    return False


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def valid_uscc(code: str) -> bool:
    """Charset, a registration authority and category pair of GB 32100, and the check character."""
    if not isinstance(code, str):
        return False
    code = code.upper()
    if not _USCC_RE.fullmatch(code) or code[1] not in USCC_CATEGORIES.get(code[0], ""):
        return False
    return uscc_check_char(code[:17]) == code[17]


def is_individual_business(code: str | None) -> bool:
    """个体工商户: registered by 工商 (9) in category 2."""
    return bool(code) and code.upper().startswith("92")
