"""Signing in through the real sign-in page in Chromium (every browser test's page starts signed in).

`sign_in(page, base_url, role)` fills the form as a person would. `storage_state(browser, base_url,
role)` signs in once per role and server in a throwaway context and returns its cookies, so each
test's fresh context starts signed in without repeating the form (the session is the same signed
cookie a browser keeps).
"""

from __future__ import annotations

from etl.users import DEMO_USERS

ACCOUNTS = {"national_admin": DEMO_USERS[0], "national": DEMO_USERS[1], "council": DEMO_USERS[2]}
_states: dict[tuple[str, str], dict] = {}


def sign_in(page, base_url: str, role: str = "national", next_path: str = "/") -> None:
    account = ACCOUNTS[role]
    page.goto(f"{base_url}/sign-in?next={next_path}")
    page.get_by_label("User name").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def storage_state(browser, base_url: str, role: str = "national") -> dict:
    key = (base_url, role)
    if key not in _states:
        context = browser.new_context(service_workers="block")
        try:
            sign_in(context.new_page(), base_url, role)
            _states[key] = context.storage_state()
        finally:
            context.close()
    return _states[key]
