import pytest
from django.core.exceptions import ValidationError

from lai_chau.fields import AmountFormField
from lai_chau.money import (
    AMOUNT_MALFORMED,
    MILLION,
    amount_in_words,
    format_million,
    format_million_vnd,
    format_vnd,
    parse_amount,
)


def test_amounts_are_formatted_in_vietnamese_notation():
    assert format_vnd(1_728_000_000) == "1.728.000.000 đồng"
    assert format_vnd(0) == "0 đồng"
    assert format_vnd(-1_000_000) == "-1.000.000 đồng"
    assert format_million_vnd(1_728_000_000) == "1.728 triệu đồng"
    assert format_million(12_500_000) == "12,5"
    assert format_million(1) == "0,000001"
    assert format_million(530_000_000) == "530"


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (1_728_000_000, "Một tỷ bảy trăm hai mươi tám triệu đồng"),
        (1_005_000_000, "Một tỷ không trăm linh năm triệu đồng"),
        (105_000_000, "Một trăm linh năm triệu đồng"),
        (21_000_000, "Hai mươi mốt triệu đồng"),
        (15_000, "Mười lăm nghìn đồng"),
        (5, "Năm đồng"),
        (10, "Mười đồng"),
        (11, "Mười một đồng"),
        (14, "Mười bốn đồng"),
        (15, "Mười lăm đồng"),
        (20, "Hai mươi đồng"),
        (21, "Hai mươi mốt đồng"),
        (25, "Hai mươi lăm đồng"),
        (31, "Ba mươi mốt đồng"),
        (55, "Năm mươi lăm đồng"),
        (100, "Một trăm đồng"),
        (101, "Một trăm linh một đồng"),
        (105, "Một trăm linh năm đồng"),
        (110, "Một trăm mười đồng"),
        (111, "Một trăm mười một đồng"),
        (115, "Một trăm mười lăm đồng"),
        (121, "Một trăm hai mươi mốt đồng"),
        (1_005, "Một nghìn không trăm linh năm đồng"),
        (1_010, "Một nghìn không trăm mười đồng"),
        (1_015, "Một nghìn không trăm mười lăm đồng"),
        (1_021, "Một nghìn không trăm hai mươi mốt đồng"),
        (1_100, "Một nghìn một trăm đồng"),
        (1_000_001, "Một triệu không trăm linh một đồng"),
        (1_000_000_005, "Một tỷ không trăm linh năm đồng"),
        (10_500_000, "Mười triệu năm trăm nghìn đồng"),
        (530_000_000, "Năm trăm ba mươi triệu đồng"),
        (999_999_999, "Chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng"),
        (2_000_000_000_000, "Hai nghìn tỷ đồng"),
        (1_001_000_000_000, "Một nghìn không trăm linh một tỷ đồng"),
        (12_345_678_901, "Mười hai tỷ ba trăm bốn mươi lăm triệu sáu trăm bảy mươi tám nghìn chín trăm linh một đồng"),
        (10**15, "Một triệu tỷ đồng"),
        (0, "0 đồng"),
    ],
)
def test_amounts_read_in_words_as_accounting_documents_write_them(amount, words):
    assert amount_in_words(amount) == words


def test_a_negative_amount_has_no_reading():
    with pytest.raises(ValueError):
        amount_in_words(-1)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("1.728.000.000", 1, 1_728_000_000),
        ("1728000000", 1, 1_728_000_000),
        ("1.728.000.000 đồng", 1, 1_728_000_000),
        (" 530.000.000 đ ", 1, 530_000_000),
        ("1.728", MILLION, 1_728_000_000),
        ("12,5", MILLION, 12_500_000),
        ("1.234,5", MILLION, 1_234_500_000),
        ("0,000001", MILLION, 1),
        ("0", 1, 0),
    ],
)
def test_vietnamese_notation_is_parsed_to_whole_dong(text, unit, expected):
    assert parse_amount(text, unit=unit) == expected


@pytest.mark.parametrize(
    ("text", "unit", "code"),
    [
        ("", 1, "required"),
        ("abc", 1, "malformed"),
        ("1,728,000", 1, "malformed"),  # English grouping: ambiguous, refused
        ("1.5", 1, "malformed"),  # English decimal point: refused, not read as 15
        ("1.72.000", 1, "malformed"),
        ("12,5", 1, "fractional"),  # half a đồng
        ("0,0000001", MILLION, "fractional"),
        ("0,999999999999999999999999999999", MILLION, "fractional"),  # no rounding to 1.000.000 đồng
        ("-5", 1, "negative"),
        ("-5.000", MILLION, "negative"),
        ("99999999999999999999", 1, "too_large"),
        ("1e9", 1, "malformed"),
    ],
)
def test_bad_amounts_are_refused_with_a_reason(text, unit, code):
    with pytest.raises(ValidationError) as error:
        parse_amount(text, unit=unit)
    assert error.value.code == code


@pytest.mark.parametrize(
    "text",
    [
        "١٢٣",  # Arabic-Indic digits
        "１２３",  # full-width digits
        "𝟏𝟐",  # mathematical bold digits
        "１.２３４",  # full-width digits in Vietnamese grouping
        "12,٥",  # an ASCII amount with a non-ASCII decimal
        "۱۲",  # Extended Arabic-Indic (Persian) digits
    ],
)
@pytest.mark.parametrize("unit", [1, MILLION])
def test_only_ascii_digits_make_an_amount(text, unit):
    with pytest.raises(ValidationError) as error:
        parse_amount(text, unit=unit)
    assert error.value.code == "malformed"
    assert error.value.messages == [str(AMOUNT_MALFORMED % {"value": text})]
    assert "không phải là số tiền hợp lệ" in error.value.messages[0]


def test_a_very_long_input_is_refused_without_working_on_its_digits():
    with pytest.raises(ValidationError) as error:
        parse_amount("1" * 100_000)
    assert error.value.code == "malformed"
    assert len(error.value.messages[0]) < 400


@pytest.mark.parametrize("text", ["١٢٣", "１２３", "𝟏𝟐"])
def test_the_amount_form_field_of_every_form_and_the_admin_refuses_other_digits(text):
    """AmountField's form field is what the admin's and the app's forms use for every amount."""
    for unit in (1, MILLION):
        with pytest.raises(ValidationError) as error:
            AmountFormField(unit=unit).clean(text)
        assert error.value.code == "malformed"
