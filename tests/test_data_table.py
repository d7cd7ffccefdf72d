"""The accessible data-table alternative of every chart: escaped, captioned, with header scopes."""

from __future__ import annotations

import json

import polars as pl
from dash._utils import to_json

from dashboard.components import data_table, table_html


def _markup(component) -> str:
    return json.dumps(json.loads(to_json(component)))


def test_table_values_are_escaped_so_no_markup_from_data_reaches_the_page() -> None:
    frame = pl.DataFrame({"name": ["<img src=x onerror=alert(1)>", "A & B"], "value": [1, 2]})
    text = _markup(data_table(frame, caption="Caption <b>bold</b>"))
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "A &amp; B" in text
    assert "Caption &lt;b&gt;bold&lt;/b&gt;" in text


def test_table_has_a_caption_and_header_cells_with_scope_for_screen_readers() -> None:
    frame = pl.DataFrame({"authority": ["Derby", "Leicester"], "score": [91.0, 97.2]})
    text = _markup(data_table(frame, caption="Scores"))
    assert "<caption" in text
    assert text.count('scope=\\"col\\"') == 2
    assert text.count('scope=\\"row\\"') == 2


def test_a_blank_line_in_a_value_cannot_end_the_html_block_and_start_markdown() -> None:
    frame = pl.DataFrame({"name": ["Derby\n\n![x](https://example.org/t.png)"], "value": [1]})
    html_text = json.loads(to_json(data_table(frame, caption="Caption")))["props"]["children"][0]["props"]["children"]["props"]["children"]
    assert "\n" not in html_text


def test_row_links_and_the_sorted_column_are_escaped_and_marked() -> None:
    frame = pl.DataFrame({"name": ["<b>Leeds</b>", "Bury"], "score": [90.0, 80.0]})
    markup = table_html(frame, "Scores", ["Authority", "Score"],
                        links=['/authority?code=E1&period=2026-10"><script>', None], sorted_by=(1, "descending"))
    assert '<th scope="row"><a href="/authority?code=E1&amp;period=2026-10&quot;&gt;&lt;script&gt;">&lt;b&gt;Leeds&lt;/b&gt;</a></th>' in markup
    assert '<th scope="row">Bury</th>' in markup  # no address, no link
    assert '<th scope="col" aria-sort="descending">Score</th>' in markup and "<script>" not in markup
