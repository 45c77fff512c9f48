from django.utils.functional import SimpleLazyObject

from lai_chau.installation import installation as read_installation


def installation(request):
    """`installation` in every template: the issuer the site serves (lai_chau.installation), read when first used."""
    return {"installation": SimpleLazyObject(read_installation)}
