"""Pages of the site frame that belong to no app."""

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse


@login_not_required
def admin_login(request: HttpRequest) -> HttpResponse:
    """Where the admin sends whoever it does not let in.

    Anonymous visitors go to the site's one login page and come back. A logged-in user without admin access gets a
    page that says so: the login page would send them straight back to the admin, which would send them here, forever.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
    if request.user.is_active and request.user.is_staff:
        return redirect("admin:index")
    return render(request, "registration/admin_forbidden.html", status=403)
