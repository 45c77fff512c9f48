from django.urls import path

from budgets import views

app_name = "budgets"
urlpatterns = [
    path("ke-hoach/<int:pk>/kinh-phi/", views.budget_report, name="budget_report"),
    path("ke-hoach/<int:pk>/kinh-phi/phan-bo/", views.allocation_edit, name="allocation_edit"),
    path("ke-hoach/<int:pk>/kinh-phi/lich-su/", views.budget_history, name="budget_history"),
    # Excel round trip (budgets/excel_views.py)
]
