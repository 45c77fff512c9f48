"""Model and form fields shared by every app: money in whole đồng, text stored in NFC."""

from django import forms
from django.core import validators
from django.db import models

from lai_chau.money import MAX_AMOUNT, format_million, group_digits, parse_amount
from lai_chau.text import normalize_text


class AmountFormField(forms.Field):
    """Accept an amount typed in Vietnamese notation ("1.728.000.000", "12,5") and return whole đồng.

    `unit` is how many đồng one typed unit stands for: 1 for đồng, 1_000_000 for triệu đồng.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "amount"})

    def __init__(self, *, unit: int = 1, max_value=None, min_value=None, **kwargs):
        self.unit = unit
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)

    def to_python(self, value) -> int | None:
        if value in validators.EMPTY_VALUES:
            return None
        if isinstance(value, int):
            return value
        return parse_amount(value, unit=self.unit)

    def prepare_value(self, value):
        if isinstance(value, int):
            return group_digits(value) if self.unit == 1 else format_million(value)
        return value


class AmountField(models.BigIntegerField):
    """An amount in whole đồng (64-bit); forms accept Vietnamese notation."""

    def formfield(self, **kwargs):
        # Always a text box: the admin would otherwise swap in <input type="number">, which shows
        # "530.000.000" as empty and refuses Vietnamese notation.
        kwargs.pop("widget", None)
        return super().formfield(**{"form_class": AmountFormField, **kwargs})

    @property
    def validators(self):
        return [*super().validators, validators.MinValueValidator(0), validators.MaxValueValidator(MAX_AMOUNT)]


class NFCTextMixin:
    """Store text normalised to Unicode NFC, whichever path writes it (forms, admin, fixtures, queries)."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_text(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return normalize_text(value) if isinstance(value, str) else value


class NFCCharField(NFCTextMixin, models.CharField):
    pass


class NFCTextField(NFCTextMixin, models.TextField):
    pass
