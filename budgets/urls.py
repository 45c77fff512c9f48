from django.urls import path

from budgets import excel_views, views

app_name = "budgets"
urlpatterns = [
    path("ke-hoach/<int:pk>/kinh-phi/", views.budget_report, name="budget_report"),
    path("ke-hoach/<int:pk>/kinh-phi/phan-bo/", views.allocation_edit, name="allocation_edit"),
    path("ke-hoach/<int:pk>/kinh-phi/lich-su/", views.budget_history, name="budget_history"),
    # Excel round trip (budgets/excel_views.py)
    path("ke-hoach/<int:pk>/kinh-phi/xuat-excel/", excel_views.budget_export, name="budget_export"),
    path("ke-hoach/<int:pk>/kinh-phi/nhap-excel/", excel_views.budget_import, name="budget_import"),
]
