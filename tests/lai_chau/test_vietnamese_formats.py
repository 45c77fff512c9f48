"""Dates are read and printed dd/mm/yyyy in every form, page and the admin (lai_chau/formats/vi/formats.py)."""

import datetime
import re

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from plans.forms import AmendmentForm
from plans.models import DocumentReference, OrgUnit
from tests.adminforms import form_data

MARCH_1 = datetime.date(2024, 3, 1)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("quantri", "qt@example.vn", "x")


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


def _admin_forms(request):
    """Every form of the admin: each registered model's, and each of its inlines' row form."""
    for model, model_admin in admin.site._registry.items():
        yield model, model_admin.get_form(request)
        for inline in model_admin.get_inline_instances(request):
            yield inline.model, inline.get_formset(request).form


def test_every_date_box_of_the_admin_reads_and_shows_day_first(superuser):
    request = RequestFactory().get("/quan-tri/")
    request.user = superuser
    checked = []
    for model, form_class in _admin_forms(request):
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.SplitDateTimeField):
                assert field.clean(["01/03/2024", "14:30"]).date() == MARCH_1, (model, name)
                checked.append((model, name))
            elif isinstance(field, forms.DateField):
                assert field.clean("01/03/2024") == MARCH_1, (model, name)
                assert field.widget.format_value(MARCH_1) == "01/03/2024", (model, name)
                checked.append((model, name))
    assert (DocumentReference, "issued_on") in checked and (OrgUnit, "valid_from") in checked


@pytest.mark.parametrize("typed", ["01/03/2024", "01-03-2024", "01.03.2024", "2024-03-01"])
def test_our_own_forms_read_the_day_first(typed):
    form = AmendmentForm({"number": "512/KH-UBND", "issued_on": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["issued_on"] == MARCH_1


@pytest.mark.parametrize("typed", ["03/31/2024", "31/02/2024", "1/3/24x"])
def test_a_month_first_or_impossible_date_is_refused(typed):
    form = AmendmentForm({"number": "512/KH-UBND", "issued_on": typed})
    assert not form.is_valid()
    assert "Nhập một ngày hợp lệ" in str(form.errors["issued_on"])


def test_the_admin_stores_01_03_2024_as_the_first_of_march_and_shows_it_back(superuser_client):
    response = superuser_client.post(
        "/quan-tri/plans/documentreference/add/",
        {"kind": "Công văn", "number": "12/UBND-TH", "issued_on": "01/03/2024", "issuer": "UBND tỉnh", "_save": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    reference = DocumentReference.objects.get(number="12/UBND-TH")
    assert reference.issued_on == MARCH_1

    page = superuser_client.get(f"/quan-tri/plans/documentreference/{reference.pk}/change/").content.decode()
    assert re.search(r'<input[^>]*name="issued_on"[^>]*value="01/03/2024"', page)

    # Saved again untouched, as the browser posts it: the date stays the first of March.
    data = form_data(page.encode())
    data.pop("csrfmiddlewaretoken", None)
    response = superuser_client.post(f"/quan-tri/plans/documentreference/{reference.pk}/change/", data)
    assert response.status_code == 302
    assert DocumentReference.objects.get(pk=reference.pk).issued_on == MARCH_1

    listing = superuser_client.get("/quan-tri/plans/documentreference/").content.decode()
    assert "01/03/2024" in listing


def test_the_admin_calendar_writes_the_first_input_format(superuser_client):
    """The admin's calendar widget writes dates with get_format('DATE_INPUT_FORMATS')[0] from the JS catalogue."""
    catalogue = superuser_client.get("/quan-tri/jsi18n/").content.decode()
    match = re.search(r'"DATE_INPUT_FORMATS": \[\s*"([^"]+)"', catalogue)
    assert match and match[1] == "%d/%m/%Y"
    assert '"FIRST_DAY_OF_WEEK": 1' in catalogue
