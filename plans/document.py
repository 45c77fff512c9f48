"""The plan as a document outline: generated numbering over the stored data, shared by the page and the PDF.

The seed's own numbering is irregular (two sections "V", "4.2. Tiểu dự án 3"); numbering is generated here
from the order of the data, never stored.
"""

from dataclasses import dataclass, field

from plans.models import Plan, PlanItem

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


@dataclass(frozen=True)
class LineSection:
    """One budget line under its project heading: "4.1. Tiểu dự án 1: …" or no heading of its own."""

    number: str
    title: str
    item: PlanItem


@dataclass(frozen=True)
class ProjectSection:
    number: str
    title: str
    lines: list[LineSection] = field(default_factory=list)


def project_sections(items: list[PlanItem]) -> list[ProjectSection]:
    """Group lines by project, in document order, and number them 1., 2., … and 1.1., 1.2., …"""
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
            if item.sub_project_id is None:
                lines.append(LineSection(number="", title="", item=item))
                continue
            number = f"{index}.{sub_index}." if len(group) > 1 else ""
            title = f"Tiểu dự án {item.sub_project.number_in_project}: {item.sub_project.name}"
            lines.append(LineSection(number=number, title=title, item=item))
        sections.append(ProjectSection(number=f"{index}.", title=f"Dự án {project.code}: {project.name}", lines=lines))
    return sections


@dataclass(frozen=True)
class Heading:
    """A top-level section heading, numbered I., II., … in the order the sections appear."""

    number: str
    title: str


def top_headings(plan: Plan) -> dict[str, Heading]:
    """Return the numbered headings of the sections this plan has, keyed by section name.

    The wording is the document's own (a Vietnamese administrative text), not interface text: not translated.
    """
    sections = [
        ("purposes", "MỤC ĐÍCH, YÊU CẦU", bool(plan.purposes or plan.requirements)),
        (
            "scope",
            "PHẠM VI, ĐỐI TƯỢNG VÀ THỜI GIAN THỰC HIỆN",
            bool(plan.scope or plan.target_groups or plan.time_frame),
        ),
        ("content", "NỘI DUNG, NHIỆM VỤ CỦA CHƯƠNG TRÌNH", True),
        ("funding", "KINH PHÍ THỰC HIỆN CHƯƠNG TRÌNH", True),
        ("solutions", "GIẢI PHÁP CHỦ YẾU", bool(plan.solutions)),
        ("organisation", "TỔ CHỨC THỰC HIỆN", bool(plan.duties.all())),
    ]
    headings = {}
    for key, title, present in sections:
        if present:
            headings[key] = Heading(number=f"{ROMAN[len(headings)]}.", title=title)
    return headings
