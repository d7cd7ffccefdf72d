"""Check a return in the browser: a bad file is rejected with the rule and message shown; nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.e2e_helpers import screenshot, settle

from etl.validate import validate_file

pytestmark = pytest.mark.e2e

BAD_RETURN = (
    "authority_code,period,section,category,count\n"
    "E06000001,2026-09,total,ALL,3\n"
    "E06000001,2026-09,concern_type,ISLAMIST,-3\n"
)


def _upload(page, name: str, content: bytes, mime: str = "text/csv") -> None:
    page.locator("#check-upload input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}]
    )


def test_a_bad_return_is_rejected_with_its_rule_row_and_message(page, server_url, tmp_path: Path):
    page.goto(server_url + "/check")
    settle(page)
    _upload(page, "bad-return.csv", BAD_RETURN.encode())
    page.wait_for_selector("#check-status")
    assert "Rejected" in page.locator("#check-status").inner_text()
    table = page.locator("#check-issues-table").inner_text()
    assert "E106" in table
    assert "the count is not a whole number of 0 or more" in table
    # The same findings as `oversight validate` on the same bytes.
    path = tmp_path / "bad-return.csv"
    path.write_text(BAD_RETURN)
    assert all(issue.rule in table for issue in validate_file(path).issues)
    screenshot(page, "check-rejected")
    assert page.errors.messages == []


def test_a_file_that_is_not_csv_or_xlsx_is_refused_by_name(page, server_url):
    page.goto(server_url + "/check")
    settle(page)
    _upload(page, "notes.txt", b"hello", "text/plain")
    page.wait_for_selector("#check-message")
    assert "notes.txt is not a CSV or XLSX file" in page.locator("#check-message").inner_text()


def test_a_file_over_the_size_limit_is_refused_before_it_is_sent(page, server_url):
    page.goto(server_url + "/check")
    settle(page)
    sent = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/_dash-update-component") else None)
    _upload(page, "huge.csv", b"x" * 2_100_000)
    page.wait_for_function("() => document.querySelector('#check-upload-client-message').innerText.includes('largest return')")
    assert "2.1 MB" in page.locator("#check-upload-client-message").inner_text()
    assert not any(len(r.post_data or "") > 1_000_000 for r in sent)


def test_a_good_demo_return_is_accepted_or_queried(page, server_url, demo_dir: Path):
    good = next((demo_dir / "archive").rglob("*.csv"))
    page.goto(server_url + "/check")
    settle(page)
    _upload(page, good.name, good.read_bytes())
    page.wait_for_selector("#check-status")
    expected = validate_file(good).status
    assert expected.capitalize() in page.locator("#check-status").inner_text()


def test_the_upload_can_be_used_with_the_keyboard_alone(page, server_url):
    # Intercept file choosers from the start. Playwright turns interception on without waiting for it
    # when the first listener is added: added by expect_file_chooser just before Space, it lost the race
    # on a loaded machine, Chromium opened its own chooser and headless cancelled it (the input's
    # "cancel" event). With the page's CPU throttled 12x (CDP Emulation.setCPUThrottlingRate), 4 of 6
    # tries failed that way; 0 of 8 with this listener.
    page.on("filechooser", lambda chooser: None)
    page.goto(server_url + "/check")
    settle(page)
    page.wait_for_selector("#check-upload input[type=file]", state="attached")  # dcc.Upload loads its code lazily
    in_upload = "() => !!document.activeElement && !!document.activeElement.closest('#check-upload')"
    for _ in range(30):  # Tab through the header, navigation and page until the drop zone has focus
        page.keyboard.press("Tab")
        if page.evaluate(in_upload):
            break
    assert page.evaluate(in_upload), "Tab never reached the upload area"
    # The focus ring is drawn on the whole drop zone (its file input is transparent).
    assert page.evaluate("() => getComputedStyle(document.querySelector('.upload-zone')).outlineStyle") == "solid"
    with page.expect_file_chooser() as chooser:
        page.keyboard.press(" ")  # Space activates a focused file input, as for a button
    chooser.value.set_files(files=[{"name": "bad-return.csv", "mimeType": "text/csv", "buffer": BAD_RETURN.encode()}])
    page.wait_for_selector("#check-status")
    assert "Rejected" in page.locator("#check-status").inner_text()
