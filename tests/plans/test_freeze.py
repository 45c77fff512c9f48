"""A signed plan never changes, on every path: the ORM, the database itself (PostgreSQL), its stored PDF, the
reference data it names, the setup command; and what does change keeps a full history (issue 7)."""

import hashlib
import io
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from beneficiaries.models import TargetGroup
from budgets.models import Allocation, Ceiling, FundingSource, LineFunding
from budgets.selectors import ceilings_for
from plans.guard import PlanFrozen
from plans.lifecycle import plan_amend, plan_sign, plan_submit
from plans.models import (
    DocumentReference,
    Duty,
    ImplementingUnit,
    LegalBasis,
    OrgUnit,
    Plan,
    PlanItem,
    SignedDocument,
    Target,
)
from projects.models import SubProject
from tests.factories import nstw, only_source
from tests.pagetext import visible_text

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database triggers exist on PostgreSQL only (.ci/run runs them there)"
)


@pytest.fixture
def signed(seed, staff_user, leader):
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    return Plan.objects.get(pk=seed.pk)


def _line(plan, code):
    return PlanItem.objects.get(plan=plan, sub_project__code=code)


# --- the application guard: every ORM write -------------------------------------------------------------------


ORM_WRITES = {
    "plan text": lambda p: Plan.objects.get(pk=p.pk).save(),
    "plan delete": lambda p: Plan.objects.get(pk=p.pk).delete(),
    "line amount": lambda p: _save(LineFunding.objects.get(item=_line(p, "3.2")), amount=1),
    "line source added": lambda p: LineFunding.objects.create(item=_line(p, "3.2"), source=_other_source(), amount=0),
    "line source removed": lambda p: LineFunding.objects.get(item=_line(p, "3.2")).delete(),
    "line added": lambda p: PlanItem.objects.create(
        plan=p, project=_line(p, "4.3").project, sub_project=SubProject.objects.get(code="4.2")
    ),
    "line deleted": lambda p: _line(p, "7.2").delete(),
    "allocation amount": lambda p: _save(Allocation.objects.filter(item__plan=p).first(), amount=1),
    "allocation added": lambda p: Allocation.objects.create(
        item=_line(p, "3.2"), unit=OrgUnit.objects.get(code="city-ttyt"), source=nstw(), amount=1
    ),
    "allocation deleted": lambda p: Allocation.objects.filter(item__plan=p).first().delete(),
    "implementing unit": lambda p: ImplementingUnit.objects.filter(item__plan=p).first().delete(),
    "target": lambda p: _save(Target.objects.filter(item__plan=p).first(), quantity=999),
    "duty": lambda p: _save(Duty.objects.filter(plan=p).first(), tasks="Khác"),
    "legal basis": lambda p: _save(LegalBasis.objects.filter(plan=p).first(), text="Căn cứ khác"),
    "citation removed": lambda p: (
        LegalBasis.objects.filter(plan=p, references__isnull=False).first().references.clear()
    ),
    "target group added": lambda p: _line(p, "3.2").target_groups.add(TargetGroup.objects.first()),
    "target group removed (reverse)": lambda p: (
        TargetGroup.objects.filter(plan_items__plan=p).first().plan_items.clear()
    ),
    "signed PDF changed": lambda p: _save(SignedDocument.objects.get(plan=p), pdf=b"%PDF-1.7 forged"),
    "signed PDF deleted": lambda p: SignedDocument.objects.get(plan=p).delete(),
}


def _other_source() -> FundingSource:
    return FundingSource.objects.exclude(pk=nstw().pk).order_by("code").first()


def _save(obj, **changes):
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.save()


def _state(plan) -> list:
    from tests.plans.test_admin_write_paths import plan_state

    return [
        plan_state(plan),
        sorted(LineFunding.objects.filter(item__plan=plan).values_list("pk", "item_id", "source_id", "amount")),
        list(SignedDocument.objects.filter(plan=plan).values_list("sha256", "pdf")),
    ]


@pytest.mark.parametrize("write", ORM_WRITES)
def test_every_orm_write_to_a_signed_plan_is_refused(signed, write):
    before = _state(signed)
    # Deleting the signed plan itself also meets its protected PDF first; either refusal is the freeze holding.
    with pytest.raises((PlanFrozen, ProtectedError)), transaction.atomic():
        ORM_WRITES[write](signed)
    assert _state(signed) == before


def test_a_submitted_plan_moves_only_through_the_lifecycle(seed, staff_user):
    plan_submit(plan=seed, by=staff_user)
    with pytest.raises(PlanFrozen), transaction.atomic():
        _save(Plan.objects.get(pk=seed.pk), summary="Sửa lúc đang trình ký")
    assert Plan.objects.get(pk=seed.pk).summary == seed.summary


# --- the database itself --------------------------------------------------------------------------------------


@contextmanager
def _refused_by_the_database():
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        yield
    assert "không" in str(refused.value)  # the trigger's Vietnamese message


RAW_WRITES = {
    "un-sign": lambda p: Plan.objects.filter(pk=p.pk).update(status="draft"),
    "retitle": lambda p: Plan.objects.filter(pk=p.pk).update(summary="Khác"),
    "delete plan": lambda p: Plan.objects.filter(pk=p.pk)._raw_delete(connection.alias),
    "line amount": lambda p: LineFunding.objects.filter(item__plan=p).update(amount=1),
    "line source moved": lambda p: LineFunding.objects.filter(item__plan=p).update(source=_other_source()),
    "line source removed": lambda p: LineFunding.objects.filter(item__plan=p)._raw_delete(connection.alias),
    "line source added": lambda p: _raw_insert_funding(_line(p, "3.2")),
    "line moved out": lambda p: PlanItem.objects.filter(plan=p).update(position=99),
    "allocations": lambda p: Allocation.objects.filter(item__plan=p).update(amount=999_000_000),
    "units": lambda p: ImplementingUnit.objects.filter(item__plan=p)._raw_delete(connection.alias),
    "targets": lambda p: Target.objects.filter(item__plan=p).update(quantity=1),
    "duties": lambda p: Duty.objects.filter(plan=p).update(tasks="x"),
    "legal bases": lambda p: LegalBasis.objects.filter(plan=p).update(text="x"),
    "citations": lambda p: LegalBasis.references.through.objects.filter(legalbasis__plan=p)._raw_delete(
        connection.alias
    ),
    "target groups": lambda p: PlanItem.target_groups.through.objects.filter(planitem__plan=p)._raw_delete(
        connection.alias
    ),
    "signed PDF replaced": lambda p: SignedDocument.objects.filter(plan=p).update(pdf=b"%PDF forged"),
    "signed PDF deleted": lambda p: SignedDocument.objects.filter(plan=p)._raw_delete(connection.alias),
    "lifecycle rewritten": lambda p: p.transitions.update(comment="x"),
}


def _raw_insert_funding(item) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO budgets_linefunding (item_id, source_id, amount) VALUES (%s, %s, 0)",
            [item.pk, _other_source().pk],
        )


@on_postgresql
@pytest.mark.parametrize("write", RAW_WRITES)
def test_the_database_refuses_writes_to_a_signed_plan_whatever_client_sends_them(signed, write):
    before = _state(signed)
    with _refused_by_the_database():
        RAW_WRITES[write](signed)
    assert _state(signed) == before


@on_postgresql
def test_the_database_lets_drafts_change_and_a_submitted_plan_move_on(seed, staff_user):
    assert LineFunding.objects.filter(item__plan=seed, item__sub_project__code="3.2").update(amount=300_000_000) == 1
    assert Plan.objects.filter(pk=seed.pk).update(summary="Trích yếu mới") == 1
    plan_submit(plan=seed, by=staff_user)
    with _refused_by_the_database():
        Plan.objects.filter(pk=seed.pk).update(summary="Sửa lúc đang trình ký")
    assert Plan.objects.filter(pk=seed.pk).update(status="draft") == 1  # sent back: a draft again


# --- the stored PDF -------------------------------------------------------------------------------------------


def _tamper(plan) -> None:
    """Replace the stored PDF as an intruder with the database password would (past the trigger on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a superuser switching triggers off for the session
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE plans_signeddocument SET pdf = %s WHERE plan_id = %s", [b"%PDF-1.7 forged", plan.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_a_tampered_signed_pdf_is_refused_loudly_on_download(client, signed, leader, caplog):
    client.force_login(leader)
    good = b"".join(client.get(reverse("plans:plan_pdf", args=[signed.pk])).streaming_content)
    assert hashlib.sha256(good).hexdigest() == SignedDocument.objects.get(plan=signed).sha256
    _tamper(signed)
    response = client.get(reverse("plans:plan_pdf", args=[signed.pk]))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert "không khớp mã SHA-256" in visible_text(response.content)
    assert "fails its SHA-256 check" in caplog.text


def _verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_signed_plans", stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_verify_signed_plans_checks_every_stored_pdf(signed):
    code, out, _err = _verify()
    assert code == 0 and "ĐÚNG  4159/KH-UBND (2024)" in out
    _tamper(signed)
    code, _out, err = _verify()
    assert code == 1 and "SAI   4159/KH-UBND (2024)" in err and "đã bị thay đổi" in err


# --- what the signed plan names -------------------------------------------------------------------------------


def _rename_reference_data() -> None:
    OrgUnit.objects.filter(code="commune-sung-phai").update(name="UBND phường Sùng Phài mới")
    SubProject.objects.filter(code="3.2").update(name="Dinh dưỡng (tên mới)")
    DocumentReference.objects.filter(number="5114/UBND-TH").update(number="5114-SUA/UBND-TH")


def test_a_signed_plan_says_forever_what_it_said_when_signed(client, signed, leader, staff_user):
    client.force_login(leader)
    pages = [reverse("plans:plan_detail", args=[signed.pk]), reverse("budgets:budget_report", args=[signed.pk])]
    before = [visible_text(client.get(url).content) for url in pages]
    assert "UBND xã Sùng Phài" in before[0] and "Cải thiện dinh dưỡng" in before[0]
    assert "5114/UBND-TH" in before[1]
    _rename_reference_data()
    after = [visible_text(client.get(url).content) for url in pages]
    assert after == before
    # A new draft made from it reads the reference data as it is now.
    amendment = plan_amend(plan=signed, by=staff_user, number=512, issued_on=signed.issued_on)
    draft_text = visible_text(client.get(reverse("plans:plan_detail", args=[amendment.pk])).content)
    assert "UBND phường Sùng Phài mới" in draft_text and "Dinh dưỡng (tên mới)" in draft_text


def test_a_cited_document_cannot_be_deleted(client, seed):
    reference = DocumentReference.objects.get(number="5114/UBND-TH")
    Ceiling.objects.filter(notified_by=reference).update(notified_by=None)  # the citation alone must hold it
    with pytest.raises(PlanFrozen) as refused, transaction.atomic():
        DocumentReference.objects.filter(pk=reference.pk).delete()
    assert "không thể xoá" in str(refused.value.messages)
    admin = get_user_model().objects.create_superuser("qt", "q@x.vn", "x")
    client.force_login(admin)
    response = client.post(f"/quan-tri/plans/documentreference/{reference.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert LegalBasis.objects.filter(plan=seed, references=reference).exists()


def test_setup_demo_never_overwrites_what_users_edited(seed):
    unit = OrgUnit.objects.get(code="commune-sung-phai")
    unit.name = "UBND xã Sùng Phài (sửa trong trang quản trị)"
    unit.save()
    DocumentReference.objects.filter(number="5114/UBND-TH").update(subject="Trích yếu đã sửa")
    call_command("setup_demo", "--no-accounts", verbosity=0)
    assert OrgUnit.objects.get(code="commune-sung-phai").name == "UBND xã Sùng Phài (sửa trong trang quản trị)"
    assert DocumentReference.objects.get(number="5114/UBND-TH").subject == "Trích yếu đã sửa"


# --- history --------------------------------------------------------------------------------------------------


def test_plan_text_edits_keep_who_when_old_and_new(client, seed):
    admin = get_user_model().objects.create_superuser("qt", "q@x.vn", "x", first_name="Lê", last_name="Văn An")
    client.force_login(admin)
    from tests.adminforms import form_data

    url = f"/quan-tri/plans/plan/{seed.pk}/change/"
    data = {k: v for k, v in form_data(client.get(url).content).items() if k != "csrfmiddlewaretoken"}
    data["closing"] = ["Câu kết mới."]
    assert client.post(url, {**data, "_save": ["Lưu"]}).status_code == 302
    latest, previous = Plan.history.filter(id=seed.pk).order_by("-history_date", "-history_id")[:2]
    assert (previous.closing, latest.closing) == (seed.closing, "Câu kết mới.")
    assert latest.history_user == admin and latest.history_change_reason == "admin"
    history_page = visible_text(client.get(f"/quan-tri/plans/plan/{seed.pk}/history/").content)
    assert "→ Câu kết mới." in history_page and "qt" in history_page


def test_history_keeps_the_name_of_a_deleted_account(client, seed):
    from budgets.history import plan_budget_history
    from budgets.services import BudgetEdit, budget_apply

    user = get_user_model().objects.create_user("tam", password="x", first_name="Nguyễn", last_name="Văn Tâm")
    item = _line(seed, "3.2")
    edit = BudgetEdit(line_amounts={(item.pk, only_source(item)): 300_000_000})
    budget_apply(plan=seed, edit=edit, by=user, reason="editor")
    user.delete()
    change = next(c for c in plan_budget_history(seed) if c.line == "3.2" and c.new == 300_000_000)
    assert change.user == "Nguyễn Văn Tâm"
    client.force_login(get_user_model().objects.create_superuser("qt", "q@x.vn", "x"))
    funding = LineFunding.objects.get(item=item)
    page = visible_text(client.get(f"/quan-tri/budgets/linefunding/{funding.pk}/history/").content)
    assert "Người thay đổi" in page and "Nguyễn Văn Tâm" in page and "Sửa" in page


def test_accounts_are_deactivated_not_deleted_in_the_admin(client, seed):
    admin = get_user_model().objects.create_superuser("qt", "q@x.vn", "x")
    other = get_user_model().objects.create_user("tam", password="x")
    client.force_login(admin)
    assert client.post(f"/quan-tri/auth/user/{other.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post("/quan-tri/auth/user/", {"action": "deactivate", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert not other.is_active


def test_an_amendment_copies_every_field_target_groups_included(signed, staff_user):
    amendment = plan_amend(plan=signed, by=staff_user, number=512, issued_on=signed.issued_on)

    def fields(obj, skip=()):
        return {
            f.name: getattr(obj, f.attname)
            for f in obj._meta.concrete_fields
            if f.name not in {"id", "plan", "item", *skip}
        }

    plan_skip = {"number", "issued_on", "status", "amends", "created_at", "updated_at"}
    assert fields(amendment, plan_skip) == fields(signed, plan_skip)
    pairs = [
        (PlanItem.objects.filter(plan=signed), PlanItem.objects.filter(plan=amendment)),
        (LegalBasis.objects.filter(plan=signed), LegalBasis.objects.filter(plan=amendment)),
        (Duty.objects.filter(plan=signed), Duty.objects.filter(plan=amendment)),
        (Target.objects.filter(item__plan=signed), Target.objects.filter(item__plan=amendment)),
        (ImplementingUnit.objects.filter(item__plan=signed), ImplementingUnit.objects.filter(item__plan=amendment)),
        (LineFunding.objects.filter(item__plan=signed), LineFunding.objects.filter(item__plan=amendment)),
        (Allocation.objects.filter(item__plan=signed), Allocation.objects.filter(item__plan=amendment)),
    ]
    for originals, copies in pairs:
        assert [fields(o) for o in originals.order_by("pk")] == [fields(c) for c in copies.order_by("pk")]
    for original, copy in zip(pairs[0][0].order_by("pk"), pairs[0][1].order_by("pk"), strict=True):
        assert set(copy.target_groups.all()) == set(original.target_groups.all()) != set()
    for original, copy in zip(pairs[1][0].order_by("pk"), pairs[1][1].order_by("pk"), strict=True):
        assert set(copy.references.all()) == set(original.references.all())
    assert ("3.2", 342_000_000) in [(i.code, i.amount) for i in PlanItem.objects.filter(plan=amendment)]
    # Ceilings are the issuer's for the year, not copied: the amendment is measured against the same one.
    assert [c.pk for c in ceilings_for(amendment)] == [c.pk for c in ceilings_for(signed)] != []
    assert Ceiling.objects.count() == 1


def test_no_signed_pdf_can_be_attached_to_a_plan_that_was_not_signed(seed, leader):
    with pytest.raises(PlanFrozen), transaction.atomic():
        SignedDocument.objects.create(
            plan=seed, pdf=b"%PDF forged", sha256="0" * 64, signed_at=seed.created_at, signed_by=leader
        )
    assert not SignedDocument.objects.exists()


def test_a_target_group_that_plans_name_cannot_be_deleted(client, signed):
    group = TargetGroup.objects.filter(plan_items__plan=signed).first()
    with pytest.raises(PlanFrozen), transaction.atomic():
        group.delete()
    admin = get_user_model().objects.create_superuser("qt", "q@x.vn", "x")
    client.force_login(admin)
    assert client.post(f"/quan-tri/beneficiaries/targetgroup/{group.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post(
        "/quan-tri/beneficiaries/targetgroup/",
        {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 403)
    assert TargetGroup.objects.filter(pk=group.pk, plan_items__plan=signed).exists()


@on_postgresql
@pytest.mark.parametrize(
    "insert",
    [
        "allocation",
        "target group link",
        "line",
        "signed PDF for a draft",
    ],
)
def test_the_database_refuses_rows_added_to_a_signed_plan(signed, insert):
    line = _line(signed, "3.2")
    unit = OrgUnit.objects.get(code="city-ttyt")
    before = _state(signed)
    with _refused_by_the_database(), connection.cursor() as cursor:
        if insert == "allocation":
            cursor.execute(
                "INSERT INTO budgets_allocation (item_id, unit_id, source_id, amount) VALUES (%s, %s, %s, %s)",
                [line.pk, unit.pk, only_source(line), 400_000_000],
            )
        elif insert == "target group link":
            group = TargetGroup.objects.exclude(plan_items=line).first()
            cursor.execute(
                "INSERT INTO plans_planitem_target_groups (planitem_id, targetgroup_id) VALUES (%s, %s)",
                [line.pk, group.pk],
            )
        elif insert == "line":
            cursor.execute(
                "INSERT INTO plans_planitem (plan_id, position, project_id, sub_project_id, objective, beneficiaries,"
                " activities_label, activities_intro, activities, outputs, units_label)"
                " SELECT plan_id, 99, project_id, NULL, '', '', '', '', '', '', '' FROM plans_planitem"
                " WHERE id = %s",
                [line.pk],
            )
        else:
            draft = plan_amend(plan=signed, by=signed.signed_document.signed_by, number=7, issued_on=signed.issued_on)
            cursor.execute(
                "INSERT INTO plans_signeddocument (plan_id, pdf, sha256, signed_at, signed_by_id, digitally_signed,"
                " names) SELECT %s, pdf, sha256, signed_at, signed_by_id, digitally_signed, names"
                " FROM plans_signeddocument WHERE plan_id = %s",
                [draft.pk, signed.pk],
            )
    assert _state(signed) == before


def test_setup_demo_keeps_going_when_users_changed_a_key_of_reference_data(seed):
    """A target group whose code was changed outside the admin: its name still clashes, and the user's row wins."""
    group = TargetGroup.objects.first()
    TargetGroup.objects.filter(pk=group.pk).update(code="ma-do-nguoi-dung-dat")
    count = TargetGroup.objects.count()
    call_command("setup_demo", "--no-accounts", verbosity=0)
    assert TargetGroup.objects.count() == count
    assert TargetGroup.objects.get(pk=group.pk).code == "ma-do-nguoi-dung-dat"


def test_loaddata_cannot_overwrite_a_signed_plan(signed, tmp_path):
    """A fixture naming existing rows is a write like any other: it may add new rows, never rewrite frozen ones."""
    from django.core import serializers

    funding = LineFunding.objects.get(item=_line(signed, "3.2"))
    funding.amount = 1
    fixture = tmp_path / "forged.json"
    fixture.write_text(serializers.serialize("json", [funding]), encoding="utf-8")
    before = _state(signed)
    with pytest.raises(PlanFrozen):
        call_command("loaddata", str(fixture), verbosity=0)
    assert _state(signed) == before
