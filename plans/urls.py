from django.urls import path

from plans import edit_views, views

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
    path("ke-hoach/<int:pk>/huy-du-thao/", views.plan_discard_view, name="plan_discard"),
    # A new plan year and the section editors of a draft (plans/edit_views.py); fixed paths before <slug:section>.
    path("ke-hoach/nam-moi/", edit_views.plan_start_year, name="plan_start_year"),
    path("ke-hoach/<int:pk>/sua/can-cu/", edit_views.plan_edit_legal_bases, name="plan_edit_legal_bases"),
    path("ke-hoach/<int:pk>/sua/to-chuc-thuc-hien/", edit_views.plan_edit_duties, name="plan_edit_duties"),
    path("ke-hoach/<int:pk>/sua/noi-dung/", edit_views.plan_edit_lines, name="plan_edit_lines"),
    path("ke-hoach/<int:pk>/sua/noi-dung/them/", edit_views.plan_line_add, name="plan_line_add"),
    path("ke-hoach/<int:pk>/sua/noi-dung/<int:item>/", edit_views.plan_line_edit, name="plan_line_edit"),
    path("ke-hoach/<int:pk>/sua/noi-dung/<int:item>/xoa/", edit_views.plan_line_remove, name="plan_line_remove"),
    path("ke-hoach/<int:pk>/sua/<slug:section>/", edit_views.plan_edit_section, name="plan_edit_section"),
]
