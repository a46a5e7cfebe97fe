"""GB 11643 resident ID and GB 32100 unified social credit code check characters."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from backend.identity_numbers import USCC_CATEGORIES, resident_id_check_char, uscc_check_char, valid_resident_id, valid_uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def test_published_examples():
    assert valid_resident_id("11010519491231002X")  # the example printed in GB 11643
    assert valid_resident_id("11010519491231002x")
    assert not valid_resident_id("110105194912310021")
    assert not valid_resident_id("110105194902300028")  # 30 February
    assert valid_uscc("91350100M000100Y43")  # a widely cited valid code
    assert not valid_uscc("91350100M000100Y44")
    assert not valid_uscc("91350100M000100Y4")  # 17 characters
    assert not valid_uscc("9135010OM000100Y43")  # letter O is not in the alphabet
    assert not valid_uscc(None)  # type: ignore[arg-type]


@given(st.text(alphabet="0123456789", min_size=6, max_size=6), st.dates(), st.text(alphabet="0123456789", min_size=3, max_size=3))
def test_any_resident_id_with_its_check_char_validates_and_any_other_char_fails(area, birth, seq):
    body = f"{area}{birth:%Y%m%d}{seq}"
    if birth.year < 1900:  # refused whatever the check character (the phone's dates agree only from 1900)
        assert not valid_resident_id(body + resident_id_check_char(body))
        return
    good = body + resident_id_check_char(body)
    assert valid_resident_id(good)
    for wrong in "0123456789X":
        if wrong != good[-1]:
            assert not valid_resident_id(body + wrong)


PAIRS = [a + c for a, cats in USCC_CATEGORIES.items() for c in cats]


@given(st.sampled_from(PAIRS), st.text(alphabet="0123456789", min_size=6, max_size=6),
       st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
def test_any_uscc_with_its_check_char_validates_and_a_single_change_fails(head, area, body):
    first17 = head + area + body
    good = first17 + uscc_check_char(first17)
    assert valid_uscc(good)
    # MOD 31 catches every single-character substitution
    for pos in range(18):
        for c in "0A":
            if good[pos] != c and not (2 <= pos < 8 and not c.isdigit()):
                assert not valid_uscc(good[:pos] + c + good[pos + 1:])


@given(st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2))
def test_a_credit_code_names_an_authority_and_a_category_it_registers(head):
    first17 = head + "330211" + "MA2H0000X"
    assert valid_uscc(first17 + uscc_check_char(first17)) == (head in PAIRS)
