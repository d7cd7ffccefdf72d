"""Accessibility statement, as the Public Sector Bodies Accessibility Regulations 2018 require.

Follows the GOV.UK model statement: scope, how accessible the service is, known limitations with the
workarounds this dashboard offers, how to report a problem, enforcement, and how it was tested.
"""

from __future__ import annotations

import dash
from dash import dcc, html

dash.register_page(__name__, path="/accessibility", name="Accessibility statement", title="Accessibility statement", order=90)

STATEMENT = """
This statement applies to the Prevent recording oversight dashboard: the national overview,
regional variation, authority benchmark, returns, check-a-return and methodology pages.

We want as many people as possible to be able to use this dashboard. You should be able to:

- move through every page, control and table using just a keyboard (a "Skip to main content" link is
  the first thing on every page, and every control shows a yellow focus outline);
- zoom in up to 400% (or use a screen 320 pixels wide): text reflows, chart titles, legends and
  labels wrap onto more lines rather than being cut off, and the wide returns grid and data tables
  scroll sideways inside their own area rather than off the screen;
- set wider line, letter, word and paragraph spacing in your browser without text being cut off;
- read every chart as a data table instead (under "Show the data as a table" beside each chart),
  and download exactly the data drawn as a CSV file;
- tell categories apart without relying on colour: the returns grid shows a letter in every cell
  (A accepted, Q queried, L late, R rejected, M missing), and chart colours come from the
  Government Analysis Function colour-blind-safe palette;
- use the dashboard with no internet connection to other sites: every stylesheet and script is
  served by the dashboard itself, and text uses your system's Arial or Helvetica font.

## How accessible this dashboard is

We know some parts are not fully accessible:

- charts drawn with plotly.js cannot be explored point by point with a keyboard or a screen
  reader, and their graphics have no accessible name of their own. Each chart therefore sits in a
  labelled container with a plain-English caption, a data table alternative and a CSV download;
- hover text on charts is not available to keyboard users; the same values are in the data tables;
- in an open drop-down list, each option holds a radio button that receives keyboard focus (the
  behaviour of the Dash component the lists are built with); screen readers announce the option's
  name and whether it is chosen, but automated checkers report the nesting and the option role on
  its label element;
- the map on the national overview cannot be operated with a keyboard; the same measure for every
  authority is in its data table, and the authority benchmark page can be reached by name or code.

## Feedback and contact information

If you find a problem not listed here, or you need information from this dashboard in a different
format, contact the dashboard team through your usual Home Office or LGA data contact. Tell us the
page address (the link in your browser includes the choices you made) and what went wrong. We will
reply within 5 working days.

## Enforcement procedure

The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector
Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the
"accessibility regulations"). If you are not happy with how we respond to your complaint, contact
the Equality Advisory and Support Service (EASS).

## Technical information about this dashboard's accessibility

We are committed to making this dashboard accessible, in accordance with the accessibility
regulations. It is partially compliant with the Web Content Accessibility Guidelines (WCAG)
version 2.2 AA standard, due to the non-compliances listed above.

## How we tested this dashboard

Automated browser tests in headless Chromium run on every change: each page loads without errors,
axe-core finds no serious or critical problem on any page, the skip link, navigation and every
drop-down are reached with the Tab key, the authority picker searches as you type, every page is
checked at phone, tablet and laptop widths, and shared links restore the same view.
Colour contrast of text, status cells and focus states was checked against WCAG 2.2 AA (4.5:1 for
text). A full manual audit with assistive technology has not yet been carried out.

## Preparation of this accessibility statement

This statement was prepared for the first release of the dashboard and is reviewed with each
release.
"""


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H1("Accessibility statement"),
            dcc.Markdown(STATEMENT, className="markdown-body", dangerously_allow_html=False, link_target="_self"),
        ]
    )
