"""On PostgreSQL the database itself keeps a plan that left the draft stage as it is, whatever client writes.

The application refuses these writes first (plans/guard.py) with a Vietnamese message; these triggers are for every
other client: a raw UPDATE, a shell's `queryset.update()`, a script with the database password. They refuse:
* any change to a signed plan, any change but the status of a submitted plan, deleting any non-draft plan;
* INSERT, UPDATE or DELETE of the rows of a non-draft plan (lines, implementing units, targets, line fundings,
  allocations, legal bases and their citations, duties, target groups of lines), judged on both the row's old and new
  plan;
* any UPDATE or DELETE of a signed PDF, a signed PDF for a plan that is not signed, and any UPDATE of a lifecycle step
  (DELETE only with its draft plan);
* an amendment of another year than the plan it amends, or dated before it.
Ceilings are no rows of a plan (they belong to an issuer and year, budgets/ceilings.py): finance records or lowers
them whatever the plans' states, so no trigger guards them.
A full pg_restore creates triggers after it loads the data, so backups restore (tests/plans/test_backup.py).
What they cannot tell apart is the application itself: a client holding its database password can still walk a
draft through submitted to signed as the application does. Keep that password to the application's server;
`verify_signed_plans` and the lifecycle steps on each plan's page show what was signed, when and by whom.

They are installed by `manage.py migrate` (PGTRIGGER_INSTALL_ON_MIGRATE); SQLite keeps the application guard only.
"""

import pgtrigger

REFUSED = "RAISE EXCEPTION USING ERRCODE = 'raise_exception', MESSAGE = {message}"
REFUSE_FROZEN_ROW = REFUSED.format(
    message="format('Kế hoạch id %s không còn là dự thảo: không được sửa hay xoá dữ liệu của nó (bảng %s).', "
    "frozen_plan, TG_TABLE_NAME)"
)


def _not_draft(plan_expression: str) -> str:
    return f"(SELECT id FROM plans_plan WHERE id = ({plan_expression}) AND status <> 'draft')"


def frozen_rows_trigger(old_plan: str, new_plan: str) -> pgtrigger.Trigger:
    """Refuse INSERT, UPDATE and DELETE of a row whose old or new plan is not a draft."""
    return pgtrigger.Trigger(
        name="frozen_with_plan",
        when=pgtrigger.Before,
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        declare=[("frozen_plan", "bigint")],
        func=f"""
            IF TG_OP <> 'INSERT' THEN
                frozen_plan := {_not_draft(old_plan)};
            END IF;
            IF frozen_plan IS NULL AND TG_OP <> 'DELETE' THEN
                frozen_plan := {_not_draft(new_plan)};
            END IF;
            IF frozen_plan IS NOT NULL THEN
                {REFUSE_FROZEN_ROW};
            END IF;
            RETURN COALESCE(NEW, OLD);
        """,
    )


SUBMITTED_MESSAGE = "format('Kế hoạch id %s đang trình ký: không được sửa, chỉ được ký hoặc trả lại.', OLD.id)"

PLAN_TRIGGER = pgtrigger.Trigger(
    name="plan_frozen_unless_draft",
    when=pgtrigger.Before,
    operation=pgtrigger.Update | pgtrigger.Delete,
    func=f"""
        IF TG_OP = 'DELETE' THEN
            IF OLD.status <> 'draft' THEN
                {REFUSED.format(message="format('Kế hoạch id %s không còn là dự thảo: không được xoá.', OLD.id)")};
            END IF;
            RETURN OLD;
        END IF;
        IF OLD.status = 'signed' AND to_jsonb(NEW) IS DISTINCT FROM to_jsonb(OLD) THEN
            {REFUSED.format(message="format('Kế hoạch id %s đã ký: không bao giờ được thay đổi.', OLD.id)")};
        END IF;
        IF OLD.status = 'submitted'
           AND (to_jsonb(NEW) - 'status' - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'updated_at')
        THEN
            {REFUSED.format(message=SUBMITTED_MESSAGE)};
        END IF;
        RETURN NEW;
    """,
)

PDF_FOR_UNSIGNED = "format('Kế hoạch id %s chưa được ký: không được gắn bản PDF đã ký.', NEW.plan_id)"
PDF_NEVER_CHANGES = "format('Bản PDF đã ký của kế hoạch id %s không bao giờ được sửa hay xoá.', OLD.plan_id)"

SIGNED_DOCUMENT_TRIGGER = pgtrigger.Trigger(
    name="signed_pdf_never_changes",
    when=pgtrigger.Before,
    operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
    func=f"""
        IF TG_OP = 'INSERT' THEN
            IF EXISTS (SELECT 1 FROM plans_plan WHERE id = NEW.plan_id AND status = 'signed') THEN
                RETURN NEW;
            END IF;
            {REFUSED.format(message=PDF_FOR_UNSIGNED)};
        END IF;
        {REFUSED.format(message=PDF_NEVER_CHANGES)};
    """,
)

TRANSITION_TRIGGER = pgtrigger.Trigger(
    name="transitions_append_only",
    when=pgtrigger.Before,
    operation=pgtrigger.Update | pgtrigger.Delete,
    declare=[("frozen_plan", "bigint")],
    func=f"""
        IF TG_OP = 'UPDATE' THEN
            {REFUSED.format(message="'Các bước trình ký, ký kế hoạch không được sửa.'")};
        END IF;
        frozen_plan := {_not_draft("OLD.plan_id")};
        IF frozen_plan IS NOT NULL THEN
            {REFUSE_FROZEN_ROW};
        END IF;
        RETURN OLD;
    """,
)


AMENDMENT_MESSAGE = (
    "format('Kế hoạch điều chỉnh %s/%s phải cùng năm %s và có ngày ban hành từ ngày %s (ngày của kế hoạch "
    "được điều chỉnh %s/%s) trở đi.', NEW.number, NEW.symbol, amended.year, "
    "to_char(amended.issued_on, 'DD/MM/YYYY'), amended.number, amended.symbol)"
)

# design.md §13: an amendment is dated on or after what it amends, for the same year.
AMENDMENT_TRIGGER = pgtrigger.Trigger(
    name="amendment_dated_after_amended",
    when=pgtrigger.Before,
    operation=pgtrigger.Insert | pgtrigger.Update,
    declare=[("amended", "record")],
    func=f"""
        IF NEW.amends_id IS NOT NULL THEN
            SELECT issued_on, year, number, symbol INTO amended FROM plans_plan WHERE id = NEW.amends_id;
            IF NEW.issued_on < amended.issued_on OR NEW.year <> amended.year THEN
                {REFUSED.format(message=AMENDMENT_MESSAGE)};
            END IF;
        END IF;
        RETURN NEW;
    """,
)


def register_triggers() -> None:
    """Register every trigger with its model (called from PlansConfig.ready())."""
    from budgets.models import Allocation, LineFunding
    from plans.models import (
        Duty,
        ImplementingUnit,
        LegalBasis,
        Plan,
        PlanItem,
        PlanTransition,
        SignedDocument,
        Target,
    )

    item_plan = "SELECT plan_id FROM plans_planitem WHERE id = {row}.item_id"
    by_plan = frozen_rows_trigger("OLD.plan_id", "NEW.plan_id")
    by_item = frozen_rows_trigger(item_plan.format(row="OLD"), item_plan.format(row="NEW"))
    by_line_of_group = frozen_rows_trigger(
        "SELECT plan_id FROM plans_planitem WHERE id = OLD.planitem_id",
        "SELECT plan_id FROM plans_planitem WHERE id = NEW.planitem_id",
    )
    by_basis = frozen_rows_trigger(
        "SELECT plan_id FROM plans_legalbasis WHERE id = OLD.legalbasis_id",
        "SELECT plan_id FROM plans_legalbasis WHERE id = NEW.legalbasis_id",
    )
    pgtrigger.register(PLAN_TRIGGER)(Plan)
    pgtrigger.register(SIGNED_DOCUMENT_TRIGGER)(SignedDocument)
    pgtrigger.register(TRANSITION_TRIGGER)(PlanTransition)
    pgtrigger.register(AMENDMENT_TRIGGER)(Plan)
    for model in (PlanItem, LegalBasis, Duty):
        pgtrigger.register(by_plan)(model)
    for model in (ImplementingUnit, Target, LineFunding, Allocation):
        pgtrigger.register(by_item)(model)
    pgtrigger.register(by_line_of_group)(PlanItem.target_groups.through)
    pgtrigger.register(by_basis)(LegalBasis.references.through)
