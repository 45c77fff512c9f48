"""The plan as a document outline: generated numbering over the stored data, shared by the page and the PDF.

The seed's own numbering is irregular (two sections "V", "4.2. Tiểu dự án 3"); numbering is generated here
from the order of the data, never stored. Nothing empty is printed (design.md §13): a part with no content has no
heading, no number and no letter, and the numbers and letters of the parts that remain stay consecutive.
"""

from dataclasses import dataclass, field

from lai_chau.text import paragraphs
from plans.models import OrgUnit, Plan, PlanItem

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
# Vietnamese documents letter their points a), b), c), d), đ), e), g), h), i), k), … (no f, j; đ after d).
LETTERS = ["a", "b", "c", "d", "đ", "e", "g", "h", "i", "k", "l", "m", "n"]


@dataclass(frozen=True)
class SourceAmount:
    """What a line, or the whole plan, draws on one funding source, in đồng."""

    source: object  # budgets.models.FundingSource
    amount: int


def source_order(source) -> tuple:
    return source.document_order


def line_sources(item: PlanItem) -> list[SourceAmount]:
    """The sources a line draws money on (amount above 0), in document order, from the prefetched fundings."""
    found = [SourceAmount(f.source, f.amount) for f in item.fundings.all() if f.amount > 0]
    return sorted(found, key=lambda part: source_order(part.source))


def plan_sources(items: list[PlanItem]) -> list[SourceAmount]:
    """The plan's total per source it draws money on (above 0), in document order."""
    totals: dict[int, SourceAmount] = {}
    for item in items:
        for part in line_sources(item):
            before = totals.get(part.source.pk)
            totals[part.source.pk] = SourceAmount(part.source, part.amount + (before.amount if before else 0))
    return sorted(totals.values(), key=lambda part: source_order(part.source))


def funding_breakdown(items: list[PlanItem]) -> list[SourceAmount]:
    """The plan's totals per source when the document breaks money down by source, else [].

    The document breaks down when the plan draws money on more than one source (design.md §13). A source a line
    names with 0 đồng has nothing to print (nothing prints empty, no "0 triệu đồng"), so it does not count: a plan
    drawing money on one source reads exactly as the 2024 plan does.
    """
    sources = plan_sources(items)
    return sources if len(sources) > 1 else []


@dataclass(frozen=True)
class LineSection:
    """One budget line under its project heading: "4.1. Tiểu dự án 1: …" or no heading of its own."""

    number: str
    title: str
    item: PlanItem
    # Letter of each part of the line that has content, keyed by part: {"objective": "a)", "outputs": "c)", …}.
    letters: dict[str, str] = field(default_factory=dict)
    # What the line draws on each source, when the document breaks money down by source; [] otherwise.
    fundings: list[SourceAmount] = field(default_factory=list)


def line_letters(item: PlanItem) -> dict[str, str]:
    """Letter the parts of a line that have something to print, in document order."""
    parts = [
        ("objective", bool(item.objective)),
        ("beneficiaries", bool(paragraphs(item.beneficiaries))),
        ("activities", bool(item.activities_intro or paragraphs(item.activities))),
        ("outputs", bool(item.outputs)),
        ("funding", item.amount > 0),
        ("units", bool(item.implementing_units.all())),
    ]
    present = [key for key, has_content in parts if has_content]
    return {key: f"{LETTERS[index]})" for index, key in enumerate(present)}


@dataclass(frozen=True)
class ProjectSection:
    number: str
    title: str
    lines: list[LineSection] = field(default_factory=list)


def project_sections(items: list[PlanItem], *, by_source: bool = False) -> list[ProjectSection]:
    """Group lines by project, in document order, and number them 1., 2., … and 1.1., 1.2., …

    With `by_source` (the plan draws on several sources, funding_breakdown), each line carries its amount per
    source (LineSection.fundings).
    """
    groups: list[list[PlanItem]] = []
    for item in items:
        if groups and groups[-1][0].project_id == item.project_id:
            groups[-1].append(item)
        else:
            groups.append([item])
    sections = []
    for index, group in enumerate(groups, start=1):
        project = group[0].project
        lines = []
        for sub_index, item in enumerate(group, start=1):
            letters = line_letters(item)
            fundings = line_sources(item) if by_source else []
            if item.sub_project_id is None:
                lines.append(LineSection(number="", title="", item=item, letters=letters, fundings=fundings))
                continue
            number = f"{index}.{sub_index}." if len(group) > 1 else ""
            # item.name: the line's own title in this plan (PlanItem.title), else the catalogue's.
            title = f"Tiểu dự án {item.sub_project.number_in_project}: {item.name}"
            lines.append(LineSection(number=number, title=title, item=item, letters=letters, fundings=fundings))
        # A project without sub-projects is itself the line: its heading carries the line's title.
        name = group[0].name if group[0].sub_project_id is None else project.name
        sections.append(ProjectSection(number=f"{index}.", title=f"Dự án {project.code}: {name}", lines=lines))
    return sections


@dataclass(frozen=True)
class Heading:
    """A top-level section heading, numbered I., II., … in the order the sections appear.

    `numbers` numbers the section's own parts that have content ({"purposes": "1.", "requirements": "2."});
    `entries` are the numbered paragraphs or duties that follow them, as (number, paragraph or Duty).
    """

    number: str
    title: str
    numbers: dict[str, str] = field(default_factory=dict)
    entries: list[tuple[str, object]] = field(default_factory=list)


def _numbers(count: int, start: int = 1) -> list[str]:
    return [f"{index}." for index in range(start, start + count)]


def _numbered(parts: list[tuple[str, bool]]) -> dict[str, str]:
    """Number the parts that have content 1., 2., … in order, keyed by part."""
    present = [key for key, has_content in parts if has_content]
    return dict(zip(present, _numbers(len(present)), strict=True))


def plan_total(plan: Plan) -> int:
    """The sum of the plan's line amounts, in đồng, from the prefetched lines."""
    return sum(item.amount for item in plan.items.all())


def top_headings(plan: Plan) -> dict[str, Heading]:
    """Return the numbered headings of the sections this plan has content for, keyed by section name.

    The wording is the document's own (a Vietnamese administrative text), not interface text: not translated.
    """
    purposes = _numbered(
        [("purposes", bool(paragraphs(plan.purposes))), ("requirements", bool(paragraphs(plan.requirements)))]
    )
    scope = _numbered(
        [
            ("scope", bool(plan.scope)),
            ("target_groups", bool(paragraphs(plan.target_groups))),
            ("time_frame", bool(plan.time_frame)),
        ]
    )
    funding = _numbered([("total", plan_total(plan) > 0)])
    funding_notes = paragraphs(plan.funding_notes)
    notes = list(zip(_numbers(len(funding_notes), start=len(funding) + 1), funding_notes, strict=True))
    duties = [duty for duty in plan.duties.all() if paragraphs(duty.tasks)]
    sections = [
        ("purposes", "MỤC ĐÍCH, YÊU CẦU", bool(purposes), purposes, []),
        ("scope", "PHẠM VI, ĐỐI TƯỢNG VÀ THỜI GIAN THỰC HIỆN", bool(scope), scope, []),
        ("content", "NỘI DUNG, NHIỆM VỤ CỦA CHƯƠNG TRÌNH", bool(plan.items.all()), {}, []),
        ("funding", "KINH PHÍ THỰC HIỆN CHƯƠNG TRÌNH", bool(funding or notes), funding, notes),
        ("solutions", "GIẢI PHÁP CHỦ YẾU", bool(paragraphs(plan.solutions)), {}, []),
        ("organisation", "TỔ CHỨC THỰC HIỆN", bool(duties), {}, list(zip(_numbers(len(duties)), duties, strict=True))),
    ]
    headings = {}
    for key, title, present, numbers, entries in sections:
        if present:
            headings[key] = Heading(number=f"{ROMAN[len(headings)]}.", title=title, numbers=numbers, entries=entries)
    return headings


@dataclass(frozen=True)
class HeaderLine:
    """One line of the issuing body's block in the document header, already in capitals."""

    text: str
    parent: bool = False  # the body the issuer answers to (cơ quan chủ quản): set in regular weight, not bold


# The word a unit of each kind calls itself in a name: "UBND thành phố Lai Châu", "Phòng … thành phố".
LEVEL_WORDS = {
    OrgUnit.Kind.PROVINCE: "tỉnh",
    OrgUnit.Kind.CITY: "thành phố",
    OrgUnit.Kind.DISTRICT: "huyện",
    OrgUnit.Kind.URBAN_DISTRICT: "quận",
    OrgUnit.Kind.TOWN: "thị xã",
    OrgUnit.Kind.WARD: "phường",
    OrgUnit.Kind.COMMUNE: "xã",
}
# Bodies whose name the header sets on two lines: "ỦY BAN NHÂN DÂN" over "THÀNH PHỐ LAI CHÂU".
COUNCIL_BODIES = ("ỦY BAN NHÂN DÂN ", "HỘI ĐỒNG NHÂN DÂN ")


def _without_parent_locality(name: str, parent: OrgUnit) -> str:
    """'Phòng Lao động - Thương binh và Xã hội thành phố' under the city → 'Phòng Lao động - Thương binh và Xã hội'.

    The parent's line already says whose department it is; a trailing 'thành phố' or 'thành phố Lai Châu' would
    say it twice.
    """
    word = LEVEL_WORDS.get(parent.kind)
    if not word:
        return name
    parent_name = parent.display_full_name
    at = parent_name.lower().find(f"{word} ")
    endings = [f" {word}"] + ([f" {parent_name[at:]}"] if at >= 0 else [])
    for ending in sorted(endings, key=len, reverse=True):
        if name.lower().endswith(ending.lower()) and len(name) > len(ending):
            return name[: -len(ending)]
    return name


def issuer_header(unit: OrgUnit) -> list[HeaderLine]:
    """The issuing body's lines at the top left of the document (Nghị định 30/2020/NĐ-CP, Phụ lục I, II.3).

    A People's Committee (province, city, district, ward, commune) prints as itself, on two lines. A department or
    centre prints under the body it answers to: "UBND THÀNH PHỐ LAI CHÂU" (regular) over
    "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI" (bold). Names are those of the unit as the plan names it (a signed plan
    reads them from its snapshot), so a plan issued before a reorganisation keeps its header.
    """
    if unit.kind == OrgUnit.Kind.DEPARTMENT and unit.parent_id:
        parent = unit.parent
        own_name = _without_parent_locality(unit.display_full_name, parent)
        return [HeaderLine(parent.name.upper(), parent=True), HeaderLine(own_name.upper())]
    name = unit.display_full_name.upper()
    for body in COUNCIL_BODIES:
        if name.startswith(body) and len(name) > len(body):
            return [HeaderLine(body.strip()), HeaderLine(name[len(body) :])]
    return [HeaderLine(name)]


def document_context(plan: Plan) -> dict:
    """What templates/plans/_document.html reads besides the plan: numbered headings, the lines grouped by project
    and, in a plan drawing on several sources, its total per source (`funding_sources`, [] otherwise)."""
    items = list(plan.items.all())
    sources = funding_breakdown(items)
    return {
        "headings": top_headings(plan),
        "sections": project_sections(items, by_source=bool(sources)),
        "funding_sources": sources,
    }
