"""Money: funding sources, the ceilings the province notifies, what each plan line draws on each source, and
allocations of plan lines to units."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from lai_chau.fields import AmountField, NFCCharField
from lai_chau.history import audit_history


class FundingSourceManager(models.Manager):
    def get_by_natural_key(self, code: str) -> "FundingSource":
        return self.get(code=code)


class FundingSource(models.Model):
    class Origin(models.TextChoices):
        CENTRAL = "central", _("central budget (NSTW)")
        LOCAL = "local", _("local budget (NSĐP)")
        OTHER = "other", _("other lawful sources")

    class Kind(models.TextChoices):
        RECURRENT = "recurrent", _("recurrent funds (vốn sự nghiệp)")
        INVESTMENT = "investment", _("investment funds (vốn đầu tư)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = NFCCharField(_("name"), max_length=200)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    objects = FundingSourceManager()
    history = audit_history()

    class Meta:
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "kind"], name="funding_source_unique_origin_kind"),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    @property
    def document_order(self) -> tuple:
        """The order Vietnamese budget documents name sources in, used on every page: central before local before
        other lawful sources, recurrent (sự nghiệp) before investment (đầu tư) funds."""
        origins, kinds = list(self.Origin.values), list(self.Kind.values)
        return (origins.index(self.origin), kinds.index(self.kind), self.code)


class CeilingManager(models.Manager):
    def get_by_natural_key(self, issuer_code: str, year: int, source_code: str) -> "Ceiling":
        return self.get(issuer__code=issuer_code, year=year, source__code=source_code)


class Ceiling(models.Model):
    """The most one issuer's plan for a year may spend from one source, as notified by the province.

    Not a row of any plan: finance records it, and may lower it, whatever the state of the plans it applies to
    (budgets/ceilings.py). A plan's ceilings are those of its issuer and year (budgets.selectors.ceilings_for).
    """

    issuer = models.ForeignKey(
        "plans.OrgUnit", models.PROTECT, related_name="ceilings", verbose_name=_("issuer of the plans")
    )
    year = models.PositiveSmallIntegerField(_("plan year"))
    source = models.ForeignKey(FundingSource, models.PROTECT, related_name="ceilings", verbose_name=_("funding source"))
    amount = AmountField(_("amount (đồng)"), help_text=_("Whole đồng. Vietnamese notation is accepted: 1.728.000.000"))
    notified_by = models.ForeignKey(
        "plans.DocumentReference",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="ceilings",
        verbose_name=_("notified by"),
    )

    objects = CeilingManager()
    history = audit_history()

    class Meta:
        verbose_name = _("ceiling")
        verbose_name_plural = _("ceilings")
        ordering = ["-year", "issuer", "source"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="ceiling_amount_gte_0"),
            models.CheckConstraint(condition=models.Q(year__gte=2000, year__lte=2100), name="ceiling_year_plausible"),
            models.UniqueConstraint(
                fields=["issuer", "year", "source"],
                name="ceiling_unique_per_issuer_year_source",
                violation_error_message=_("A ceiling for this issuer, year and source is already recorded: edit it."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} – {self.issuer} – {self.year}"

    def natural_key(self) -> tuple[str, int, str]:
        return (self.issuer.code, self.year, self.source.code)

    natural_key.dependencies = ["plans.orgunit", "budgets.fundingsource", "plans.documentreference"]


class LineFunding(models.Model):
    """How much of a plan line's money comes from one funding source (design.md §13): a line has one row per source
    it draws on, and its amount is their sum. Ceilings and the rules of §6 are per source."""

    item = models.ForeignKey("plans.PlanItem", models.CASCADE, related_name="fundings", verbose_name=_("plan line"))
    source = models.ForeignKey(
        FundingSource, models.PROTECT, related_name="line_fundings", verbose_name=_("funding source")
    )
    amount = AmountField(_("amount (đồng)"), help_text=_("Whole đồng. Vietnamese notation is accepted: 530.000.000"))

    history = audit_history()

    class Meta:
        verbose_name = _("line funding")
        verbose_name_plural = _("line fundings")
        ordering = ["item", "source__code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="line_funding_amount_gte_0"),
            models.UniqueConstraint(
                fields=["item", "source"],
                name="line_funding_once_per_source",
                violation_error_message=_("This line already draws on this source: change its amount instead."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} – {self.source}"


class Allocation(models.Model):
    """The part of a plan line's amount given to one implementing unit, from one source."""

    item = models.ForeignKey("plans.PlanItem", models.CASCADE, related_name="allocations", verbose_name=_("plan line"))
    unit = models.ForeignKey("plans.OrgUnit", models.PROTECT, related_name="allocations", verbose_name=_("unit"))
    source = models.ForeignKey(
        FundingSource, models.PROTECT, related_name="allocations", verbose_name=_("funding source")
    )
    amount = AmountField(_("amount (đồng)"), help_text=_("Whole đồng. Vietnamese notation is accepted: 530.000.000"))

    history = audit_history()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["item", "unit"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="allocation_amount_gte_0"),
            models.UniqueConstraint(fields=["item", "unit", "source"], name="allocation_unique_per_unit_source"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.item}"
