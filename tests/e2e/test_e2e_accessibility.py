"""Accessibility in the browser: axe-core (with WCAG 2.2's target size) finds no violation on any page, on
a laptop and at the 320 px reflow width, focused links stay readable, and the authority picker searches as
you type."""

from __future__ import annotations

import pytest

from e2e.e2e_helpers import axe_violations, settle, site_paths

pytestmark = pytest.mark.e2e


def _violations_by_page(page, server_url: str, paths: list[str]) -> dict[str, list[dict]]:
    found = {}
    for path in paths:
        page.goto(server_url + path)
        settle(page)
        found.update({path: v for v in [axe_violations(page)] if v})
    return found


@pytest.mark.parametrize("width", [1366, 320])
def test_no_page_has_an_axe_violation(role_audit_page, server_url, width):
    """At 320 px the footer's and the contents' stacked links were below WCAG 2.2's 24 px target size."""
    page = role_audit_page("national", width)
    paths = site_paths(page, server_url)
    assert {"/", "/regional", "/authority", "/returns", "/check", "/methodology"} <= set(paths)
    assert _violations_by_page(page, server_url, paths) == {}


@pytest.mark.parametrize("width", [1366, 320])
@pytest.mark.parametrize(("role", "own_page"), [("council", "/submit"), ("national_admin", "/admin")])
def test_the_pages_only_a_council_or_an_administrator_sees_have_no_axe_violation(role_audit_page, server_url, role, own_page, width):
    page = role_audit_page(role, width)
    assert own_page in site_paths(page, server_url)
    # its own page, and the overview it opens on as that role
    assert _violations_by_page(page, server_url, [own_page, "/"]) == {}


# WCAG 2.2 1.4.12 Text spacing: the spacing a reader may impose, as the W3C's own test applies it.
TEXT_SPACING = ("* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }"
                " p { margin-bottom: 2em !important; }")
# Text an element cuts off (overflow hidden or an ellipsis) once spaced; visually hidden text (the skip link
# until focused, screen-reader captions) is meant to be clipped.
_CLIPPED_TEXT = """() => [...document.querySelectorAll('body *')].filter(e => {
    if (e instanceof SVGElement || !e.clientWidth || !(e.innerText || '').trim()) { return false; }
    if (e.closest('.visually-hidden, .govuk-visually-hidden, .govuk-skip-link')) { return false; }
    const style = getComputedStyle(e);
    const clipsX = (style.overflowX === 'hidden' || style.textOverflow === 'ellipsis') && e.scrollWidth > e.clientWidth + 1;
    const clipsY = style.overflowY === 'hidden' && e.scrollHeight > e.clientHeight + 1;
    return clipsX || clipsY;
}).map(e => (e.id || e.tagName) + ': ' + e.innerText.slice(0, 40)).slice(0, 5)"""


def test_no_text_is_cut_off_when_a_reader_spaces_it_out(role_audit_page, server_url):
    """The returns grid cut long authority names with an ellipsis ("Bournemouth, Christchurch and Poole")."""
    page = role_audit_page("national")
    found = {}
    for path in site_paths(page, server_url):
        page.goto(server_url + path)
        settle(page)
        page.add_style_tag(content=TEXT_SPACING)
        found.update({path: clipped for clipped in [page.evaluate(_CLIPPED_TEXT)] if clipped})
    assert found == {}


def test_an_opened_dropdown_list_is_named_after_its_control(audit_page, server_url):
    """Open, the list is a named dialog and listbox. Dash 4 draws each option as a <label role="option">
    holding a radio button that takes focus, which axe reports as nested-interactive and (minor)
    aria-allowed-role: a known limitation of the component (accessibility statement)."""
    audit_page.goto(server_url + "/regional")
    settle(audit_page)
    audit_page.locator("#regional-region").click()
    audit_page.get_by_role("option").first.wait_for()
    found = [v for v in axe_violations(audit_page) if v["id"] not in ("nested-interactive", "aria-allowed-role")]
    assert found == []
    assert audit_page.get_by_role("listbox", name="Region").count() == 1


@pytest.mark.parametrize(("role", "path", "upload", "shown"), [
    ("national", "/check", "check-upload", "!!document.querySelector('#check-status')"),  # any viewer checks a return
    ("council", "/submit", "submit-upload", "document.querySelector('#submit-result').innerText.includes('Not sent')"),
])
def test_the_report_of_a_rejected_return_has_no_axe_violation(role_audit_page, server_url, role, path, upload, shown):
    page = role_audit_page(role)
    page.goto(server_url + path)
    settle(page)
    page.locator(f"#{upload} input[type=file]").set_input_files(files=[{
        "name": "bad.csv", "mimeType": "text/csv",
        "buffer": b"authority_code,period,section,category,count\nE06000001,2026-09,total,ALL,-3\n"}])
    page.wait_for_function(f"() => {shown}")
    assert axe_violations(page) == []


def test_a_focused_navigation_link_is_dark_text_on_yellow(page, server_url):
    page.goto(server_url + "/returns")
    settle(page)
    link = page.locator("#shell-nav a[href='/regional']")
    link.focus()
    style = link.evaluate("a => ({color: getComputedStyle(a).color, background: getComputedStyle(a).backgroundColor})")
    assert style == {"color": "rgb(11, 12, 12)", "background": "rgb(255, 221, 0)"}


def test_dropdowns_are_reached_by_tab_and_named_by_their_label(page, server_url):
    page.goto(server_url + "/authority")
    settle(page)
    page.locator("#authority-code").focus()
    focused = page.evaluate("() => ({id: document.activeElement.id, hidden: document.activeElement.closest('[aria-hidden=true]') !== null})")
    assert focused == {"id": "authority-code", "hidden": False}
    name = page.locator("#authority-code").evaluate(
        "b => b.getAttribute('aria-labelledby').split(' ').map(i => document.getElementById(i)?.innerText || '').join(' ')")
    assert name.startswith("Authority")
    assert page.locator(".dash-dropdown-focus-target[tabindex='0']").count() == 0


def test_typing_in_the_authority_picker_searches_by_name(page, server_url):
    page.goto(server_url + "/authority")
    settle(page)
    page.locator("#authority-code").focus()
    page.keyboard.type("Leeds", delay=80)  # a person's typing speed: focus moves into the search box
    page.wait_for_function("() => document.querySelector('.dash-dropdown-search')?.value === 'Leeds'")
    option = page.get_by_role("option", name="Leeds", exact=False).first
    option.wait_for()
    assert page.get_by_role("option").count() <= 3  # filtered, not 153 councils
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#authority-code').innerText.includes('Leeds')")
