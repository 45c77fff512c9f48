"""Forms as a browser would submit them, so tests post real forms: read out of a page's HTML (the admin's), or
from a bound Django form (the allocation editor)."""

from html.parser import HTMLParser

SUBMIT_TYPES = {"submit", "button", "image", "reset", "file"}


class _FormReader(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_values: list[str] = []
        self._first_option: str | None = None
        self._option: dict | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.form_id is None or attrs.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type", "text") not in SUBMIT_TYPES:
            if attrs.get("type") in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
            else:
                self._add(name, attrs.get("value", ""))
        elif tag == "select" and name:
            self._select, self._select_values, self._first_option = name, [], None
            self._multiple = "multiple" in attrs
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs:
                self._select_values.append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            values = self._select_values or ([] if self._multiple else [self._first_option or ""])
            for value in values:
                self._add(self._select, value)
            self._select = None
        elif tag == "textarea":
            if self._textarea:
                self.data[self._textarea][-1] = self.data[self._textarea][-1].removeprefix("\n")
            self._textarea = None


def form_data(content: bytes, form_id: str | None = None) -> dict[str, list[str]]:
    """Return {field name: [values]} of the form with `form_id` (or every form) as the browser would post it."""
    reader = _FormReader(form_id)
    reader.feed(content.decode())
    return reader.data


def posted(form, **changes) -> dict:
    """A Django form as the browser would post it untouched, with `changes` typed over it."""
    data = {}
    for bound in form:
        value = bound.field.prepare_value(bound.value())
        if value not in (None, False):
            data[bound.html_name] = "on" if value is True else value
        if bound.field.show_hidden_initial:
            initial = bound.field.prepare_value(bound.initial)
            data[bound.html_initial_name] = "" if initial is None else initial
    return {**data, **changes}
