"""draft → submitted → signed (or back to draft with a reason); frozen PDFs; amendments."""

import datetime
import hashlib
import io
import shutil
import subprocess

import pypdf
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from budgets.models import Allocation, LineFunding
from budgets.services import BudgetEdit, budget_apply
from plans.lifecycle import plan_amend, plan_sign, plan_submit
from plans.models import Plan, PlanItem, PlanTransition, SignedDocument
from tests.factories import ceilings_of, only_source
from tests.pagetext import visible_text

# Unit officers do not see drafts or submitted plans at all (404): tests/test_permission_matrix.py covers them.
PERSONAS = ["staff_user", "leader", "finance_officer", "user_without_role"]


def _status(plan) -> str:
    return Plan.objects.get(pk=plan.pk).status


def _pdf_text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("persona", PERSONAS)
def test_role_matrix_for_the_lifecycle(client, seed, persona, request):
    client.force_login(request.getfixturevalue(persona))
    staff, leader = persona == "staff_user", persona == "leader"
    reader = persona != "user_without_role"
    assert client.get(reverse("plans:plan_pdf", args=[seed.pk])).status_code == (200 if reader else 403)
    assert client.post(reverse("plans:plan_submit", args=[seed.pk])).status_code == (302 if staff else 403)
    assert _status(seed) == ("submitted" if staff else "draft")
    Plan.objects.filter(pk=seed.pk).update(status="submitted")
    response = client.post(reverse("plans:plan_return", args=[seed.pk]), {"reason": "Bổ sung chỉ tiêu"})
    assert response.status_code == (302 if leader else 403)
    assert _status(seed) == ("draft" if leader else "submitted")
    Plan.objects.filter(pk=seed.pk).update(status="submitted")
    assert client.post(reverse("plans:plan_sign", args=[seed.pk])).status_code == (302 if leader else 403)
    assert _status(seed) == ("signed" if leader else "submitted")
    Plan.objects.filter(pk=seed.pk).update(status="signed")
    assert client.get(reverse("plans:plan_amend", args=[seed.pk])).status_code == (200 if staff else 403)


def test_sending_back_needs_a_reason_and_is_shown_on_the_plan(client, seed, staff_user, leader):
    plan_submit(plan=seed, by=staff_user)
    client.force_login(leader)
    client.post(reverse("plans:plan_return", args=[seed.pk]), {"reason": "  "})
    assert _status(seed) == "submitted"
    client.post(reverse("plans:plan_return", args=[seed.pk]), {"reason": "Làm rõ phân bổ dòng 3.2"})
    assert _status(seed) == "draft"
    text = visible_text(client.get(seed.get_absolute_url()).content)
    assert "đã trình → dự thảo – “Làm rõ phân bổ dòng 3.2”" in text
    assert list(PlanTransition.objects.filter(plan=seed).values_list("to_status", flat=True)) == ["submitted", "draft"]


def test_signing_is_refused_while_a_budget_rule_fails(client, seed, staff_user, leader):
    plan_submit(plan=seed, by=staff_user)
    ceilings_of(seed).update(amount=1_700_000_000)  # the province lowered it while the plan awaited signing
    client.force_login(leader)
    response = client.post(reverse("plans:plan_sign", args=[seed.pk]), follow=True)
    text = visible_text(response.content)
    assert "Không thể ký kế hoạch khi còn thiếu thông tin hoặc còn quy tắc kinh phí bị vi phạm:" in text
    assert "vượt mức trần 1.700.000.000 đồng là 28.000.000 đồng" in text
    assert _status(seed) == "submitted"
    assert not SignedDocument.objects.exists()


def test_signed_pdf_is_frozen_with_its_sha256_and_names_the_signer(client, seed, staff_user, leader):
    plan_submit(plan=seed, by=staff_user)
    client.force_login(leader)
    client.post(reverse("plans:plan_sign", args=[seed.pk]))
    document = SignedDocument.objects.get(plan=seed)
    first = b"".join(client.get(reverse("plans:plan_pdf", args=[seed.pk])).streaming_content)
    second = b"".join(client.get(reverse("plans:plan_pdf", args=[seed.pk])).streaming_content)
    assert first == second == bytes(document.pdf)
    assert hashlib.sha256(first).hexdigest() == document.sha256
    text = _pdf_text(first)
    assert "DỰ THẢO" not in text
    assert f"(Đã ký ngày {timezone.localtime(document.signed_at):%d/%m/%Y})" in text
    assert "PHÓ CHỦ TỊCH" in text and "Trần Đình Tiến" in text
    response = client.get(reverse("plans:plan_pdf", args=[seed.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="Ke-hoach-4159-KH-UBND-2024.pdf"'
    assert document.sha256 in visible_text(client.get(seed.get_absolute_url()).content)
    assert "không có chữ ký số" in visible_text(client.get(seed.get_absolute_url()).content)


def test_a_signed_plan_cannot_be_changed_through_any_path(client, seed, staff_user, leader):
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    item = PlanItem.objects.get(plan=seed, sub_project__code="7.2")
    with pytest.raises(Exception, match="không còn là dự thảo"):
        edit = BudgetEdit(line_amounts={(item.pk, only_source(item)): 1})
        budget_apply(plan=seed, edit=edit, by=staff_user, reason="editor")
    admin = get_user_model().objects.create_superuser("quantri", "qt@example.vn", "x")
    client.force_login(admin)
    for url in [
        f"/quan-tri/plans/planitem/{item.pk}/change/",
        f"/quan-tri/plans/plan/{seed.pk}/change/",
        f"/quan-tri/budgets/linefunding/{LineFunding.objects.get(item=item).pk}/change/",
        f"/quan-tri/budgets/allocation/{Allocation.objects.get(item=item).pk}/change/",
    ]:
        assert client.post(url, {"amount": "1"}).status_code == 403
        assert client.post(url.replace("/change/", "/delete/"), {"post": "yes"}).status_code == 403
    client.force_login(staff_user)
    response = client.get(reverse("budgets:allocation_edit", args=[seed.pk]), follow=True)
    assert "không còn là dự thảo" in visible_text(response.content)
    assert PlanItem.objects.get(pk=item.pk).amount == 22_000_000


def test_amendment_starts_as_a_copy_with_its_own_number_and_shows_what_changed(client, seed, staff_user, leader):
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    client.force_login(staff_user)
    response = client.post(reverse("plans:plan_amend", args=[seed.pk]), {"number": "4159", "issued_on": "20/06/2024"})
    assert "Cơ quan này đã có kế hoạch mang số này trong năm này." in visible_text(response.content)
    response = client.post(reverse("plans:plan_amend", args=[seed.pk]), {"number": "1520", "issued_on": "20/06/2024"})
    amendment = Plan.objects.get(number=1520)
    assert response.status_code == 302 and response["Location"] == amendment.get_absolute_url()
    assert (amendment.amends_id, amendment.status, amendment.issued_on) == (
        seed.pk,
        "draft",
        datetime.date(2024, 6, 20),
    )
    assert sorted(LineFunding.objects.filter(item__plan=amendment).values_list("source_id", "amount")) == sorted(
        LineFunding.objects.filter(item__plan=seed).values_list("source_id", "amount")
    )
    assert amendment.legal_bases.count() == 2 and amendment.duties.count() == 3
    assert list(ceilings_of(amendment)) == list(ceilings_of(seed))  # the issuer's for the year, not copied

    line_2 = amendment.items.get(project__code="2", sub_project=None)
    line_7_2 = amendment.items.get(sub_project__code="7.2")
    unit = Allocation.objects.get(item=line_7_2).unit
    budget_apply(
        plan=amendment,
        by=staff_user,
        reason="editor",
        edit=BudgetEdit(
            line_amounts={
                (line_7_2.pk, only_source(line_7_2)): 12_000_000,
                (line_2.pk, only_source(line_2)): 540_000_000,
            },
            allocations={(line_7_2.pk, unit.pk, only_source(line_7_2)): 12_000_000},
        ),
    )
    Plan.objects.filter(pk=amendment.pk).update(summary=amendment.summary + " (điều chỉnh)")
    text = visible_text(client.get(reverse("plans:plan_compare", args=[amendment.pk])).content)
    assert "7.2 Giám sát, đánh giá nội dung thay đổi Kinh phí: 22 → 12 (-10)" in text
    assert "Kinh phí: 530 → 540 (+10)" in text and "Tổng kinh phí: 1.728 → 1.728 triệu đồng (không đổi)" in text
    assert "Trích yếu" in text and "[thêm:] (điều chỉnh)" in text
    listing = visible_text(client.get("/").content)
    assert "4159/KH-UBND" in listing and "Đang có hiệu lực" in listing and "kế hoạch điều chỉnh" in listing
    assert "Bản điều chỉnh đang soạn: Kế hoạch số 1520/KH-UBND" in listing


def test_a_signed_amendment_takes_over_as_the_plan_in_force(client, seed, staff_user, leader):
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    amendment = plan_amend(plan=seed, by=staff_user, number=1520, issued_on=datetime.date(2024, 6, 20))
    plan_submit(plan=amendment, by=staff_user)
    plan_sign(plan=amendment, by=leader)
    client.force_login(leader)
    listing = visible_text(client.get("/").content)
    assert listing.count("Đang có hiệu lực") == 1
    assert "Đã được thay thế bởi Kế hoạch số 1520/KH-UBND" in listing


@pytest.fixture
def signing_key(tmp_path, settings):
    """A throwaway key and self-signed certificate for the organisation, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "UBND thành phố Lai Châu (thử nghiệm)"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    settings.PLAN_SIGNING_KEY, settings.PLAN_SIGNING_CERT = str(key_file), str(cert_file)
    return cert_file


def test_with_a_configured_key_the_stored_pdf_carries_a_valid_pades_signature(
    seed, staff_user, leader, signing_key, tmp_path
):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    plan_submit(plan=seed, by=staff_user)
    document = plan_sign(plan=seed, by=leader)
    assert document.digitally_signed
    pdf = bytes(document.pdf)
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[load_cert_from_pemder(str(signing_key))]))
    assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE"
    assert hashlib.sha256(pdf).hexdigest() == document.sha256

    if shutil.which("pdfsig"):
        target = tmp_path / "signed.pdf"
        target.write_bytes(pdf)
        output = subprocess.run(["pdfsig", str(target)], capture_output=True, text=True, check=False).stdout
        assert "Signature Validation: Signature is Valid." in output


def test_the_admin_cannot_set_a_status_outside_the_lifecycle(client, seed):
    admin = get_user_model().objects.create_superuser("quantri", "qt@example.vn", "x")
    client.force_login(admin)
    form = client.get(f"/quan-tri/plans/plan/{seed.pk}/change/").content.decode()
    assert 'name="status"' not in form and 'name="amends"' not in form
