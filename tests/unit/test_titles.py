"""Seniority and department read from free-text job titles, as fit rules on `seniority` and `department` see them."""

from __future__ import annotations

import pytest
from leadflow.domain.titles import department, seniority

# Real titles as people type them on forms: (title, seniority, department).
TITLES = [
    # "Vice President" must not be read as "President", nor "Assistant to the CEO" as the CEO.
    ("Vice President of Sales", "vp", "sales"),
    ("Senior Vice President of Marketing", "vp", "marketing"),
    ("VP Marketing", "vp", "marketing"),
    ("SVP Sales", "vp", "sales"),
    ("AVP, IT Infrastructure", "vp", "it"),
    ("President", "c_level", "executive"),
    ("CEO", "c_level", "executive"),
    ("Co-Founder & CTO", "c_level", "engineering"),
    ("Founder", "c_level", "executive"),
    ("Chief Revenue Officer", "c_level", "sales"),
    ("Assistant to the CEO", "assistant", "executive"),
    ("Executive Assistant", "assistant", "other"),
    ("Marketing Coordinator", "assistant", "marketing"),
    ("Head of Growth", "director", "marketing"),
    ("Head of People", "director", "hr"),
    ("Director of IT", "director", "it"),
    ("Dir. of RevOps", "director", "sales"),
    ("Senior Director, Demand Gen", "director", "marketing"),
    ("Senior Product Manager", "manager", "product"),
    ("IT Manager", "manager", "it"),
    ("Sr. Mgr Marketing", "manager", "marketing"),
    ("Team Lead, DevOps", "manager", "engineering"),
    ("Sr. Software Engineer", "individual", "engineering"),
    ("Solutions Architect", "individual", "engineering"),
    ("Account Executive", "individual", "sales"),
    ("Sales Development Representative", "individual", "sales"),
    ("Data Analyst", "individual", "data"),
    ("Accountant", "individual", "finance"),
    ("Contractor", "individual", "other"),
    ("Marketing Intern", "student", "marketing"),
    ("PhD Candidate", "student", "other"),
]


@pytest.mark.parametrize(("title", "expected_seniority", "expected_department"), TITLES)
def test_seniority_and_department_of_real_titles(title: str, expected_seniority: str, expected_department: str) -> None:
    assert (seniority(title), department(title)) == (expected_seniority, expected_department)


@pytest.mark.parametrize("title", ["VICE PRESIDENT, SALES", "vice president, sales", "Vice-President Sales"])
def test_case_and_punctuation_do_not_change_the_reading(title: str) -> None:
    assert (seniority(title), department(title)) == ("vp", "sales")


@pytest.mark.parametrize("title", [None, "", "   "])
def test_no_title_has_no_seniority_and_no_department(title: str | None) -> None:
    assert (seniority(title), department(title)) == (None, None)


@pytest.mark.parametrize(
    "title",
    [
        "Product Owner",  # a Scrum role, not the owner of the company
        "HR Business Partner",
        "Partner Marketing Manager",
    ],
)
def test_a_title_that_merely_contains_owner_or_partner_is_not_c_level(title: str) -> None:
    # Bug: "owner" and "partner" anywhere in the title read as c_level, so these get the executive fit points.
    assert seniority(title) != "c_level"


@pytest.mark.parametrize("title", ["CISO", "CPO", "CHRO", "CDO"])
def test_c_suite_abbreviations_are_c_level(title: str) -> None:
    # Bug: only three-letter C?O abbreviations with A, E, F, I, O, R, T or M in the middle are recognised.
    assert seniority(title) == "c_level"


@pytest.mark.parametrize(
    ("spelled_out", "abbreviation"),
    [("Chief Executive Officer", "CEO"), ("Chief Technology Officer", "CTO"), ("Chief Operating Officer", "COO")],
)
def test_a_spelled_out_c_level_title_is_in_the_same_department_as_its_abbreviation(
    spelled_out: str, abbreviation: str
) -> None:
    assert department(spelled_out) == department(abbreviation)
