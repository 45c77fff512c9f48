"""Side by side: what an amendment changes in the plan it amends (amounts, units, text)."""

import difflib
from dataclasses import dataclass

from plans.models import Plan, PlanItem

PLAN_TEXT_FIELDS = [
    "summary",
    "preamble",
    "purposes",
    "requirements",
    "scope",
    "target_groups",
    "time_frame",
    "funding_statement",
    "funding_notes",
    "solutions",
    "closing",
    "recipients",
    "authority_lines",
    "signer_title",
    "signer_name",
]
LINE_TEXT_FIELDS = ["objective", "beneficiaries", "activities_intro", "activities", "outputs"]


@dataclass(frozen=True)
class LineComparison:
    code: str
    name: str
    old_amount: int | None
    new_amount: int | None
    old_units: list[str]
    new_units: list[str]

    @property
    def difference(self) -> int:
        return (self.new_amount or 0) - (self.old_amount or 0)

    @property
    def changed(self) -> bool:
        return self.old_amount != self.new_amount or self.old_units != self.new_units


@dataclass(frozen=True)
class TextChange:
    where: str
    pieces: list[tuple[str, str]]  # ("same" | "removed" | "added", text)


@dataclass(frozen=True)
class Comparison:
    lines: list[LineComparison]
    texts: list[TextChange]

    @property
    def old_total(self) -> int:
        return sum(line.old_amount or 0 for line in self.lines)

    @property
    def new_total(self) -> int:
        return sum(line.new_amount or 0 for line in self.lines)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Return the words of old and new as pieces marked same, removed or added."""
    old_words, new_words = old.split(), new.split()
    pieces = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(("same", " ".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            pieces.append(("removed", " ".join(old_words[a1:a2])))
        if b2 > b1:
            pieces.append(("added", " ".join(new_words[b1:b2])))
    return pieces


def _units(item: PlanItem | None) -> list[str]:
    return [iu.unit.name for iu in item.implementing_units.all()] if item else []


def compare_plans(original: Plan, amendment: Plan) -> Comparison:
    """Compare two plans fetched with Plan.objects.with_document(); lines are matched by their code."""
    old_items = {item.code: item for item in original.items.all()}
    new_items = {item.code: item for item in amendment.items.all()}
    codes = list(old_items) + [code for code in new_items if code not in old_items]
    lines, texts = [], []
    for code in codes:
        old, new = old_items.get(code), new_items.get(code)
        lines.append(
            LineComparison(
                code=code,
                name=(new or old).name,
                old_amount=old.amount if old else None,
                new_amount=new.amount if new else None,
                old_units=_units(old),
                new_units=_units(new),
            )
        )
        for field in LINE_TEXT_FIELDS:
            before, after = getattr(old, field, ""), getattr(new, field, "")
            if before != after:
                label = f"{code} – {PlanItem._meta.get_field(field).verbose_name}"
                texts.append(TextChange(where=label, pieces=word_diff(before, after)))
    plan_texts = [
        TextChange(
            where=str(Plan._meta.get_field(field).verbose_name).capitalize(),
            pieces=word_diff(getattr(original, field), getattr(amendment, field)),
        )
        for field in PLAN_TEXT_FIELDS
        if getattr(original, field) != getattr(amendment, field)
    ]
    return Comparison(lines=lines, texts=plan_texts + texts)
