"""Helpers for the browser tests: wait for Dash to settle, pick a dropdown option, save a screenshot,
list the site's pages, and run axe-core (vendored in tests/e2e/vendor) on a page."""

from __future__ import annotations

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# Pages not in the main navigation: the footer's, and the printable report.
EXTRA_PAGES = ["/accessibility", "/authority/report"]
# Every impact blocks: a heading level skipped ("moderate") or an empty header cell ("minor") is still a fault.
BLOCKING_IMPACTS = ("minor", "moderate", "serious", "critical")
# axe-core ships WCAG 2.2 AA's target-size rule (2.5.8, 24 x 24 px) switched off; the service claims 2.2 AA.
WCAG22_RULES = {"target-size": {"enabled": True}}
# Pages taller than this are captured as their first screen only: a full-page capture of the methodology
# (over 40,000 px tall at 390 px wide) took 40-60 s each, four times a run, and proved nothing the DOM
# and axe checks, which see the whole page, do not.
FULL_PAGE_MAX_HEIGHT = 10_000


def site_paths(page, server_url: str) -> list[str]:
    """Every page of the site: the navigation's links (read from the page) and EXTRA_PAGES."""
    page.goto(server_url + "/")
    settle(page)
    hrefs = page.eval_on_selector_all("#shell-nav a", "links => links.map(a => a.getAttribute('href'))")
    return list(dict.fromkeys([h for h in hrefs if h.startswith("/")] + EXTRA_PAGES))


def axe_violations(page, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict]:
    """Run axe-core's WCAG 2.x A/AA and best-practice rules, with WCAG 2.2's target size, on the page as it
    is now; the violations of the given impacts, each as {id, impact, help, targets}. The page's context
    must bypass the CSP."""
    page.add_script_tag(content=AXE_SCRIPT.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async (rules) => {
            const result = await axe.run(document, {rules, resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }""",
        WCAG22_RULES,
    )
    return [v for v in found if v["impact"] in impacts]


def screenshot(page, name: str) -> Path:
    """Save a screenshot to test-artifacts/screenshots/<name>.png: the whole page, or its first screen
    when the page is taller than FULL_PAGE_MAX_HEIGHT.

    Capturing a very long page costs tens of seconds and shows nothing the DOM and axe checks (which see
    the whole page) miss; the picture is evidence, not a timing check, so it keeps a generous limit."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.screenshot(path=str(path), full_page=height <= FULL_PAGE_MAX_HEIGHT, timeout=90_000)
    return path


def settle(page) -> None:
    """Wait until the page has rendered, no callback is pending and every table region has drawn its
    table (conditions, never sleeps). The tables are HTML drawn by dcc.Markdown, whose code can arrive
    after the callbacks have settled: a region read or measured before then is empty."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => { const c = document.getElementById('_pages_content');"
        " return c && c.childElementCount > 0 && !document.querySelector('[data-dash-is-loading=\"true\"]')"
        " && [...document.querySelectorAll('.table-scroll, .returns-grid-scroll')]"
        ".every(r => r.querySelector('table, p')); }",
        polling=50,
    )


def choose(page, dropdown_id: str, label: str) -> None:
    """Pick an option of a dcc.Dropdown by its visible label, as a user would."""
    page.locator(f"#{dropdown_id}").click()
    page.get_by_role("option", name=label, exact=True).click()
