"""Who the programme is for: the catalogue of target groups that plan lines name."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from lai_chau.fields import NFCCharField, NFCTextField
from lai_chau.history import audit_history


class PovertyStatus(models.TextChoices):
    POOR = "poor", _("poor household")
    NEAR_POOR = "near_poor", _("near-poor household")
    NEWLY_ESCAPED = "newly_escaped", _("household newly escaped from poverty (within 36 months)")


class TargetGroupManager(models.Manager):
    def get_by_natural_key(self, code: str) -> "TargetGroup":
        return self.get(code=code)


class TargetGroup(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = NFCCharField(_("name"), max_length=200, unique=True)
    description = NFCTextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = TargetGroupManager()
    history = audit_history()

    class Meta:
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.code,)
