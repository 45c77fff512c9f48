"""The PAdES signature says where the plan was signed: the installation's place (ISSUER_CODE), not a fixed city."""

import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from plans.lifecycle import plan_sign, plan_submit
from tests.plans.test_lifecycle import signing_key  # noqa: F401  (the fixture)


@pytest.mark.usefixtures("signing_key")
@pytest.mark.parametrize(("issuer_code", "place"), [("lai-chau-city", "Lai Châu"), ("commune-sung-phai", "Sùng Phài")])
def test_the_signature_location_is_the_installations_place(seed, staff_user, leader, settings, issuer_code, place):
    settings.ISSUER_CODE = issuer_code
    plan_submit(plan=seed, by=staff_user)
    document = plan_sign(plan=seed, by=leader)
    [signature] = PdfFileReader(io.BytesIO(bytes(document.pdf))).embedded_signatures
    assert signature.sig_object["/Location"] == place
