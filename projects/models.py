"""The programme catalogue (QĐ 90/QĐ-TTg): programmes, their projects and sub-projects.

A project without sub-projects is itself a budget line ("2"); otherwise its sub-projects are ("3.2").
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from lai_chau.fields import NFCCharField
from lai_chau.history import audit_history


class ProgrammeManager(models.Manager):
    def get_by_natural_key(self, code: str) -> "Programme":
        return self.get(code=code)


class Programme(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = NFCCharField(_("name"), max_length=300)
    decision_number = NFCCharField(_("decision number"), max_length=40, help_text=_("e.g. 90/QĐ-TTg"))
    decision_date = models.DateField(_("decision date"))
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))

    objects = ProgrammeManager()
    history = audit_history()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-start_year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__gte=models.F("start_year")), name="programme_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_year}–{self.end_year})"

    def natural_key(self) -> tuple[str]:
        return (self.code,)


class ProjectManager(models.Manager):
    def get_by_natural_key(self, programme_code: str, code: str) -> "Project":
        return self.get(programme__code=programme_code, code=code)


class Project(models.Model):
    programme = models.ForeignKey(Programme, models.PROTECT, related_name="projects", verbose_name=_("programme"))
    code = models.CharField(_("code"), max_length=10, help_text=_("e.g. 2"))
    name = NFCCharField(_("name"), max_length=300)

    objects = ProjectManager()
    history = audit_history()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["programme", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="project_code_unique_per_programme"),
            models.CheckConstraint(condition=models.Q(code__regex=r"^[0-9]+$"), name="project_code_is_number"),
        ]

    def __str__(self) -> str:
        return f"Dự án {self.code}: {self.name}"

    def natural_key(self) -> tuple[str, str]:
        return (self.programme.code, self.code)

    natural_key.dependencies = ["projects.programme"]


class SubProjectManager(models.Manager):
    def get_by_natural_key(self, programme_code: str, code: str) -> "SubProject":
        return self.get(project__programme__code=programme_code, code=code)


class SubProject(models.Model):
    project = models.ForeignKey(Project, models.PROTECT, related_name="sub_projects", verbose_name=_("project"))
    code = models.CharField(_("code"), max_length=10, help_text=_("e.g. 3.2"))
    name = NFCCharField(_("name"), max_length=300)

    objects = SubProjectManager()
    history = audit_history()

    class Meta:
        verbose_name = _("sub-project")
        verbose_name_plural = _("sub-projects")
        ordering = ["project", "code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="sub_project_code_unique_per_project"),
            models.CheckConstraint(condition=models.Q(code__regex=r"^[0-9]+\.[0-9]+$"), name="sub_project_code_n_m"),
        ]

    def __str__(self) -> str:
        return f"Tiểu dự án {self.code}: {self.name}"

    def natural_key(self) -> tuple[str, str]:
        return (self.project.programme.code, self.code)

    natural_key.dependencies = ["projects.project"]

    @property
    def number_in_project(self) -> str:
        """Return the M of code N.M ("2" for 3.2), as the plan text says "Tiểu dự án 2"."""
        return self.code.split(".", 1)[1]
