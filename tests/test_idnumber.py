import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.masking import mask_id_number
from residents import idnumber

VALID = "11010519491231002X"


def test_the_reference_number_is_valid():
    info = idnumber.parse(VALID)
    assert info.number == VALID
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.gender == "2"  # 17th digit 2 is even: female


@pytest.mark.parametrize("position", range(17))
def test_changing_any_digit_breaks_it(position):
    digit = VALID[position]
    for replacement in "0123456789":
        if replacement == digit:
            continue
        broken = VALID[:position] + replacement + VALID[position + 1 :]
        with pytest.raises(ValidationError):
            idnumber.parse(broken)


def test_changing_the_check_character_breaks_it():
    for replacement in "0123456789":
        with pytest.raises(ValidationError) as err:
            idnumber.parse(VALID[:17] + replacement)
        assert "校验位" in err.value.messages[0]


def test_lower_case_x_and_full_width_characters_are_accepted_and_normalised():
    assert idnumber.parse("11010519491231002x").number == VALID
    assert idnumber.parse("１１０１０５１９４９１２３１００２Ｘ").number == VALID
    assert idnumber.parse(" 110105 19491231 002X ").number == VALID


def test_a_15_digit_legacy_number_is_converted_to_18():
    info = idnumber.parse("110105491231002")
    assert info.number == VALID
    assert info.birth_date == dt.date(1949, 12, 31)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "不能为空"),
        ("1101051949123100", "18位"),
        ("11010519491231002Y", "最后一位"),
        ("99010519491231002X", "地址码"),
        ("110105194902300026", "出生日期"),
    ],
)
def test_bad_numbers_get_a_chinese_reason(raw, fragment):
    with pytest.raises(ValidationError) as err:
        idnumber.parse(raw)
    assert fragment in err.value.messages[0]


def test_a_birth_date_in_the_future_is_refused():
    body = "11010520990101001"
    with pytest.raises(ValidationError) as err:
        idnumber.parse(body + idnumber.check_char(body), today=dt.date(2026, 11, 22))
    assert "不合理" in err.value.messages[0]


def test_mask_keeps_region_and_last_four():
    assert mask_id_number(VALID) == "110105********002X"
    assert mask_id_number("") == ""
