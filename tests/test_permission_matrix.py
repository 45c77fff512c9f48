"""The permission matrix: every URL of the site × method × the plan's state → what each role gets.

MATRIX below is the one table (the README's "Who reads what" says the same in words and in a copy of it). Each cell
becomes one test. A URL added to the URLconf without rows fails `test_every_url_of_the_site_has_rows`; the admin's
own URLs are tested in tests/plans/test_admin_pages.py and are left out here.

Outcomes:
  200    the page or the file; a page about a plan names it
  done   302 after the change took place (checked: status, signed PDF, amendment, allocation, logged in or out)
  302    a redirect (not to the login page) and nothing changed: a step the lifecycle refuses in this state (shown as
         a message), a signed plan's editor sending back to its report, the login page for someone logged in
  login  302 to the login page, nothing changed
  403    refused, nothing changed, the plan not named
  404    hidden exactly as a plan that does not exist, nothing changed, the plan not named
  405    method not allowed, nothing changed

States: `signed` is a signed amendment of the 2024 plan (so that it has a comparison page), `submitted` a plan
awaiting signature (not an amendment: its comparison page does not exist for anyone), `draft` a draft amendment of
another signed plan; `*` stands for all three, `-` for a URL without a plan.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from budgets.excel import export_budget_workbook
from budgets.forms import AllocationEditorForm
from budgets.history import latest_change_time
from budgets.models import Allocation, Ceiling, FundingSource
from lai_chau.security import AUTH_TIME_KEY
from plans.lifecycle import plan_amend, plan_sign, plan_submit
from plans.models import DocumentReference, Duty, LegalBasis, OrgUnit, Plan, PlanItem, PlanTransition, SignedDocument
from projects.models import SubProject
from tests.adminforms import form_data
from tests.budgets.workbooks import with_amounts
from tests.factories import PASSWORD, make_plan, make_user
from tests.pagetext import visible_text

ROLES = ["anon", "norole", "staff", "unit", "leader", "finance", "super"]
STATES = ["signed", "submitted", "draft"]

MATRIX = """
url                       method state      anon   norole staff  unit   leader finance super
login                     GET    -          200    302    302    302    302    302     302
login                     POST   -          done   302    302    302    302    302     302
logout                    GET    -          login  405    405    405    405    405     405
logout                    POST   -          login  done   done   done   done   done    done
admin_login               GET    -          login  403    302    403    403    302     302
admin_login               POST   -          login  403    302    403    403    302     302
plans:plan_list           GET    -          login  403    200    200    200    200     200
plans:plan_list           POST   -          login  405    405    405    405    405     405
plans:plan_detail         GET    signed     login  403    200    200    200    200     200
plans:plan_detail         GET    submitted  login  403    200    404    200    200     200
plans:plan_detail         GET    draft      login  403    200    404    200    200     200
plans:plan_detail         POST   *          login  405    405    405    405    405     405
plans:plan_pdf            GET    signed     login  403    200    200    200    200     200
plans:plan_pdf            GET    submitted  login  403    200    404    200    200     200
plans:plan_pdf            GET    draft      login  403    200    404    200    200     200
plans:plan_pdf            POST   *          login  405    405    405    405    405     405
plans:plan_compare        GET    signed     login  403    200    200    200    200     200
plans:plan_compare        GET    submitted  login  403    404    404    404    404     404
plans:plan_compare        GET    draft      login  403    200    404    200    200     200
plans:plan_compare        POST   *          login  405    405    405    405    405     405
plans:plan_submit         GET    *          login  405    405    405    405    405     405
plans:plan_submit         POST   signed     login  403    302    403    403    403     302
plans:plan_submit         POST   submitted  login  403    302    404    403    403     302
plans:plan_submit         POST   draft      login  403    done   404    403    403     done
plans:plan_sign           GET    *          login  405    405    405    405    405     405
plans:plan_sign           POST   signed     login  403    403    403    302    403     302
plans:plan_sign           POST   submitted  login  403    403    404    done   403     done
plans:plan_sign           POST   draft      login  403    403    404    302    403     302
plans:plan_return         GET    *          login  405    405    405    405    405     405
plans:plan_return         POST   signed     login  403    403    403    302    403     302
plans:plan_return         POST   submitted  login  403    403    404    done   403     done
plans:plan_return         POST   draft      login  403    403    404    302    403     302
plans:plan_amend          GET    signed     login  403    200    403    403    403     200
plans:plan_amend          GET    submitted  login  403    302    404    403    403     302
plans:plan_amend          GET    draft      login  403    302    404    403    403     302
plans:plan_amend          POST   signed     login  403    done   403    403    403     done
plans:plan_amend          POST   submitted  login  403    302    404    403    403     302
plans:plan_amend          POST   draft      login  403    302    404    403    403     302
plans:plan_discard        GET    signed     login  403    302    403    403    403     302
plans:plan_discard        GET    submitted  login  403    302    404    403    403     302
plans:plan_discard        GET    draft      login  403    200    404    403    403     200
plans:plan_discard        POST   signed     login  403    302    403    403    403     302
plans:plan_discard        POST   submitted  login  403    302    404    403    403     302
plans:plan_discard        POST   draft      login  403    done   404    403    403     done
plans:plan_start_year       GET    -          login  403    200    403    403    403     200
plans:plan_start_year       POST   -          login  403    done   403    403    403     done
plans:plan_edit_section     GET    signed     login  403    302    404    403    403     302
plans:plan_edit_section     GET    submitted  login  403    302    404    403    403     302
plans:plan_edit_section     GET    draft      login  403    200    404    403    403     200
plans:plan_edit_section     POST   signed     login  403    302    404    403    403     302
plans:plan_edit_section     POST   submitted  login  403    302    404    403    403     302
plans:plan_edit_section     POST   draft      login  403    done   404    403    403     done
plans:plan_edit_legal_bases GET    signed     login  403    302    404    403    403     302
plans:plan_edit_legal_bases GET    submitted  login  403    302    404    403    403     302
plans:plan_edit_legal_bases GET    draft      login  403    200    404    403    403     200
plans:plan_edit_legal_bases POST   signed     login  403    302    404    403    403     302
plans:plan_edit_legal_bases POST   submitted  login  403    302    404    403    403     302
plans:plan_edit_legal_bases POST   draft      login  403    done   404    403    403     done
plans:plan_edit_duties      GET    signed     login  403    302    404    403    403     302
plans:plan_edit_duties      GET    submitted  login  403    302    404    403    403     302
plans:plan_edit_duties      GET    draft      login  403    200    404    403    403     200
plans:plan_edit_duties      POST   signed     login  403    302    404    403    403     302
plans:plan_edit_duties      POST   submitted  login  403    302    404    403    403     302
plans:plan_edit_duties      POST   draft      login  403    done   404    403    403     done
plans:plan_edit_lines       GET    signed     login  403    302    404    403    403     302
plans:plan_edit_lines       GET    submitted  login  403    302    404    403    403     302
plans:plan_edit_lines       GET    draft      login  403    200    404    403    403     200
plans:plan_edit_lines       POST   signed     login  403    302    404    403    403     302
plans:plan_edit_lines       POST   submitted  login  403    302    404    403    403     302
plans:plan_edit_lines       POST   draft      login  403    done   404    403    403     done
plans:plan_line_add         GET    signed     login  403    302    404    403    403     302
plans:plan_line_add         GET    submitted  login  403    302    404    403    403     302
plans:plan_line_add         GET    draft      login  403    200    404    403    403     200
plans:plan_line_add         POST   signed     login  403    302    404    403    403     302
plans:plan_line_add         POST   submitted  login  403    302    404    403    403     302
plans:plan_line_add         POST   draft      login  403    done   404    403    403     done
plans:plan_line_edit        GET    signed     login  403    302    404    403    403     302
plans:plan_line_edit        GET    submitted  login  403    302    404    403    403     302
plans:plan_line_edit        GET    draft      login  403    200    404    403    403     200
plans:plan_line_edit        POST   signed     login  403    302    404    403    403     302
plans:plan_line_edit        POST   submitted  login  403    302    404    403    403     302
plans:plan_line_edit        POST   draft      login  403    done   404    403    403     done
plans:plan_line_remove      GET    signed     login  403    302    404    403    403     302
plans:plan_line_remove      GET    submitted  login  403    302    404    403    403     302
plans:plan_line_remove      GET    draft      login  403    200    404    403    403     200
plans:plan_line_remove      POST   signed     login  403    302    404    403    403     302
plans:plan_line_remove      POST   submitted  login  403    302    404    403    403     302
plans:plan_line_remove      POST   draft      login  403    done   404    403    403     done
budgets:budget_report     GET    signed     login  403    200    200    200    200     200
budgets:budget_report     GET    submitted  login  403    200    404    200    200     200
budgets:budget_report     GET    draft      login  403    200    404    200    200     200
budgets:budget_report     POST   *          login  405    405    405    405    405     405
budgets:budget_export     GET    signed     login  403    200    200    200    200     200
budgets:budget_export     GET    submitted  login  403    200    404    200    200     200
budgets:budget_export     GET    draft      login  403    200    404    200    200     200
budgets:budget_export     POST   *          login  405    405    405    405    405     405
budgets:budget_history    GET    *          login  403    200    404    200    200     200
budgets:budget_history    POST   *          login  405    405    405    405    405     405
budgets:allocation_edit   GET    signed     login  403    302    404    403    403     302
budgets:allocation_edit   GET    submitted  login  403    302    404    403    403     302
budgets:allocation_edit   GET    draft      login  403    200    404    403    403     200
budgets:allocation_edit   POST   signed     login  403    302    404    403    403     302
budgets:allocation_edit   POST   submitted  login  403    302    404    403    403     302
budgets:allocation_edit   POST   draft      login  403    done   404    403    403     done
budgets:budget_import     GET    *          login  403    200    404    403    403     200
budgets:budget_import     POST   *          login  403    200    404    403    403     200
budgets:ceiling_list      GET    -          login  403    200    404    200    200     200
budgets:ceiling_list      POST   -          login  405    405    405    405    405     405
budgets:ceiling_add       GET    -          login  403    403    404    403    200     200
budgets:ceiling_add       POST   -          login  403    403    404    403    done    done
budgets:ceiling_edit      GET    -          login  403    403    404    403    200     200
budgets:ceiling_edit      POST   -          login  403    403    404    403    done    done
"""
# Notes on particular cells:
# * login POST posts the staff account's credentials; a logged-in user is sent on by the login page.
# * admin_login: the admin sends here whoever it does not let in; staff-flagged accounts (like the demo's ldtbxh and
#   taichinh) go on to the admin, others get a page saying they have no access.
# * plan_start_year POST starts 2025 from the 2024 plan in force (`signed`); the section editors (plan_edit_*,
#   plan_line_*) have the allocation editor's cells: staff edit drafts only and are sent back to the plan's page
#   otherwise. Their URLs take the section "muc-dich-yeu-cau" or the plan's first line; line_add adds sub-project 9.3.
# * budget_import POST uploads a changed workbook: the answer is the preview (or "not a draft"), nothing is applied
#   before the confirmation.
# * ceiling_*: ceilings belong to an issuer and year, not to a plan (no plan state); ceiling_edit is the 2024 ceiling
#   (both signed versions' year), ceiling_add records one for 2025. Unit officers get 404 as on every internal page.


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    state: str  # "-" or one of STATES
    outcomes: dict[str, str]


def _parse(table: str) -> list[Row]:
    lines = [line.split() for line in table.strip().splitlines()]
    header, body = lines[0], lines[1:]
    assert header[3:] == ROLES, header
    rows = []
    for name, method, state, *outcomes in body:
        assert len(outcomes) == len(ROLES), name
        for each in STATES if state == "*" else [state]:
            rows.append(Row(name, method, each, dict(zip(ROLES, outcomes, strict=True))))
    return rows


ROWS = _parse(MATRIX)
CELLS = [pytest.param(row, role, id=f"{row.name}-{row.method}-{row.state}-{role}") for row in ROWS for role in ROLES]


# --- the URLconf ---------------------------------------------------------------------------------------------------


def _site_urls(patterns=None, namespace: str = "") -> dict[str, bool]:
    """Every URL of the site outside the admin: its name (or route, if unnamed) → whether it takes a plan id."""
    found = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found |= _site_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            key = f"{namespace}{pattern.name}" if pattern.name else str(pattern.pattern)
            found[key] = "pk" in pattern.pattern.converters
    return found


def test_every_url_of_the_site_has_rows():
    site = _site_urls()
    expected = {
        (name, method, state)
        for name, takes_plan in site.items()
        for method in ("GET", "POST")
        for state in (STATES if takes_plan else ["-"])
    }
    present = {(row.name, row.method, row.state) for row in ROWS}
    assert sorted(expected - present) == [], "add these rows to MATRIX (and to the README's table)"
    assert sorted(present - expected) == [], "MATRIX has rows for URLs that do not exist"
    assert len(present) == len(ROWS), "MATRIX has a row twice"


# --- the world: built once for the module ----------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, object]
    plans: dict[str, Plan]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Plans and users built once, in a transaction rolled back after the module. Each test runs in a savepoint of
    it (pytest-django's `db`), so a POST that signs, amends or edits is undone before the next test."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


def _build_world() -> World:
    call_command("setup_demo", "--no-accounts", verbosity=0)
    users = {
        "anon": None,
        "norole": make_user("khach", None, None),
        "staff": make_user("ldtbxh", "programme_staff", "city-ldtbxh", is_staff=True),
        "unit": make_user("sungphai", "unit_officer", "commune-sung-phai"),
        "leader": make_user("lanhdao", "leadership", "lai-chau-city"),
        "finance": make_user("taichinh", "finance", "city-tckh", is_staff=True),
        "super": make_user("root", None, None, is_superuser=True, is_staff=True),
    }
    staff, leader = users["staff"], users["leader"]
    seed = Plan.objects.get(number=4159, year=2024)
    plan_submit(plan=seed, by=staff)
    plan_sign(plan=seed, by=leader)
    signed = plan_amend(plan=seed, by=staff, number=4160, issued_on=datetime.date(2024, 3, 1))
    plan_submit(plan=signed, by=staff)
    plan_sign(plan=signed, by=leader)
    # The draft amends another chain: `signed` must stay amendable (a version is amended at most once).
    other = make_plan(lines=2, units_per_line=1, number=9200)
    submitted = make_plan(lines=2, units_per_line=1, number=9100)
    plan_submit(plan=other, by=staff)
    plan_sign(plan=other, by=leader)
    draft = plan_amend(plan=other, by=staff, number=4161, issued_on=other.issued_on)
    project = draft.items.first().project
    SubProject.objects.create(project=project, code="9.3", name="Tiểu dự án ba")  # a line the draft may add
    plan_submit(plan=submitted, by=staff)
    return World(users=users, plans={"signed": signed, "submitted": submitted, "draft": draft})


# --- what a POST sends, and what "done" means -------------------------------------------------------------------------

AMENDMENT_NUMBER = 4170


def _editor_post(plan: Plan) -> dict:
    """The allocation editor as the browser posts it, with the first allocation typed down to 1 triệu đồng."""
    plan = Plan.objects.with_document().get(pk=plan.pk)
    form = AllocationEditorForm(plan=plan, based_on=latest_change_time(plan))
    data = {}
    for bound in form:
        value = bound.field.prepare_value(bound.value())
        if value not in (None, False):
            data[bound.html_name] = value
        if bound.field.show_hidden_initial:
            initial = bound.field.prepare_value(bound.initial)
            data[bound.html_initial_name] = "" if initial is None else initial
    first = next(name for name in data if name.startswith("alloc_"))
    return {**data, first: "1"}


def _workbook_post(plan: Plan) -> dict:
    item = plan.items.first()
    unit = item.implementing_units.first().unit
    data = with_amounts(export_budget_workbook(plan), {(item.code, unit.name): 1})
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return {"workbook": SimpleUploadedFile("kinh-phi.xlsx", data, xlsx), "upload": ""}


def _payload(name: str, plan: Plan | None, world: World) -> dict:
    if name == "login":
        return {"username": world.users["staff"].username, "password": PASSWORD}
    if name == "plans:plan_return":
        return {"reason": "Bổ sung chỉ tiêu đầu ra"}
    if name == "plans:plan_amend":
        return {"number": str(AMENDMENT_NUMBER), "issued_on": "15/07/2024"}
    if name == "budgets:allocation_edit":
        return _editor_post(plan)
    if name == "budgets:budget_import":
        return _workbook_post(plan)
    if name in PLAN_EDITOR_FORMS:
        return _plan_editor_post(name, plan, world)
    if name == "plans:plan_start_year":
        return {
            "year": "2025",
            "source": str(world.plans["signed"].pk),  # the 2024 plan in force
            "number": "512/KH-UBND",
            "issued_on": "20/12/2024",
            "place": "Thành phố Lai Châu",
        }
    if name in {"budgets:ceiling_add", "budgets:ceiling_edit"}:
        document = str(DocumentReference.objects.get(number="5114/UBND-TH").pk)
        if name == "budgets:ceiling_edit":
            return {"amount": "1.700.000.000", "amount_unit": "dong", "notified_by": document}
        return {
            "issuer": str(OrgUnit.objects.get(code="lai-chau-city").pk),
            "year": "2025",
            "source": str(FundingSource.objects.get(code="nstw-su-nghiep").pk),
            "amount": "1.500",
            "amount_unit": "trieu",
            "notified_by": document,
        }
    return {}


def _args(row: Row, plan: Plan | None) -> list:
    if row.name == "plans:plan_edit_section":
        return [plan.pk, "muc-dich-yeu-cau"]
    if row.name in {"plans:plan_line_edit", "plans:plan_line_remove"}:
        return [plan.pk, plan.items.first().pk]
    if plan:
        return [plan.pk]
    if row.name == "budgets:ceiling_edit":
        return [Ceiling.objects.get(year=2024).pk]
    return []


# The section editors' forms (by id), read out of the page as staff see it, and what each POST types over them.
PLAN_EDITOR_FORMS = {
    "plans:plan_edit_section": "section-form",
    "plans:plan_edit_legal_bases": "legal-bases-form",
    "plans:plan_edit_duties": "duties-form",
    "plans:plan_edit_lines": "lines-form",
    "plans:plan_line_add": "line-add-form",
    "plans:plan_line_edit": "line-form",
    "plans:plan_line_remove": "line-remove-form",
}
TYPED = "Sửa thử theo ma trận quyền"


def _plan_editor_post(name: str, plan: Plan, world: World) -> dict:
    from django.test import Client

    staff = Client()
    staff.force_login(world.users["staff"])
    url = reverse(name, args=_args(Row(name, "GET", "", {}), plan))
    response = staff.get(url)
    data = form_data(response.content, PLAN_EDITOR_FORMS[name]) if response.status_code == 200 else {}
    first = plan.items.first()
    typed = {
        "plans:plan_edit_section": {"purposes": TYPED},
        "plans:plan_edit_legal_bases": {"can-cu-0-text": TYPED},
        "plans:plan_edit_duties": {"nhiem-vu-0-assignee": TYPED, "nhiem-vu-0-tasks": "Thực hiện."},
        "plans:plan_edit_lines": {"move": f"down:{first.pk}"},
        "plans:plan_line_add": {"line": "9.3"},
        "plans:plan_line_edit": {"objective": TYPED},
        "plans:plan_line_remove": {},
    }[name]
    return {**data, **typed}


def _editor_effect(name: str, plan: Plan, sent: dict) -> bool:
    if name == "plans:plan_edit_section":
        return Plan.objects.get(pk=plan.pk).purposes == TYPED
    if name == "plans:plan_edit_legal_bases":
        return LegalBasis.objects.filter(plan=plan, text=TYPED).exists()
    if name == "plans:plan_edit_duties":
        return Duty.objects.filter(plan=plan, assignee=TYPED).exists()
    if name == "plans:plan_edit_lines":
        moved = int(sent["move"].split(":")[1])
        return plan.items.last().pk == moved
    if name == "plans:plan_line_add":
        return plan.items.filter(sub_project__code="9.3").exists()
    if name == "plans:plan_line_edit":
        return plan.items.filter(objective=TYPED).exists()
    return plan.items.count() == plan.amends.items.count() - 1  # plan_line_remove: the draft lost a line


def _effect(name: str, plan: Plan | None, client, world: World, sent: dict) -> bool:
    """Did the change that the URL exists for take place?"""
    if name in PLAN_EDITOR_FORMS:
        return _editor_effect(name, plan, sent)
    if name == "plans:plan_start_year":
        return Plan.objects.filter(year=2025, number=512, status=Plan.Status.DRAFT).exists()
    status = plan and Plan.objects.filter(pk=plan.pk).values_list("status", flat=True).first()  # None: discarded
    if name == "plans:plan_submit":
        return status == Plan.Status.SUBMITTED
    if name == "plans:plan_sign":
        return status == Plan.Status.SIGNED and SignedDocument.objects.filter(plan=plan).exists()
    if name == "plans:plan_return":
        return status == Plan.Status.DRAFT
    if name == "plans:plan_amend":
        return Plan.objects.filter(amends=plan, number=AMENDMENT_NUMBER).exists()
    if name == "plans:plan_discard":
        return not Plan.objects.filter(pk=plan.pk).exists()
    if name == "budgets:allocation_edit":
        typed = next(key for key, value in sent.items() if key.startswith("alloc_") and value == "1")
        _, item_id, unit_id = typed.split("_")
        return Allocation.objects.get(item_id=item_id, unit_id=unit_id).amount == 1_000_000
    if name == "login":
        return client.session.get("_auth_user_id") == str(world.users["staff"].pk)
    if name == "logout":
        return "_auth_user_id" not in client.session
    if name == "budgets:ceiling_add":
        return Ceiling.objects.filter(year=2025, amount=1_500_000_000).exists()
    if name == "budgets:ceiling_edit":
        return Ceiling.objects.get(year=2024).amount == 1_700_000_000
    raise AssertionError(f"no effect known for {name}: say in _effect what 'done' means")


def _snapshot(client) -> tuple:
    """Everything a request of this site may change, to prove that nothing changed."""
    return (
        sorted(Plan.objects.values_list("pk", "status", "number")),
        sorted(Allocation.objects.values_list("pk", "amount")),
        sorted(Plan.objects.values_list("pk", "purposes", "issued_on")),
        sorted(PlanItem.objects.values_list("pk", "position", "objective")),
        LegalBasis.objects.count(),
        Duty.objects.count(),
        SignedDocument.objects.count(),
        PlanTransition.objects.count(),
        sorted(Ceiling.objects.values_list("pk", "year", "amount", "notified_by")),
        DocumentReference.objects.count(),
        client.session.get("_auth_user_id"),
    )


# --- the cells --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("row", "role"), CELLS)
def test_permission_matrix(world, db, client, row, role):
    plan = world.plans.get(row.state)
    url = reverse(row.name, args=_args(row, plan))
    if world.users[role]:
        client.force_login(world.users[role])
    sent = _payload(row.name, plan, world) if row.method == "POST" else {}
    before = _snapshot(client)
    response = client.post(url, sent) if row.method == "POST" else client.get(url)
    expected = row.outcomes[role]
    location = response.get("Location", "")
    to_login = location.startswith(reverse("login"))
    if expected == "done":
        assert response.status_code == 302, response.status_code
        assert _effect(row.name, plan, client, world, sent), "answered as done but the change did not happen"
        return
    assert _snapshot(client) == before, f"{expected} must change nothing"
    if expected == "login":
        assert response.status_code == 302 and to_login, (response.status_code, location)
    elif expected == "302":
        assert response.status_code == 302 and not to_login, (response.status_code, location)
    else:
        assert response.status_code == int(expected)
    if plan and expected in {"403", "404"}:
        assert plan.document_number not in response.content.decode(), "a refusal must not show the plan"
    if plan and expected == "200":
        _assert_shows(response, plan)


def _assert_shows(response, plan: Plan) -> None:
    """A 200 about a plan is that plan: its page names it, its file is an attachment of the right kind."""
    content_type = response["Content-Type"]
    if content_type.startswith("text/html"):
        assert plan.document_number in visible_text(response.content)
    else:
        assert response["Content-Disposition"].startswith("attachment;")
        assert content_type in {"application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        assert len(b"".join(response.streaming_content)) > 1000


# --- what each role sees, beyond the status code --------------------------------------------------------------------


def test_a_unit_officer_lists_signed_plans_only(world, db, client):
    client.force_login(world.users["unit"])
    text = visible_text(client.get(reverse("plans:plan_list")).content)
    assert "4159/KH-UBND" in text and "4160/KH-UBND" in text
    assert "4161/KH-UBND" not in text and "9100/KH-UBND" not in text
    assert "Chỉ hiển thị các kế hoạch đã ký" in text


def test_internal_roles_list_every_plan(world, db, client):
    for role in ("staff", "leader", "finance", "super"):
        client.force_login(world.users[role])
        text = visible_text(client.get(reverse("plans:plan_list")).content)
        assert all(number in text for number in ("4159/KH-UBND", "4160/KH-UBND", "4161/KH-UBND", "9100/KH-UBND"))
        assert "Chỉ hiển thị các kế hoạch đã ký" not in text


def test_a_unit_officer_is_offered_no_internal_page_of_a_signed_plan(world, db, client):
    signed = world.plans["signed"]
    client.force_login(world.users["unit"])
    page = client.get(reverse("plans:plan_detail", args=[signed.pk])).content.decode()
    report = client.get(reverse("budgets:budget_report", args=[signed.pk])).content.decode()
    for html in (page, report):
        assert reverse("budgets:budget_history", args=[signed.pk]) not in html
        assert reverse("plans:plan_amend", args=[signed.pk]) not in html
        assert reverse("budgets:allocation_edit", args=[signed.pk]) not in html
    assert reverse("plans:plan_pdf", args=[signed.pk]) in page
    assert reverse("budgets:budget_export", args=[signed.pk]) in report
    assert "Báo cáo kinh phí và số chính xác" in visible_text(page)


def test_staff_are_offered_the_amendment_and_the_history_of_a_signed_plan(world, db, client):
    signed = world.plans["signed"]
    client.force_login(world.users["staff"])
    page = client.get(reverse("plans:plan_detail", args=[signed.pk])).content.decode()
    report = client.get(reverse("budgets:budget_report", args=[signed.pk])).content.decode()
    assert reverse("plans:plan_amend", args=[signed.pk]) in page
    assert reverse("budgets:budget_history", args=[signed.pk]) in report


def test_a_hidden_plan_answers_like_a_missing_one(world, db, client):
    client.force_login(world.users["unit"])
    hidden = client.get(reverse("plans:plan_detail", args=[world.plans["draft"].pk]))
    missing = client.get(reverse("plans:plan_detail", args=[987654]))
    assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content)


def test_the_signed_pdf_a_unit_officer_downloads_is_the_frozen_one(world, db, client):
    signed = world.plans["signed"]
    client.force_login(world.users["unit"])
    response = client.get(reverse("plans:plan_pdf", args=[signed.pk]))
    assert b"".join(response.streaming_content) == bytes(SignedDocument.objects.get(plan=signed).pdf)


@pytest.mark.parametrize(("role", "expected"), [("unit", 404), ("finance", 403), ("staff", 403), ("leader", 200)])
def test_the_signing_password_page_comes_after_the_permission_checks(world, db, client, role, expected):
    """With a login older than the step-up window, only someone allowed to sign is asked for the password again;
    a unit officer still gets 404 for a submitted plan (the confirmation page would name it)."""
    submitted = world.plans["submitted"]
    client.force_login(world.users[role])
    session = client.session
    session[AUTH_TIME_KEY] = 0  # last password entered long ago
    session.save()
    before = _snapshot(client)
    response = client.post(reverse("plans:plan_sign", args=[submitted.pk]))
    assert response.status_code == expected
    assert _snapshot(client) == before
    assert (submitted.document_number in visible_text(response.content)) == (expected == 200)


def test_matrix_rows_are_readable_in_the_readme():
    """The README's table is the same as MATRIX (Vietnamese and English parts)."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for line in MATRIX.strip().splitlines()[1:]:
        name, method, state, *outcomes = line.split()
        cells = [f"`{name}`", method, state, *outcomes]
        assert readme.count("| " + " | ".join(cells) + " |") == 2, f"README lacks (twice) the row {cells}"
