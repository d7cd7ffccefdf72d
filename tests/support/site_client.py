"""A cookie-keeping HTTP client that signs in through the real sign-in form and posts callbacks as the
site's pages do (same origin, the session's CSRF token in X-CSRF-Token): for tests of a real server
where a browser is not the point (the disclosure crawler, the upload limits)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request

CALLBACK_PATH = "/_dash-update-component"


class SiteClient:
    """A cookie-keeping HTTP client that behaves as the site's pages do (same-origin, CSRF header)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies),
                                                  _NoRedirect())

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str, dict]:
        request = urllib.request.Request(self.base + path, data=data, headers={"Origin": self.base, **(headers or {})})
        try:
            with self.opener.open(request, timeout=300) as response:
                return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace"), dict(error.headers)

    def get(self, path: str) -> tuple[int, str, dict]:
        return self.request(path)

    def callback(self, body: dict) -> tuple[int, str]:
        token = next((c.value for c in self.cookies if c.name == "oversight_csrf"), "")
        status, text, _ = self.request(CALLBACK_PATH, json.dumps(body).encode(),
                                       {"Content-Type": "application/json", "X-CSRF-Token": token})
        return status, text

    def sign_in(self, username: str, password: str) -> None:
        _, page, _ = self.get("/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password, "next": "/"})
        status, text, _ = self.request("/sign-in", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 303, f"sign-in as {username} failed ({status}): {text[:300]}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
