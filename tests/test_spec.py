"""The standard as data: complete code lists, every contract rule id, unambiguous aliases, current docs."""

from __future__ import annotations

import pytest

from etl.errors import ConfigError
from etl.spec import STANDARD_FILE, load_standard, normalise_label, parse_standard
from etl.spec.render_docs import DOC_PATH, render

ISSUE_SECTIONS = {
    "total": ["ALL"],
    "concern_type": ["ISLAMIST", "EXTREME_RIGHT_WING", "LEFT_WING_ANARCHIST_SINGLE_ISSUE", "MIXED_UNCLEAR_UNSTABLE",
                     "CONFLICTED", "SCHOOL_MASSACRE", "INCEL", "NO_IDEOLOGY_VULNERABILITY", "OTHER", "NOT_RECORDED"],
    "age_band": ["AGE_0_10", "AGE_11_15", "AGE_16_17", "AGE_18_20", "AGE_21_39", "AGE_40_PLUS", "NOT_RECORDED"],
    "sex": ["MALE", "FEMALE", "OTHER", "NOT_RECORDED"],
    "referral_source": ["EDUCATION", "POLICE", "LOCAL_AUTHORITY", "HEALTH", "COMMUNITY", "FAMILY_FRIENDS",
                        "PRISON_PROBATION", "OTHER", "NOT_RECORDED"],
    "action": ["REFERRED_TO_POLICE_PREVENT", "CHILDRENS_SOCIAL_CARE", "EARLY_HELP", "ADULT_SOCIAL_CARE",
               "SIGNPOSTED_OTHER", "NO_FURTHER_ACTION", "NOT_RECORDED"],
    "flag": ["FAMILY_MEMBER_KNOWN_TO_PREVENT", "MOVED_IN_LAST_12_MONTHS", "PREVIOUS_AUTHORITY_RECORDS_RECEIVED",
             "SHARED_WITH_CT_POLICE"],
    "transfer_in": [],
    "transfer_out": [],
    "practice": ["SYSTEM_FLAGS_FAMILY_MEMBERS", "RECORDS_UNREFERRED_CONCERNS", "USES_NATIONAL_CATEGORIES",
                 "WRITTEN_RECORDING_POLICY"],
}


def test_sections_and_categories_are_those_of_the_standard_v1():
    standard = load_standard()
    assert {code: list(s.category_codes) for code, s in standard.sections.items()} == ISSUE_SECTIONS
    assert standard.breakdown_sections == ("concern_type", "age_band", "sex", "referral_source", "action")
    assert standard.column_names == ("authority_code", "period", "section", "category", "count")


def test_every_contract_rule_id_exists_with_its_severity():
    rules = load_standard().rules
    errors = {f"E{n}" for n in range(101, 124)}
    queries = {f"Q{n}" for n in range(201, 215)}
    assert {r.id for r in rules.values() if r.severity == "error"} == errors
    assert {r.id for r in rules.values() if r.severity == "query"} == queries
    assert all(r.title and r.checks and r.hint for r in rules.values())


def test_every_category_has_a_human_label_and_meaning():
    for section in load_standard().sections.values():
        assert section.label and section.meaning
        for category in section.categories:
            assert category.label and category.meaning and category.label != category.code


@pytest.mark.parametrize("text, key", [("Children’s social care", "childrens social care"), (" AGE_40_PLUS ", "age 40 plus"), ("40+", "40+")])
def test_labels_are_normalised_ignoring_case_spacing_and_punctuation(text, key):
    assert normalise_label(text) == key


def test_an_alias_naming_two_categories_is_refused():
    text = STANDARD_FILE.read_text(encoding="utf-8").replace('aliases = ["Islamist extremism"', 'aliases = ["Far right", "Islamist extremism"', 1)
    with pytest.raises(ConfigError, match="Far right"):
        parse_standard(text)


def test_every_period_format_example_parses_to_its_month():
    standard = load_standard()
    for period_format in standard.period_formats:
        parsed = standard.parse_period(period_format.example)
        assert parsed is not None and parsed[1] is period_format, period_format.name
        assert parsed[0].year == 2026 and parsed[0].day == 1


def test_the_published_standard_is_generated_from_the_spec():
    assert DOC_PATH.read_text(encoding="utf-8") == render(), "run `python -m etl.spec.render_docs`"


def test_the_published_standard_documents_every_rule_and_category():
    text = DOC_PATH.read_text(encoding="utf-8")
    standard = load_standard()
    assert all(f"| {rule_id} |" in text for rule_id in standard.rules)
    assert all(f"`{c.code}`" in text for s in standard.sections.values() for c in s.categories)
