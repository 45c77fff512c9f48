"""The plan as a document (design.md §10, §11, §13): Nghị định 30 details measured on the PDF, nothing printed empty,
issuers other than the city, and the site named after the installation's issuer."""

import datetime
import hashlib
import re

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from budgets.models import LineFunding
from plans.document import issuer_header
from plans.models import Duty, ImplementingUnit, OrgUnit, Plan, SignedDocument
from plans.pdf import render_plan_pdf
from plans.snapshot import take_snapshot
from projects.models import SubProject
from tests.factories import add_line, make_plan_shell
from tests.pagetext import visible_text
from tests.pdflayout import A4_WIDTH, MM, layout, pages, run_starting

LEFT, RIGHT = 30 * MM, A4_WIDTH - 15 * MM  # the PDF's text column (plan-pdf.css margins)
CM = 72 / 2.54


def _pdf(plan, **kwargs) -> bytes:
    return render_plan_pdf(Plan.objects.with_document().get(pk=plan.pk), **kwargs)


def _pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pages(pdf))


def _page(client, plan) -> str:
    response = client.get(plan.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _document_html(page: str) -> str:
    """The document as the page prints it, without the "Sửa" links that staff see beside its sections."""
    document = re.search(r'<article class="document".*?</article>', page, re.S).group(0)
    return re.sub(r'<p class="edit-link".*?</p>', "", document, flags=re.S)


@pytest.fixture
def seed_layout(seed):
    """Text runs and rules of the first and the signature page of the seed's final PDF."""
    pdf = _pdf(seed, draft=False)
    return pdf, [layout(page) for page in pages(pdf)]


# --- Nghị định 30/2020/NĐ-CP details, measured on the seed's PDF -----------------------------------------------


def test_the_rule_under_the_summary_is_a_third_to_a_half_of_its_line_and_centred(seed_layout):
    _, [(runs, rules), *_] = seed_layout
    doc_type = run_starting(runs, "KẾ HOẠCH")
    rule = min((rule for rule in rules if rule.y > doc_type.baseline), key=lambda rule: rule.y)
    summary = [run for run in runs if doc_type.baseline < run.baseline < rule.y]
    assert [run.text for run in summary] == [
        "Thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững trên địa bàn",
        "thành phố năm 2024",
    ]
    centre = (LEFT + RIGHT) / 2
    line_width = max(2 * (centre - run.x) for run in summary)  # centred lines: the width from where each starts
    assert 1 / 3 <= rule.width / line_width <= 1 / 2, rule.width / line_width  # 0.40
    assert rule.centre == pytest.approx(centre, abs=0.5)


def test_the_issuer_rule_is_a_third_to_a_half_of_its_line_and_the_motto_rule_as_long_as_the_motto(seed_layout):
    _, [(runs, rules), *_] = seed_layout
    width = RIGHT - LEFT
    issuer_centre, motto_centre = LEFT + 0.2 * width, LEFT + 0.7 * width  # columns of 40 % and 60 %
    issuer = run_starting(runs, "THÀNH PHỐ LAI CHÂU")
    issuer_rule = next(rule for rule in rules if issuer.baseline < rule.y < issuer.baseline + 10 and rule.x0 < 300)
    assert 1 / 3 <= issuer_rule.width / (2 * (issuer_centre - issuer.x)) <= 1 / 2
    assert issuer_rule.centre == pytest.approx(issuer_centre, abs=0.5)
    motto = run_starting(runs, "Độc lập - Tự do - Hạnh phúc")
    motto_rule = next(rule for rule in rules if motto.baseline < rule.y < motto.baseline + 10 and rule.x0 > 300)
    assert motto_rule.width == pytest.approx(2 * (motto_centre - motto.x), abs=0.5)
    assert motto_rule.x0 == pytest.approx(motto.x, abs=0.5)


def test_the_body_first_line_indent_is_1_27_cm(seed_layout):
    _, [(runs, _rules), *_] = seed_layout
    first = run_starting(runs, "Căn cứ Công văn số 5114/UBND-TH")
    second = runs[runs.index(first) + 1]
    assert second.x == pytest.approx(LEFT, abs=0.2)  # the paragraph's next line starts at the margin
    assert (first.x - LEFT) / CM == pytest.approx(1.27, abs=0.01)
    heading = run_starting(runs, "I. MỤC ĐÍCH, YÊU CẦU")
    assert (heading.x - LEFT) / CM == pytest.approx(1.27, abs=0.01)


def test_the_number_and_the_place_and_date_share_a_baseline(seed_layout):
    _, [(runs, _rules), *_] = seed_layout
    number = run_starting(runs, "Số: 4159/KH-UBND")
    place_date = run_starting(runs, "Thành phố Lai Châu, ngày 29 tháng 12 năm 2023")
    assert number.baseline == pytest.approx(place_date.baseline, abs=0.05)
    assert (number.size, place_date.size) == (pytest.approx(13, abs=0.01), pytest.approx(14, abs=0.01))


def test_wrapped_recipient_lines_hang_after_their_dash(seed_layout):
    _, laid_out = seed_layout
    runs = next(runs for runs, _ in laid_out if any(run.text == "Nơi nhận:" for run in runs))
    title = run_starting(runs, "Nơi nhận:")
    block = [run for run in runs if run.baseline > title.baseline and run.x < LEFT + 200 and abs(run.size - 11) < 0.1]
    dashed = [run for run in block if run.text.startswith("- ")]
    wrapped = [run for run in block if not run.text.startswith("- ")]
    assert len(dashed) == 7 and [run.text for run in wrapped] == ["ngày 06/4/2022 của UBND thành phố;"]
    assert {round(run.x, 1) for run in dashed} == {round(title.x, 1)}
    assert wrapped[0].x - dashed[0].x > 3  # hangs under the words, not under the dash


def test_the_funding_section_refers_to_the_printed_appendix(client, seed, staff_user):
    text = _pdf_text(_pdf(seed, draft=False))
    assert "Dự kiến 1.728 triệu đồng (chi tiết tại Phụ lục kèm theo). 2. Các nguồn kinh phí" in text
    assert "PHỤ LỤC" in text
    client.force_login(staff_user)
    page = visible_text(_document_html(_page(client, seed)))  # the page shows no appendix, so names none
    assert "Dự kiến 1.728 triệu đồng. 2. Các nguồn kinh phí" in page and "Phụ lục" not in page


# --- Nothing prints empty (design.md §13) ------------------------------------------------------------------------


def _sparse_plan(number: int = 9700, **text) -> Plan:
    """A half-filled draft: requirements but no purposes, a time frame but no scope, a line with only an objective
    and no amount, a line with an amount and units but no objective, a duty without tasks, no funding statement,
    no recipients, no signer."""
    plan, project = make_plan_shell(number=number, requirements="Yêu cầu một", time_frame="Năm 2026", **text)
    unit = OrgUnit.objects.get(code="commune-sung-phai")
    for position, (objective, amount) in enumerate([("Chỉ có mục tiêu", 0), ("", 20_000_000)], start=1):
        sub, _ = SubProject.objects.get_or_create(project=project, code=f"9.{position}", defaults={"name": "Thử"})
        item = add_line(plan, amount=amount, position=position, project=project, sub_project=sub, objective=objective)
        if amount:
            ImplementingUnit.objects.create(item=item, unit=unit)
    Duty.objects.create(plan=plan, position=1, assignee="Đơn vị không có nhiệm vụ", tasks="")
    Duty.objects.create(plan=plan, position=2, assignee="UBND xã Sùng Phài", tasks="Thực hiện Tiểu dự án 9.2.")
    return plan


NO_AMOUNT = re.compile(r"(?<![\d.,])0 triệu đồng|Dự kiến\s+triệu đồng")
EMPTY_ELEMENT = re.compile(r"<(p|h[1-6]|div|li)\b(?![^>]*signature-space)[^>]*>\s*</\1>")


def test_a_half_filled_plan_prints_no_empty_heading_line_or_block_on_its_page(client, seed, staff_user):
    plan = _sparse_plan()
    client.force_login(staff_user)
    document = _document_html(_page(client, plan))
    assert EMPTY_ELEMENT.findall(document) == []
    text = visible_text(document)
    for absent in ["1. Mục đích", "Phạm vi:", "Đối tượng", "Nơi nhận", "Đơn vị không có nhiệm vụ"]:
        assert absent not in text
    assert not NO_AMOUNT.search(text)
    # Sections and parts are numbered as printed: I to V with no gap; "1. Yêu cầu", not "2. Yêu cầu".
    assert re.findall(r'<h3 class="doc-h1"[^>]*>([^<]*)</h3>', document) == [
        "I. MỤC ĐÍCH, YÊU CẦU",
        "II. PHẠM VI, ĐỐI TƯỢNG VÀ THỜI GIAN THỰC HIỆN",
        "III. NỘI DUNG, NHIỆM VỤ CỦA CHƯƠNG TRÌNH",
        "IV. KINH PHÍ THỰC HIỆN CHƯƠNG TRÌNH",
        "V. TỔ CHỨC THỰC HIỆN",
    ]
    assert "I. MỤC ĐÍCH, YÊU CẦU 1. Yêu cầu - Yêu cầu một" in text
    assert "1. Thời gian thực hiện: Năm 2026" in text
    # Lines lettered over what they have: the first only an objective, the second no objective.
    assert "1.1. Tiểu dự án 1: Thử a) Mục tiêu: Chỉ có mục tiêu 1.2. Tiểu dự án 2: Thử" in text
    assert (
        "1.2. Tiểu dự án 2: Thử a) Nguồn vốn thực hiện: Dự kiến 20 triệu đồng. b) Đơn vị thực hiện: UBND xã Sùng Phài."
        in text
    )
    assert "1. Tổng kinh phí thực hiện: Dự kiến 20 triệu đồng." in text
    assert "V. TỔ CHỨC THỰC HIỆN 1. UBND xã Sùng Phài Thực hiện Tiểu dự án 9.2." in text


def test_a_half_filled_plan_prints_nothing_empty_in_its_pdf(seed):
    plan = _sparse_plan()
    text = _pdf_text(_pdf(plan))
    assert "Nơi nhận" not in text
    assert not NO_AMOUNT.search(text)
    assert "Đơn vị không có nhiệm vụ" not in text
    assert "V. TỔ CHỨC THỰC HIỆN" in text and "VI." not in text
    assert "1. Tổng kinh phí thực hiện: Dự kiến 20 triệu đồng (chi tiết tại Phụ lục kèm theo)." in text
    # The appendix lists the line that has an amount, numbered from 1.
    assert re.search(r"PHỤ LỤC .* 1 Tiểu dự án 9\.2: Thử UBND xã Sùng Phài 20 Tổng cộng 20", text)
    assert "Tiểu dự án 9.1: Thử UBND" not in text


def test_without_amounts_there_is_no_funding_section_and_no_appendix(client, seed, staff_user):
    plan = _sparse_plan()
    LineFunding.objects.filter(item__plan=plan).update(amount=0)
    text = _pdf_text(_pdf(plan))
    assert "KINH PHÍ THỰC HIỆN" not in text and "PHỤ LỤC" not in text and "Bằng chữ" not in text
    assert "IV. TỔ CHỨC THỰC HIỆN" in text
    Plan.objects.filter(pk=plan.pk).update(funding_notes="Các nguồn kinh phí hợp pháp khác (nếu có).")
    text = _pdf_text(_pdf(plan))
    assert "IV. KINH PHÍ THỰC HIỆN CHƯƠNG TRÌNH 1. Các nguồn kinh phí hợp pháp khác (nếu có)." in text


def test_the_signature_block_prints_only_its_filled_lines(client, seed, staff_user):
    plan = _sparse_plan(authority_lines="TM. ỦY BAN NHÂN DÂN", signer_name="Trần Đình Tiến")
    client.force_login(staff_user)
    document = _document_html(_page(client, plan))
    signature = re.search(r'<div class="signature".*?</div>', document, re.S).group(0)
    assert re.findall(r'<p class="(authority|signer)">([^<]*)</p>', signature) == [
        ("authority", "TM. ỦY BAN NHÂN DÂN"),
        ("signer", "Trần Đình Tiến"),
    ]
    plan.authority_lines = plan.signer_name = ""
    plan.save(update_fields=["authority_lines", "signer_name"])
    document = _document_html(_page(client, plan))
    assert 'class="signature"' not in document and 'class="recipients"' not in document
    assert EMPTY_ELEMENT.findall(document) == []


# --- Issuers other than the city (design.md §11) -------------------------------------------------------------------


def _unit(code: str, name: str, kind: str, parent: OrgUnit | None, full_name: str = "") -> OrgUnit:
    return OrgUnit.objects.create(
        code=code, name=name, full_name=full_name, kind=kind, parent=parent, valid_from=datetime.date(2020, 1, 1)
    )


def _issued_by(unit: OrgUnit, number: int) -> Plan:
    plan = _sparse_plan(number=number)
    Plan.objects.filter(pk=plan.pk).update(issuer=unit)
    return Plan.objects.get(pk=plan.pk)


def _page_header(client, plan) -> list[tuple[str, str]]:
    header = re.search(r'<header class="doc-header".*?</header>', _page(client, plan), re.S).group(0)
    return re.findall(r'<p class="(issuer-parent|issuer-name)">([^<]*)</p>', header)


def _pdf_header(plan) -> list[tuple[str, str]]:
    runs, _ = layout(pages(_pdf(plan))[0])
    number = run_starting(runs, "Số:")
    issuer_column_end = LEFT + 0.4 * (RIGHT - LEFT)
    return [(run.font, run.text) for run in runs if run.x < issuer_column_end and run.baseline < number.baseline - 5]


@pytest.mark.parametrize(
    ("code", "header"),
    [
        ("commune-sung-phai", [("ỦY BAN NHÂN DÂN", True), ("XÃ SÙNG PHÀI", True)]),
        ("lai-chau-province", [("ỦY BAN NHÂN DÂN", True), ("TỈNH LAI CHÂU", True)]),
        ("city-ldtbxh", [("UBND THÀNH PHỐ LAI CHÂU", False), ("PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", True)]),
        ("city-ttyt", [("UBND THÀNH PHỐ LAI CHÂU", False), ("TRUNG TÂM Y TẾ", True)]),
    ],
)
def test_the_header_names_the_issuer_and_a_departments_parent_in_page_and_pdf(client, seed, staff_user, code, header):
    plan = _issued_by(OrgUnit.objects.get(code=code), number=9710)
    client.force_login(staff_user)
    assert _page_header(client, plan) == [("issuer-name" if bold else "issuer-parent", text) for text, bold in header]
    # In the PDF the parent's line is regular and the issuer's bold; a long name may wrap onto two lines.
    printed = _pdf_header(plan)
    assert " ".join(text for _, text in printed) == " ".join(text for text, _ in header)
    parent_lines = 0 if header[0][1] else 1
    assert [font for font, _ in printed] == ["Liberation-Serif"] * parent_lines + ["Liberation-Serif-Bold"] * (
        len(printed) - parent_lines
    )


def test_district_level_issuers_print_as_themselves_and_their_departments_under_them(seed):
    province = OrgUnit.objects.get(code="lai-chau-province")
    district = _unit("tam-duong", "UBND huyện Tam Đường", "district", province, "Ủy ban nhân dân huyện Tam Đường")
    town = _unit("than-uyen", "UBND thị xã Than Uyên", "town", province)
    finance = _unit("tam-duong-tckh", "Phòng Tài chính - Kế hoạch huyện Tam Đường", "department", district)
    assert [line.text for line in issuer_header(district)] == ["ỦY BAN NHÂN DÂN", "HUYỆN TAM ĐƯỜNG"]
    assert [line.text for line in issuer_header(town)] == ["UBND THỊ XÃ THAN UYÊN"]  # no full name recorded
    assert [(line.text, line.parent) for line in issuer_header(finance)] == [
        ("UBND HUYỆN TAM ĐƯỜNG", True),
        ("PHÒNG TÀI CHÍNH - KẾ HOẠCH", False),
    ]
    assert " ".join(text for _, text in _pdf_header(_issued_by(finance, 9711))) == (
        "UBND HUYỆN TAM ĐƯỜNG PHÒNG TÀI CHÍNH - KẾ HOẠCH"
    )


def test_a_plan_issued_before_the_2025_reorganisation_keeps_its_issuer(client, seed, staff_user, leader):
    """Since 01/07/2025 the city level is gone: its unit ends, the new wards answer to the province. The 2024 plan
    still prints its issuer; a signed plan of a department keeps its parent's name as signed."""
    OrgUnit.objects.filter(code="lai-chau-city").update(valid_to=datetime.date(2025, 6, 30))
    client.force_login(staff_user)
    assert _page_header(client, seed) == [("issuer-name", "ỦY BAN NHÂN DÂN"), ("issuer-name", "THÀNH PHỐ LAI CHÂU")]
    ward = OrgUnit.objects.get(code="ward-tan-phong-2025")
    assert _page_header(client, _issued_by(ward, 9712)) == [
        ("issuer-name", "ỦY BAN NHÂN DÂN"),
        ("issuer-name", "PHƯỜNG TÂN PHONG"),
    ]

    signed = _issued_by(OrgUnit.objects.get(code="city-ldtbxh"), 9713)
    Plan.objects.filter(pk=signed.pk).update(status=Plan.Status.SIGNED)
    names = take_snapshot(Plan.objects.with_document().get(pk=signed.pk))
    SignedDocument.objects.create(
        plan=signed,
        pdf=b"%PDF-1.7",
        sha256=hashlib.sha256(b"%PDF-1.7").hexdigest(),
        signed_at=timezone.now(),
        signed_by=leader,
        names=names,
    )
    OrgUnit.objects.filter(code="lai-chau-city").update(name="UBND thành phố Lai Châu (giải thể)")
    assert _page_header(client, signed)[0] == ("issuer-parent", "UBND THÀNH PHỐ LAI CHÂU")


# --- The web page's font and the site's name ----------------------------------------------------------------------


def test_the_page_declares_the_shipped_liberation_serif_for_the_document_and_serves_its_files(client, seed, staff_user):
    css = open(finders.find("css/site.css"), encoding="utf-8").read()
    faces = re.findall(r"@font-face\s*{([^}]*)}", css)
    sources = {}
    for face in faces:
        family = re.search(r'font-family:\s*"([^"]+)"', face).group(1)
        weight = re.search(r"font-weight:\s*(\d+)", face).group(1)
        style = re.search(r"font-style:\s*(\w+)", face).group(1)
        sources[(family, weight, style)] = re.search(r'url\("\.\./fonts/([^"]+)"\)', face).group(1)
    assert sources == {
        ("Liberation Serif 2.1", "400", "normal"): "LiberationSerif-Regular.ttf",
        ("Liberation Serif 2.1", "700", "normal"): "LiberationSerif-Bold.ttf",
        ("Liberation Serif 2.1", "400", "italic"): "LiberationSerif-Italic.ttf",
        ("Liberation Serif 2.1", "700", "italic"): "LiberationSerif-BoldItalic.ttf",
    }
    document_rule = re.search(r"\.document \{[^}]*font-family:\s*([^;]+);", css).group(1)
    assert document_rule.startswith('"Liberation Serif 2.1"')  # first: never an installed font of the same name
    client.force_login(staff_user)
    page = _page(client, seed)
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]*site\.css)"', page).group(1)
    for name in set(sources.values()):
        served = client.get(stylesheet.replace("css/site.css", f"fonts/{name}"))
        assert served.status_code == 200
        body = b"".join(served.streaming_content) if served.streaming else served.content
        assert body == open(finders.find(f"fonts/{name}"), "rb").read()  # the PDF's own font file, not a copy


def test_the_site_is_named_after_the_installations_issuer(client, seed, staff_user, settings):
    client.force_login(staff_user)
    page = client.get("/").content.decode()
    assert "<title>Kế hoạch · Giảm nghèo bền vững – UBND thành phố Lai Châu</title>" in page
    assert re.search(r'class="brand-mark"[^>]*>LC<', page) and "<small>UBND thành phố Lai Châu</small>" in page

    settings.ISSUER_CODE = "commune-sung-phai"
    page = client.get("/").content.decode()
    assert "Giảm nghèo bền vững – UBND xã Sùng Phài</title>" in page and "Lai Châu" not in visible_text(page)[:80]
    assert re.search(r'class="brand-mark"[^>]*>SP<', page)

    settings.ISSUER_CODE = "no-such-unit"
    page = client.get("/").content.decode()
    assert "· Giảm nghèo bền vững</title>" in page and "<small>" not in page
    assert re.search(r'class="brand-mark"[^>]*>GN<', page)


def test_the_pdf_names_its_issuer_as_author_and_the_installation_as_creator(seed, settings):
    import io

    import pypdf

    settings.ISSUER_CODE = "city-ldtbxh"
    plan = _issued_by(OrgUnit.objects.get(code="commune-sung-phai"), 9714)
    metadata = pypdf.PdfReader(io.BytesIO(_pdf(plan))).metadata
    assert metadata.author == "UBND xã Sùng Phài"
    assert metadata.creator == "Giảm nghèo bền vững – Phòng Lao động - Thương binh và Xã hội thành phố"
