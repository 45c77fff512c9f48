"""Model and form fields shared by every app: money in whole đồng, document numbers, text stored in NFC."""

import json
import re
from typing import NamedTuple

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from lai_chau.money import MAX_AMOUNT, format_million, format_vnd, group_digits, parse_amount
from lai_chau.text import collapse_whitespace, normalize_text

# What the echo under an amount box says when the text is not an amount (the JavaScript shows the same).
AMOUNT_HINTS = {
    "malformed": _("Not an amount: write 1.234.567 or 12,5"),
    "negative": _("An amount cannot be negative"),
    "fractional": _("Less than one đồng is not an amount"),
    "too_large": _("Too large for an amount"),
}


class AmountInput(forms.TextInput):
    """A text box for an amount, followed by an echo of what it is read as, in full đồng: "= 12.345.000 đồng".

    The server writes the echo for the value the page shows (after a save, or a refused post); static/js/
    amount_echo.js rewrites it as the user types, parsing as lai_chau.money.parse_amount does. The echo is a
    polite live region that the box names in aria-describedby.
    """

    template_name = "lai_chau/widgets/amount_input.html"

    def __init__(self, attrs=None, unit: int = 1):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "amount", **(attrs or {})})
        self.unit = unit

    def echo(self, value) -> str:
        """What the box's text is read as, in full đồng; a short hint when it is no amount; '' when empty."""
        if value is None or str(value).strip() == "":
            return ""
        try:
            return f"= {format_vnd(parse_amount(str(value), unit=self.unit))}"
        except ValidationError as error:  # "required": only a unit was typed ("đồng"), no figure to read yet
            return "" if error.code == "required" else str(AMOUNT_HINTS.get(error.code, AMOUNT_HINTS["malformed"]))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["attrs"]["data-amount-unit"] = str(self.unit)
        echo_id = f"{widget['attrs']['id']}_echo" if widget["attrs"].get("id") else ""
        if echo_id:
            described_by = widget["attrs"].get("aria-describedby", "").split()
            widget["attrs"]["aria-describedby"] = " ".join([*described_by, echo_id])
        hints = [(f"data-hint-{code.replace('_', '-')}", hint) for code, hint in AMOUNT_HINTS.items()]
        widget["echo"] = {"id": echo_id, "text": self.echo(widget["value"]), "hints": hints}
        return context


class AmountFormField(forms.Field):
    """Accept an amount typed in Vietnamese notation ("1.728.000.000", "12,5") and return whole đồng.

    `unit` is how many đồng one typed unit stands for: 1 for đồng, 1_000_000 for triệu đồng. The box echoes what it
    reads in full đồng (AmountInput).
    """

    widget = AmountInput

    def __init__(self, *, unit: int = 1, max_value=None, min_value=None, **kwargs):
        self._unit = unit
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)
        self.unit = unit  # and the widget's, for its echo

    @property
    def unit(self) -> int:
        return self._unit

    @unit.setter
    def unit(self, value: int) -> None:
        """A form may choose the unit once bound (a "typed in" choice next to the box): the echo follows it."""
        self._unit = value
        if isinstance(self.widget, AmountInput):
            self.widget.unit = value

    def unit_follows(self, control_name: str, units: dict[str, int]) -> None:
        """Let the echo follow a control of the same form that says the unit, as the user changes it.

        `control_name` is the control's HTML name (with the form's prefix); `units` maps its values to đồng per
        typed unit, e.g. {"trieu": MILLION, "dong": 1}. The form still sets `unit` from the bound value itself.
        """
        self.widget.attrs["data-amount-unit-from"] = control_name
        self.widget.attrs["data-amount-units"] = json.dumps(units)

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


class DocumentNumber(NamedTuple):
    """A document's number and symbol as written on it: 512/KH-UBND. `symbol` is None when only a number was typed."""

    number: int
    symbol: str | None

    def __str__(self) -> str:
        return f"{self.number}/{self.symbol}" if self.symbol else str(self.number)


# A number (ASCII digits), then optionally "/" and a symbol: letters and digits (Vietnamese letters included) in
# groups joined by single hyphens, starting with a letter: KH-UBND, QĐ-TTg, TT-BLĐTBXH, KH-BCĐ.
_SYMBOL_CHAR = r"(?:[^\W\d_]|[0-9])"  # a letter of any script (Đ, Ư…) or an ASCII digit
_DOCUMENT_NUMBER_RE = re.compile(
    rf"(?P<number>[0-9]+)(?:\s?/\s?(?P<symbol>[^\W\d_]{_SYMBOL_CHAR}*(?:-{_SYMBOL_CHAR}+)*))?\Z"
)
DOCUMENT_NUMBER_MALFORMED = _(
    "“%(value)s” is not a document number and symbol: write them as on the document, for example 512/KH-UBND."
)
DOCUMENT_NUMBER_RANGE = _("The document number must be between 1 and %(limit)s.")
DOCUMENT_SYMBOL_TOO_LONG = _("The symbol is too long: at most %(limit)d characters.")


class DocumentNumberField(forms.Field):
    """Read a document's number and symbol typed as written on it ("512/KH-UBND", or "512" alone).

    Return a DocumentNumber: (512, "KH-UBND"), or (512, None) when no symbol was typed (the caller keeps the symbol
    it has). Anything else is refused with a Vietnamese message, never cut down to its number.
    """

    widget = forms.TextInput(attrs={"placeholder": "512/KH-UBND", "autocomplete": "off", "spellcheck": "false"})

    def __init__(self, *, max_number: int = 999_999, max_symbol_length: int = 40, **kwargs):
        self.max_number, self.max_symbol_length = max_number, max_symbol_length
        super().__init__(**kwargs)

    def to_python(self, value) -> DocumentNumber | None:
        if isinstance(value, DocumentNumber):
            return value
        if value in validators.EMPTY_VALUES:
            return None
        text = collapse_whitespace(str(value))
        if not text:
            return None
        match = _DOCUMENT_NUMBER_RE.match(text) if len(text) <= 100 else None
        if not match:
            shown = text if len(text) <= 60 else text[:60] + "…"
            raise ValidationError(DOCUMENT_NUMBER_MALFORMED, code="malformed", params={"value": shown})
        number, symbol = int(match["number"]), match["symbol"]
        if not 1 <= number <= self.max_number:
            limit = group_digits(self.max_number)
            raise ValidationError(DOCUMENT_NUMBER_RANGE, code="range", params={"limit": limit})
        if symbol and len(symbol) > self.max_symbol_length:
            limit = self.max_symbol_length
            raise ValidationError(DOCUMENT_SYMBOL_TOO_LONG, code="symbol_length", params={"limit": limit})
        return DocumentNumber(number, symbol)

    def prepare_value(self, value):
        return str(value) if isinstance(value, DocumentNumber) else value


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
