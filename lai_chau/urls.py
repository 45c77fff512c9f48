from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from lai_chau import views
from lai_chau.installation import installation


def _admin_header() -> str:
    """The admin's header names the installation's issuer (ISSUER_CODE), as every other page does."""
    return _("%(site)s – administration") % {"site": installation().site_name}


admin.site.site_header = lazy(_admin_header, str)()
admin.site.site_title = _("Programme administration")
admin.site.index_title = _("Data management")

urlpatterns = [
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    # One login page for the whole site, the admin included.
    path("quan-tri/login/", views.admin_login, name="admin_login"),
    path("quan-tri/", admin.site.urls),
    path("", include("plans.urls")),
    path("", include("budgets.urls")),
]
