"""The installation's issuer: the body this site serves, named by the ISSUER_CODE setting and read only here.

Its name heads every page (templates/base.html, through lai_chau.context_processors) and the PDFs the site writes,
instead of a place hard-coded in templates. When no unit has that code, the site names itself after the programme
alone.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

# Words of a unit's name that say what kind of body it is, not where it is.
BODY_WORDS = re.compile(
    r"^(ubnd|ủy ban nhân dân|hđnd|hội đồng nhân dân)?\s*(tỉnh|thành phố|huyện|quận|thị xã|phường|xã|thị trấn)?\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Installation:
    issuer_name: str  # "UBND thành phố Lai Châu"; empty when ISSUER_CODE names no unit

    @property
    def site_name(self) -> str:
        """'Giảm nghèo bền vững – UBND thành phố Lai Châu': the site's title and the PDFs' creator."""
        programme = _("Sustainable poverty reduction")
        return f"{programme} – {self.issuer_name}" if self.issuer_name else programme

    @property
    def place(self) -> str:
        """The issuer's place without the words naming its kind of body: 'Lai Châu' for 'UBND thành phố Lai Châu'."""
        return BODY_WORDS.sub("", self.issuer_name, count=1).strip()

    @property
    def mark(self) -> str:
        """Initials of the place for the round brand mark: 'LC' for Lai Châu, 'GN' (giảm nghèo) without one."""
        initials = "".join(word[0] for word in self.place.split() if word[0].isalpha()).upper()
        return initials[:3] or "GN"


def installation() -> Installation:
    """Read the installation's issuer (one query)."""
    from plans.models import OrgUnit

    name = OrgUnit.objects.filter(code=settings.ISSUER_CODE).values_list("name", flat=True).first()
    return Installation(issuer_name=name or "")
