"""Logins, sessions and step-up authentication: the pieces that settings.py wires into django-axes and the middleware.

* Lockout: django-axes counts failed logins per account and per address; `lockout_response` is its Vietnamese page.
  Axes' backend comes first, so a locked-out attempt is refused before any password is hashed.
* Idle timeout: `SessionIdleMiddleware` pushes an active session's expiry forward at most once a minute.
* Step-up: the time of the last password entry is kept in the session; signing a plan asks for the password again
  when it is older than SIGNING_REAUTH_SECONDS (`recently_authenticated`, `confirm_password`).
"""

import ipaddress
import math
import time

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

# Epoch seconds of the last time the user typed their password (login or re-confirmation).
AUTH_TIME_KEY = "auth_time"
# Epoch seconds of the last time the session's expiry was pushed forward.
SEEN_KEY = "seen_at"
# A session is saved (its expiry slid forward) at most this often; SESSION_SAVE_EVERY_REQUEST would write every page.
IDLE_REFRESH_SECONDS = 60
LOCKOUT_STATUS = 429


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as our own reverse proxies saw it.

    Each of the REVERSE_PROXY_COUNT proxies appends the address it received the request from to X-Forwarded-For,
    so the client is that many entries from the right; entries further left are whatever the client sent.
    """
    count = settings.REVERSE_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count and len(forwarded) >= count:
        candidate = forwarded[-count]
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR")


def minutes_locked(request: HttpRequest, credentials: dict | None) -> int:
    """Minutes until the lock ends at the latest: a cool-off after the last failure of this account or address."""
    from axes.helpers import get_client_username
    from axes.models import AccessAttempt

    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None)
    last = AccessAttempt.objects.filter(Q(username=username) | Q(ip_address=address)).aggregate(
        last=Max("attempt_time")
    )
    ends = (last["last"] or timezone.now()) + settings.AXES_COOLOFF_TIME
    return max(1, math.ceil((ends - timezone.now()).total_seconds() / 60))


def lockout_message(minutes: int) -> str:
    return ngettext(
        "Logging in is locked after too many wrong passwords. Try again in %(minutes)d minute, or ask the system "
        "administrator to unlock it.",
        "Logging in is locked after too many wrong passwords. Try again in %(minutes)d minutes, or ask the system "
        "administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What axes answers for a locked-out attempt: the login page with the message (or, for step-up, a short page)."""
    context = {"locked_message": lockout_message(minutes_locked(request, credentials))}
    if request.user.is_authenticated:
        return render(request, "registration/locked_out.html", context, status=LOCKOUT_STATUS)
    context |= {"form": AuthenticationForm(request), "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=LOCKOUT_STATUS)


def record_authentication(request: HttpRequest) -> None:
    now = int(time.time())
    request.session[AUTH_TIME_KEY] = now
    request.session[SEEN_KEY] = now


def on_user_logged_in(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Signal receiver: a login is an authentication (and a fresh session needs no refresh for a minute)."""
    if request is not None and hasattr(request, "session"):
        record_authentication(request)


def recently_authenticated(request: HttpRequest) -> bool:
    authenticated_at = request.session.get(AUTH_TIME_KEY)
    return authenticated_at is not None and time.time() - authenticated_at < settings.SIGNING_REAUTH_SECONDS


def confirm_password(request: HttpRequest, password: str) -> bool:
    """Check the signed-in user's password again.

    It goes through authenticate() like a login, so axes counts a wrong password and refuses a locked account.
    """
    user = authenticate(request, username=request.user.get_username(), password=password)
    if user is None or user.pk != request.user.pk:
        return False
    record_authentication(request)
    return True


class SessionIdleMiddleware:
    """End sessions after SESSION_COOKIE_AGE without a request, while an active user stays logged in.

    The session store drops a session SESSION_COOKIE_AGE after it was last saved. Touching the session marks it for
    saving, which pushes that moment forward; doing it at most once a minute keeps pages to one write a minute.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            if now - request.session.get(SEEN_KEY, 0) >= IDLE_REFRESH_SECONDS:
                request.session[SEEN_KEY] = now
        return self.get_response(request)
