"""Find plans the way people name them: by document number ("4159/KH-UBND") or by id."""

from django.core.exceptions import ObjectDoesNotExist, ValidationError

from plans.models import Plan


def plan_by_reference(reference: str, queryset=None) -> Plan:
    """Return the plan named by `reference`; raise ValidationError with a readable reason otherwise."""
    queryset = Plan.objects.all() if queryset is None else queryset
    reference = reference.strip()
    if reference.isdigit():
        try:
            return queryset.get(pk=int(reference))
        except ObjectDoesNotExist:
            raise ValidationError(f"Không có kế hoạch mang id {reference}.") from None
    number, _, symbol = reference.replace(" ", "").partition("/")
    if not number.isdigit() or not symbol:
        raise ValidationError(f"“{reference}” không phải số kế hoạch (ví dụ 4159/KH-UBND) hay id.")
    matches = list(queryset.filter(number=int(number), symbol__iexact=symbol)[:2])
    if not matches:
        raise ValidationError(f"Không có kế hoạch số {number}/{symbol}.")
    if len(matches) > 1:
        raise ValidationError(f"Có nhiều kế hoạch số {number}/{symbol} (nhiều năm): hãy dùng id.")
    return matches[0]
