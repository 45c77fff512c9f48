"""Plan numbers are typed as written on the document: "512/KH-UBND" (lai_chau.fields.DocumentNumberField)."""

import pytest
from django.core.exceptions import ValidationError

from lai_chau.fields import DocumentNumber, DocumentNumberField


@pytest.mark.parametrize(
    ("typed", "number", "symbol"),
    [
        ("512/KH-UBND", 512, "KH-UBND"),
        ("512/KH-UBND ", 512, "KH-UBND"),
        ("  4159/KH-UBND", 4159, "KH-UBND"),
        ("512", 512, None),
        (" 512 ", 512, None),
        ("512 / KH-UBND", 512, "KH-UBND"),
        ("45/KH-BCĐ", 45, "KH-BCĐ"),
        ("12/QĐ-TTg", 12, "QĐ-TTg"),
        ("7/TT-BLĐTBXH", 7, "TT-BLĐTBXH"),
        ("3/KH-ĐTN", 3, "KH-ĐTN"),
        ("30/KH-UBND-VX", 30, "KH-UBND-VX"),
        ("999999/KH", 999_999, "KH"),
        ("12/KH-BCĐ135", 12, "KH-BCĐ135"),
    ],
)
def test_a_number_and_symbol_typed_as_written_is_read_apart(typed, number, symbol):
    assert DocumentNumberField().clean(typed) == DocumentNumber(number, symbol)


def test_vietnamese_letters_typed_decomposed_are_read_composed():
    """Some keyboards send "Ộ" as O + two combining marks (NFD); it is read, and kept, as one letter (NFC)."""
    assert DocumentNumberField().clean("5/KH-HO\u0302\u0323I") == DocumentNumber(5, "KH-H\u1ed8I")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("KH-UBND", "malformed"),
        ("/KH-UBND", "malformed"),
        ("512/", "malformed"),
        ("512/KH UBND", "malformed"),
        ("512/KH--UBND", "malformed"),
        ("512/KH-UBND-", "malformed"),
        ("512/-UBND", "malformed"),
        ("512/KH-UBND/2024", "malformed"),
        ("512-KH-UBND", "malformed"),
        ("512.5", "malformed"),
        ("５１２/KH-UBND", "malformed"),  # full-width digits
        ("512/KH_UBND", "malformed"),
        ("512/1KH", "malformed"),
        ("số 512/KH-UBND", "malformed"),
        ("0", "range"),
        ("0/KH-UBND", "range"),
        ("1000000/KH-UBND", "range"),
        ("512/" + "K" * 41, "symbol_length"),
        ("1" * 500, "malformed"),
    ],
)
def test_malformed_numbers_are_refused_in_vietnamese(typed, code):
    with pytest.raises(ValidationError) as error:
        DocumentNumberField().clean(typed)
    assert error.value.code == code
    message = error.value.messages[0]
    expected = {
        "malformed": "không phải là số, ký hiệu văn bản",
        "range": "Số văn bản phải từ 1 đến 999.999.",
        "symbol_length": "Ký hiệu quá dài: tối đa 40 ký tự.",
    }
    assert expected[code] in message
    assert len(message) < 250


def test_the_refusal_quotes_what_was_typed():
    with pytest.raises(ValidationError) as error:
        DocumentNumberField().clean("512/KH UBND")
    assert error.value.messages == [
        "“512/KH UBND” không phải là số, ký hiệu văn bản: hãy viết như trên văn bản, ví dụ 512/KH-UBND."
    ]


def test_an_empty_box_is_required_unless_optional():
    with pytest.raises(ValidationError) as error:
        DocumentNumberField().clean("  ")
    assert error.value.code == "required"
    assert DocumentNumberField(required=False).clean("") is None


def test_the_box_shows_the_number_and_symbol_it_holds():
    field = DocumentNumberField()
    assert field.prepare_value(DocumentNumber(4159, "KH-UBND")) == "4159/KH-UBND"
    assert field.prepare_value(DocumentNumber(512, None)) == "512"
    assert field.has_changed(DocumentNumber(4159, "KH-UBND"), "4159/KH-UBND ") is False
    assert field.has_changed(DocumentNumber(4159, "KH-UBND"), "4160/KH-UBND") is True
    assert 'placeholder="512/KH-UBND"' in field.widget.render("number", "")
    assert 'type="text"' in field.widget.render("number", "")
