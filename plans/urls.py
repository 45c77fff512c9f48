from django.urls import path

from plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("ke-hoach/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("ke-hoach/<int:pk>/pdf/", views.plan_pdf, name="plan_pdf"),
    path("ke-hoach/<int:pk>/trinh-ky/", views.plan_submit_view, name="plan_submit"),
    path("ke-hoach/<int:pk>/ky/", views.plan_sign_view, name="plan_sign"),
    path("ke-hoach/<int:pk>/tra-lai/", views.plan_return_view, name="plan_return"),
    path("ke-hoach/<int:pk>/dieu-chinh/", views.plan_amend_view, name="plan_amend"),
    path("ke-hoach/<int:pk>/so-sanh/", views.plan_compare, name="plan_compare"),
]
