from django.urls import path

from budgets import ceiling_views, excel_views, views

app_name = "budgets"
urlpatterns = [
    path("ke-hoach/<int:pk>/kinh-phi/", views.budget_report, name="budget_report"),
    path("ke-hoach/<int:pk>/kinh-phi/phan-bo/", views.allocation_edit, name="allocation_edit"),
    path("ke-hoach/<int:pk>/kinh-phi/lich-su/", views.budget_history, name="budget_history"),
    # Excel round trip (budgets/excel_views.py)
    path("ke-hoach/<int:pk>/kinh-phi/xuat-excel/", excel_views.budget_export, name="budget_export"),
    path("ke-hoach/<int:pk>/kinh-phi/nhap-excel/", excel_views.budget_import, name="budget_import"),
    # Ceilings per issuer, year and source (budgets/ceiling_views.py); `ceiling_id`, not `pk`: no plan in these URLs
    path("tran-kinh-phi/", ceiling_views.ceiling_list, name="ceiling_list"),
    path("tran-kinh-phi/them/", ceiling_views.ceiling_add, name="ceiling_add"),
    path("tran-kinh-phi/<int:ceiling_id>/sua/", ceiling_views.ceiling_edit, name="ceiling_edit"),
]
