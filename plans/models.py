"""The annual plan as a document: who issues it, its text, its budget lines and the units carrying them out.

Multi-paragraph fields hold one paragraph per line (see lai_chau.text.paragraphs); the document's numbering
(I., 1., a) …) is generated when rendering, never stored.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lai_chau.fields import NFCCharField, NFCTextField
from lai_chau.history import audit_history
from lai_chau.text import paragraphs

ONE_PER_LINE = _("One paragraph per line.")


class OrgUnitManager(models.Manager):
    def get_by_natural_key(self, code: str) -> "OrgUnit":
        return self.get(code=code)


class OrgUnit(models.Model):
    """An administrative or implementing unit, as it was between valid_from and valid_to (history is kept)."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("province")
        CITY = "city", _("city")
        DISTRICT = "district", _("rural district (huyện)")
        URBAN_DISTRICT = "urban_district", _("urban district (quận)")
        TOWN = "town", _("town (thị xã)")
        WARD = "ward", _("ward")
        COMMUNE = "commune", _("commune")
        VILLAGE = "village", _("village")
        DEPARTMENT = "department", _("department or centre")

    # Units that issue their own plan (and get ceilings notified for it): the districts, towns and the city until
    # 30/06/2025; since 01/07/2025 a ward or commune, or the province itself (design.md §11). Which of them may issue
    # a plan for a year is further told by valid_from/valid_to (is_valid_in_year).
    ISSUER_KINDS = (
        Kind.PROVINCE,
        Kind.CITY,
        Kind.DISTRICT,
        Kind.URBAN_DISTRICT,
        Kind.TOWN,
        Kind.WARD,
        Kind.COMMUNE,
    )

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = NFCCharField(_("name"), max_length=200, help_text=_("As written in plans, e.g. UBND xã Sùng Phài."))
    full_name = NFCCharField(
        _("full name"), max_length=200, blank=True, help_text=_("e.g. Ủy ban nhân dân thành phố Lai Châu")
    )
    short_name = NFCCharField(_("short name"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent unit")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Empty while the unit exists."))
    especially_disadvantaged = models.BooleanField(_("especially disadvantaged (ĐBKK)"), default=False)

    objects = OrgUnitManager()
    history = audit_history()

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="org_unit_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    def is_valid_in_year(self, year: int) -> bool:
        """Whether the unit exists at some time in `year` (as plans.editing.units_valid_in_year filters)."""
        return self.valid_from <= datetime.date(year, 12, 31) and (
            self.valid_to is None or self.valid_to >= datetime.date(year, 1, 1)
        )

    @property
    def display_full_name(self) -> str:
        return self.full_name or self.name


class DocumentReferenceManager(models.Manager):
    def get_by_natural_key(self, number: str, issued_on: str) -> "DocumentReference":
        return self.get(number=number, issued_on=issued_on)


class DocumentReference(models.Model):
    """An official document cited by a plan or a ceiling: "Công văn số 5114/UBND-TH ngày 28/12/2023"."""

    kind = NFCCharField(_("document type"), max_length=60, help_text=_("e.g. Công văn, Kế hoạch, Quyết định"))
    number = NFCCharField(_("number and symbol"), max_length=60, help_text=_("e.g. 5114/UBND-TH"))
    issued_on = models.DateField(_("issued on"))
    issuer = NFCCharField(_("issuer"), max_length=200)
    subject = NFCTextField(_("subject"), blank=True)

    objects = DocumentReferenceManager()
    history = audit_history()

    class Meta:
        verbose_name = _("document reference")
        verbose_name_plural = _("document references")
        ordering = ["-issued_on", "number"]
        constraints = [
            models.UniqueConstraint(fields=["number", "issued_on"], name="document_reference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} số {self.number} ngày {self.issued_on:%d/%m/%Y} của {self.issuer}"

    def natural_key(self) -> tuple[str, str]:
        return (self.number, self.issued_on.isoformat())


class PlanQuerySet(models.QuerySet):
    # Set by with_document(): signed plans come back naming units, projects and documents as they were signed,
    # and every plan comes with the ceilings of its issuer and year (budgets.selectors.ceilings_for).
    _as_signed = False
    _with_ceilings = False

    def _clone(self):
        clone = super()._clone()
        clone._as_signed = self._as_signed
        clone._with_ceilings = self._with_ceilings
        return clone

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._with_ceilings:
            from budgets.selectors import attach_ceilings

            attach_ceilings(self._result_cache)  # one query: ceilings are the issuer's per year, not the plan's
        if fresh and self._as_signed:
            from plans.snapshot import apply_snapshot

            for plan in self._result_cache:
                signed = isinstance(plan, Plan) and getattr(plan, "signed_document", None)
                if signed:
                    apply_snapshot(plan, signed.names)

    def with_supersession(self) -> "PlanQuerySet":
        """Annotate `superseded` (a signed amendment of the plan exists, so the plan is no longer in force) and the
        plan's amendment if it has one (a version is amended at most once): `successor_id`, `successor_number`,
        `successor_symbol` and `successor_status`, for the pages to say which version replaced it or is in the
        making without a query per plan."""
        signed_amendment = Plan.objects.filter(amends=models.OuterRef("pk"), status=Plan.Status.SIGNED)
        amendment = Plan.objects.filter(amends=models.OuterRef("pk"))
        return self.annotate(
            superseded=models.Exists(signed_amendment),
            successor_id=models.Subquery(amendment.values("pk")[:1]),
            successor_number=models.Subquery(amendment.values("number")[:1]),
            successor_symbol=models.Subquery(amendment.values("symbol")[:1]),
            successor_status=models.Subquery(amendment.values("status")[:1]),
        )

    def in_force(self) -> "PlanQuerySet":
        """The versions in force: signed and not superseded by a signed amendment (one per plan chain)."""
        return self.with_supersession().filter(status=Plan.Status.SIGNED, superseded=False)

    def with_total(self) -> "PlanQuerySet":
        """Annotate `total`: the sum of the plan's line amounts in đồng (0 without lines)."""
        from budgets.models import LineFunding

        total = (
            LineFunding.objects.filter(item__plan=models.OuterRef("pk"))
            .order_by()
            .values("item__plan")
            .annotate(total=models.Sum("amount"))
            .values("total")
        )
        return self.annotate(total=Coalesce(models.Subquery(total), 0, output_field=models.BigIntegerField()))

    def with_document(self) -> "PlanQuerySet":
        """Fetch everything the plan page shows, in a fixed number of queries; a signed plan reads as signed."""
        queryset = (
            self.select_related("programme", "issuer__parent", "amends", "signed_document")
            .defer("signed_document__pdf")
            .prefetch_related(
                "legal_bases__references",
                models.Prefetch("transitions", queryset=PlanTransition.objects.select_related("by")),
                models.Prefetch("duties", queryset=Duty.objects.select_related("unit")),
                models.Prefetch(
                    "items",
                    queryset=PlanItem.objects.select_related("project", "sub_project").prefetch_related(
                        prefetch_fundings(),
                        models.Prefetch("implementing_units", ImplementingUnit.objects.select_related("unit")),
                        "targets",
                        "target_groups",
                        models.Prefetch("allocations", queryset=_allocation_queryset()),
                    ),
                ),
            )
        )
        queryset._as_signed = True
        queryset._with_ceilings = True
        return queryset


def prefetch_fundings() -> models.Prefetch:
    """A line's fundings with their sources: what PlanItem.amount, .sources and .funding_list() read, so that a page
    listing lines does not query per line."""
    from budgets.models import LineFunding

    return models.Prefetch("fundings", queryset=LineFunding.objects.select_related("source").order_by("source__code"))


def _allocation_queryset():
    from budgets.models import Allocation

    return Allocation.objects.select_related("unit", "source").order_by("unit__name", "source__code")


class PlanManager(models.Manager.from_queryset(PlanQuerySet)):
    def get_by_natural_key(self, issuer_code: str, year: int, number: int) -> "Plan":
        return self.get(issuer__code=issuer_code, year=year, number=number)


class Plan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        SIGNED = "signed", _("signed")

    programme = models.ForeignKey(
        "projects.Programme", models.PROTECT, related_name="plans", verbose_name=_("programme")
    )
    issuer = models.ForeignKey(OrgUnit, models.PROTECT, related_name="issued_plans", verbose_name=_("issuer"))
    number = models.PositiveIntegerField(_("number"), help_text=_("e.g. 4159"))
    symbol = models.CharField(_("symbol"), max_length=40, default="KH-UBND")
    place = NFCCharField(_("place"), max_length=100, help_text=_("e.g. Thành phố Lai Châu"))
    issued_on = models.DateField(_("issued on"))
    year = models.PositiveSmallIntegerField(_("plan year"))
    summary = NFCTextField(_("summary line"))
    preamble = NFCTextField(_("introductory sentence"), blank=True)
    purposes = NFCTextField(_("purposes"), blank=True, help_text=ONE_PER_LINE)
    requirements = NFCTextField(_("requirements"), blank=True, help_text=ONE_PER_LINE)
    scope = NFCTextField(_("scope"), blank=True)
    target_groups = NFCTextField(_("target groups"), blank=True, help_text=ONE_PER_LINE)
    time_frame = NFCTextField(_("time frame"), blank=True)
    funding_statement = NFCTextField(
        _("funding statement"), blank=True, help_text=_("Sentence before the total, e.g. “Tổng kinh phí … : Dự kiến”.")
    )
    funding_notes = NFCTextField(_("other funding notes"), blank=True, help_text=ONE_PER_LINE)
    solutions = NFCTextField(_("main solutions"), blank=True, help_text=ONE_PER_LINE)
    closing = NFCTextField(_("closing sentence"), blank=True)
    recipients = NFCTextField(_("recipients"), blank=True, help_text=ONE_PER_LINE)
    authority_lines = NFCTextField(
        _("authority lines"), blank=True, help_text=_("One per line, e.g. TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH.")
    )
    signer_title = NFCCharField(_("signer's title"), max_length=100, blank=True)
    signer_name = NFCCharField(_("signer's name"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    amends = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="amendments", verbose_name=_("amends")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PlanManager()
    history = audit_history(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-year", "-issued_on", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "number"],
                name="plan_number_unique_per_issuer_year",
                violation_error_message=_("This issuer already has a plan with this number for this year."),
            ),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="plan_number_positive"),
            models.CheckConstraint(condition=models.Q(year__gte=2000, year__lte=2100), name="plan_year_plausible"),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "submitted", "signed"]), name="plan_status_valid"
            ),
            # design.md §13: versions form one line (each amended at most once), so exactly one is in force: the
            # latest signed. A second amendment of the same version, open or signed, is refused here too.
            models.UniqueConstraint(
                fields=["amends"],
                name="plan_amended_once",
                violation_error_message=_("This plan has already been amended: amend its latest version."),
            ),
        ]

    def __str__(self) -> str:
        return f"Kế hoạch số {self.document_number} ({self.year})"

    def get_absolute_url(self) -> str:
        return reverse("plans:plan_detail", args=[self.pk])

    def natural_key(self) -> tuple[str, int, int]:
        return (self.issuer.code, self.year, self.number)

    natural_key.dependencies = ["plans.orgunit", "projects.programme"]

    @property
    def document_number(self) -> str:
        return f"{self.number}/{self.symbol}"

    @property
    def successor_document_number(self) -> str:
        """The number of the plan's amendment, for a plan fetched with_supersession() that has one."""
        return f"{self.successor_number}/{self.successor_symbol}"

    @property
    def in_force(self) -> bool:
        """For a plan fetched with_supersession(): the version of its chain in force (signed, not superseded)."""
        return self.status == Plan.Status.SIGNED and not self.superseded

    @property
    def amendment_in_making(self) -> bool:
        """For a plan fetched with_supersession(): its amendment exists and is not signed yet."""
        return self.successor_id is not None and self.successor_status != Plan.Status.SIGNED

    def paragraphs_of(self, field: str) -> list[str]:
        return paragraphs(getattr(self, field))


class PlanTransition(models.Model):
    """One step of a plan's lifecycle: who moved it from which status to which, when and why."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="transitions", verbose_name=_("plan"))
    from_status = models.CharField(_("from"), max_length=20, choices=Plan.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Plan.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = NFCTextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("plan transition")
        verbose_name_plural = _("plan transitions")
        ordering = ["plan", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(to_status="draft", from_status="submitted") | ~models.Q(comment=""),
                name="plan_transition_return_has_reason",
                violation_error_message=_("Sending a plan back needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.from_status} → {self.to_status}"


class SignedDocument(models.Model):
    """The PDF of a signed plan, produced once at signing: every download returns exactly these bytes."""

    plan = models.OneToOneField(Plan, models.PROTECT, related_name="signed_document", verbose_name=_("plan"))
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    digitally_signed = models.BooleanField(_("digitally signed (PAdES)"), default=False)
    names = models.JSONField(
        _("names as signed"),
        default=dict,
        blank=True,
        help_text=_("Units, projects, sources and documents as the plan named them when it was signed."),
    )

    class Meta:
        verbose_name = _("signed document")
        verbose_name_plural = _("signed documents")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="signed_document_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} ({self.sha256[:12]}…)"


class LegalBasis(models.Model):
    """One "Căn cứ …" paragraph, as written, with the documents it cites."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="legal_bases", verbose_name=_("plan"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = NFCTextField(_("text"))
    references = models.ManyToManyField(
        DocumentReference, blank=True, related_name="cited_by", verbose_name=_("documents cited")
    )

    history = audit_history(m2m_fields=[references])

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class PlanItemQuerySet(models.QuerySet):
    def in_document_order(self) -> "PlanItemQuerySet":
        return self.order_by("plan", "position", "pk")


class PlanItemManager(models.Manager.from_queryset(PlanItemQuerySet)):
    def get_by_natural_key(self, issuer_code: str, year: int, number: int, code: str) -> "PlanItem":
        plan = Plan.objects.get_by_natural_key(issuer_code, year, number)
        if "." in code:
            return self.get(plan=plan, sub_project__code=code)
        return self.get(plan=plan, project__code=code, sub_project__isnull=True)


class PlanItem(models.Model):
    """One budget line of a plan: a catalogue project without sub-projects ("2") or a sub-project ("3.2")."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="items", verbose_name=_("plan"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    project = models.ForeignKey(
        "projects.Project", models.PROTECT, related_name="plan_items", verbose_name=_("project")
    )
    sub_project = models.ForeignKey(
        "projects.SubProject",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_items",
        verbose_name=_("sub-project"),
    )
    title = NFCCharField(
        _("title in this plan"),
        max_length=300,
        blank=True,
        help_text=_("As this plan writes it; empty to use the catalogue's name."),
    )
    objective = NFCTextField(_("objective"), blank=True)
    beneficiaries = NFCTextField(_("beneficiaries"), blank=True, help_text=ONE_PER_LINE)
    target_groups = models.ManyToManyField(
        "beneficiaries.TargetGroup", blank=True, related_name="plan_items", verbose_name=_("target groups")
    )
    activities_label = NFCCharField(_("activities heading"), max_length=60, default="Nội dung hoạt động")
    activities_intro = NFCTextField(_("activities introduction"), blank=True)
    activities = NFCTextField(_("activities"), blank=True, help_text=ONE_PER_LINE)
    outputs = NFCTextField(_("outputs"), blank=True)
    units_label = NFCCharField(_("units heading"), max_length=60, default="Đơn vị thực hiện")
    units = models.ManyToManyField(
        OrgUnit, through="ImplementingUnit", related_name="plan_items", verbose_name=_("implementing units")
    )

    objects = PlanItemManager()
    history = audit_history(m2m_fields=[target_groups])

    class Meta:
        verbose_name = _("plan line")
        verbose_name_plural = _("plan lines")
        ordering = ["plan", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "project"],
                condition=models.Q(sub_project__isnull=True),
                name="plan_item_project_once_per_plan",
                violation_error_message=_("This line is already in the plan: a line code appears once per plan."),
            ),
            models.UniqueConstraint(
                fields=["plan", "sub_project"],
                name="plan_item_sub_project_once_per_plan",
                violation_error_message=_("This line is already in the plan: a line code appears once per plan."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def natural_key(self) -> tuple[str, int, int, str]:
        return (*self.plan.natural_key(), self.code)

    natural_key.dependencies = ["plans.plan", "projects.subproject"]

    @property
    def code(self) -> str:
        return self.sub_project.code if self.sub_project_id else self.project.code

    @property
    def catalogue_name(self) -> str:
        return self.sub_project.name if self.sub_project_id else self.project.name

    @property
    def name(self) -> str:
        return self.title or self.catalogue_name

    # The line's money is its fundings (budgets.LineFunding), one per source; read from the prefetched rows that
    # Plan.objects.with_document() brings, so pages do not query per line.
    def funding_list(self) -> list:
        return sorted(self.fundings.all(), key=lambda funding: funding.source.document_order)

    @property
    def amount(self) -> int:
        """The line's amount in đồng: the sum of what it draws on each source (0 before any is set)."""
        return sum(funding.amount for funding in self.fundings.all())

    @property
    def sources(self) -> list:
        return [funding.source for funding in self.funding_list()]

    def clean(self) -> None:
        from plans.services import validate_plan_item_line

        validate_plan_item_line(self)

    def activity_list(self) -> list[str]:
        return paragraphs(self.activities)

    def beneficiary_list(self) -> list[str]:
        return paragraphs(self.beneficiaries)


class ImplementingUnit(models.Model):
    item = models.ForeignKey(PlanItem, models.CASCADE, related_name="implementing_units", verbose_name=_("plan line"))
    unit = models.ForeignKey(OrgUnit, models.PROTECT, related_name="implementing", verbose_name=_("unit"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = audit_history()

    class Meta:
        verbose_name = _("implementing unit")
        verbose_name_plural = _("implementing units")
        ordering = ["item", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "unit"],
                name="implementing_unit_once_per_line",
                violation_error_message=_("This unit is already an implementing unit of the line."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.item.code}"


class Target(models.Model):
    """A quantified output target of a line, e.g. 20 trẻ × 2 đợt."""

    item = models.ForeignKey(PlanItem, models.CASCADE, related_name="targets", verbose_name=_("plan line"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    description = NFCCharField(_("description"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"))
    measure = NFCCharField(_("unit of measure"), max_length=40, help_text=_("e.g. trẻ, phiếu"))
    rounds = models.PositiveSmallIntegerField(_("rounds"), default=1)

    history = audit_history()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["item", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="target_quantity_positive"),
            models.CheckConstraint(condition=models.Q(rounds__gte=1), name="target_rounds_positive"),
        ]

    def __str__(self) -> str:
        return self.description


class Duty(models.Model):
    """What one unit (or group of units) must do under "Tổ chức thực hiện"."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="duties", verbose_name=_("plan"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    assignee = NFCCharField(
        _("assignee"), max_length=200, help_text=_("Heading as written, e.g. Phòng Tài chính - Kế hoạch thành phố")
    )
    unit = models.ForeignKey(
        OrgUnit, models.PROTECT, null=True, blank=True, related_name="duties", verbose_name=_("unit")
    )
    tasks = NFCTextField(_("tasks"), help_text=ONE_PER_LINE)

    history = audit_history()

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        return self.assignee

    def task_list(self) -> list[str]:
        return paragraphs(self.tasks)


class Membership(models.Model):
    """A user's role in the programme and, for unit officers, the unit they report for."""

    class Role(models.TextChoices):
        PROGRAMME_STAFF = "programme_staff", _("LĐ-TBXH staff")
        UNIT_OFFICER = "unit_officer", _("unit officer")
        LEADERSHIP = "leadership", _("leadership")
        FINANCE = "finance", _("finance office")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="membership", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        OrgUnit, models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("unit")
    )

    history = audit_history()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="unit_officer") | models.Q(unit__isnull=False), name="unit_officer_has_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"
