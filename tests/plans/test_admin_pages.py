"""Admin screens a staff officer uses daily: in Vietnamese, money formatted, and a constant number of queries."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.models import PlanItem
from tests.factories import make_plan
from tests.pagetext import visible_text


@pytest.fixture
def admin_client(client, seed):
    client.force_login(get_user_model().objects.create_superuser("quantri", "qt@example.vn", "x"))
    return client


def _count_queries(client, url: str) -> int:
    client.get(url)  # warm per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url_of",
    [
        lambda plan: f"/quan-tri/plans/plan/{plan.pk}/change/",
        lambda plan: f"/quan-tri/plans/planitem/{plan.items.first().pk}/change/",
        lambda plan: "/quan-tri/plans/plan/",
        lambda plan: "/quan-tri/plans/planitem/",
        lambda plan: "/quan-tri/budgets/allocation/",
    ],
    ids=["plan-change", "planitem-change", "plan-list", "planitem-list", "allocation-list"],
)
def test_admin_pages_run_the_same_number_of_queries_for_small_and_large_plans(admin_client, url_of):
    small = make_plan(lines=2, units_per_line=1, number=9001)
    small_count = _count_queries(admin_client, url_of(small))
    large = make_plan(lines=25, units_per_line=4, number=9002)
    assert _count_queries(admin_client, url_of(large)) == small_count


def test_admin_shows_money_in_vietnamese_notation_and_vietnamese_labels(admin_client, seed):
    item = PlanItem.objects.get(plan=seed, sub_project__code="4.1")
    text = visible_text(admin_client.get("/quan-tri/plans/planitem/").content)
    assert "685.000.000 đồng" in text
    assert "Nội dung kế hoạch" in text
    form = admin_client.get(f"/quan-tri/plans/planitem/{item.pk}/change/").content.decode()
    assert 'value="685.000.000"' in form
    assert "Đơn vị thực hiện" in form
