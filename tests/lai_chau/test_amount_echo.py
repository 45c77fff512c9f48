"""Every amount box echoes what it reads, in full đồng, under itself (lai_chau.fields.AmountInput)."""

import re

import pytest
from django import forms

from lai_chau.fields import AmountFormField
from lai_chau.money import MILLION
from tests.pagetext import visible_text


class _Form(forms.Form):
    dong = AmountFormField(required=False)
    million = AmountFormField(unit=MILLION, required=False, help_text="Đơn vị: triệu đồng")


def _echo(html: str, name: str) -> str:
    match = re.search(rf'<span class="amount-echo"[^>]*id="id_{name}_echo"[^>]*>(.*?)</span>', html, re.S)
    assert match, html
    return visible_text(match[1])


@pytest.mark.parametrize(
    ("name", "typed", "echo"),
    [
        ("million", "12,345", "= 12.345.000 đồng"),
        ("million", "1.728", "= 1.728.000.000 đồng"),
        ("million", "0,000001", "= 1 đồng"),
        ("million", "12,5 triệu", "= 12.500.000 đồng"),
        ("dong", "1.728.000.000", "= 1.728.000.000 đồng"),
        ("dong", "1728000000 đ", "= 1.728.000.000 đồng"),
        ("dong", "0", "= 0 đồng"),
        ("dong", "1,728,000", "Chưa phải số tiền: viết như 1.234.567 hoặc 12,5"),
        ("dong", "abc", "Chưa phải số tiền: viết như 1.234.567 hoặc 12,5"),
        ("dong", "１２３", "Chưa phải số tiền: viết như 1.234.567 hoặc 12,5"),
        ("dong", "12,5", "Số tiền không được lẻ dưới 1 đồng"),
        ("million", "0,0000001", "Số tiền không được lẻ dưới 1 đồng"),
        ("dong", "-5", "Số tiền không được âm"),
        ("million", "9.999.999.999", "Số tiền quá lớn"),
        ("dong", "", ""),
        ("dong", "đồng", ""),  # a unit and no figure: nothing to read yet (the form says an amount is required)
    ],
)
def test_a_refused_or_accepted_post_echoes_what_was_typed(name, typed, echo):
    """After a post the page is shown again with the typed text and, under it, what it was read as."""
    html = str(_Form({name: typed})[name])
    assert _echo(html, name) == echo


def test_a_saved_amount_echoes_its_full_value():
    form = _Form(initial={"dong": 1_728_000_000, "million": 12_345_000})
    assert 'value="12,345"' in str(form["million"]) and _echo(str(form["million"]), "million") == "= 12.345.000 đồng"
    assert 'value="1.728.000.000"' in str(form["dong"]) and _echo(str(form["dong"]), "dong") == "= 1.728.000.000 đồng"


def test_the_echo_is_a_polite_live_region_the_box_is_described_by():
    html = str(_Form(initial={"million": 12_345_000})["million"])
    box = re.search(r"<input[^>]*>", html)[0]
    assert 'type="text"' in box and 'inputmode="decimal"' in box
    assert 'data-amount-unit="1000000"' in box
    described_by = re.search(r'aria-describedby="([^"]*)"', box)[1].split()
    assert described_by == ["id_million_helptext", "id_million_echo"]  # the help text stays linked too
    assert re.search(r'<span class="amount-echo" aria-live="polite" id="id_million_echo"', html)
    # The script shows the same hints as the server; they come from the page, in Vietnamese.
    assert 'data-hint-malformed="Chưa phải số tiền: viết như 1.234.567 hoặc 12,5"' in html
    assert 'data-hint-too-large="Số tiền quá lớn"' in html


def test_an_invalid_box_is_described_by_its_error_and_its_echo():
    form = _Form({"dong": "12,5"})
    form.is_valid()
    box = re.search(r"<input[^>]*>", str(form["dong"]))[0]
    assert re.search(r'aria-describedby="id_dong_error id_dong_echo"', box)


def test_a_unit_chosen_once_bound_is_the_one_the_echo_reads():
    """A form may set the unit from a "typed in" choice after it is bound; the echo reads in that unit."""
    form = _Form({"dong": "1.728"})
    form.fields["dong"].unit = MILLION
    assert _echo(str(form["dong"]), "dong") == "= 1.728.000.000 đồng"
    assert 'data-amount-unit="1000000"' in str(form["dong"])
    assert _Form.base_fields["dong"].unit == 1  # the class's field is untouched


def test_a_box_can_follow_a_unit_control_of_its_form():
    field = AmountFormField(unit=MILLION)
    field.unit_follows("amount_unit", {"trieu": MILLION, "dong": 1})
    html = field.widget.render("amount", "1.728", attrs={"id": "id_amount"})
    assert 'data-amount-unit-from="amount_unit"' in html
    assert 'data-amount-units="{&quot;trieu&quot;: 1000000, &quot;dong&quot;: 1}"' in html
