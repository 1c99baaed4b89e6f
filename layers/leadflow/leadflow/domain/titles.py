"""What a job title says about buying power and function: seniority and department, for fit rules.

Titles are free text ("Sr. Dir. of RevOps", "VP Eng", "Head of Growth"); fit rules on `seniority` and `department`
let a marketer score "director or above in marketing" without writing a regular expression per spelling."""

from __future__ import annotations

import re

# Checked in order: the first pattern found decides, so "Vice President" is vp before "president" makes it c_level,
# and "Assistant to the CEO" is caught as support staff before "CEO" is.
_SENIORITY: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (level, re.compile(pattern, re.IGNORECASE))
    for level, pattern in (
        ("student", r"\b(student|intern|trainee|apprentice|phd candidate)\b"),
        ("assistant", r"\b(assistant|coordinator|receptionist)\b"),
        ("vp", r"\b(vp|svp|evp|avp|vice[ -]president)\b"),
        (
            "c_level",
            # "Product Owner", "HR Business Partner" and "Partner Marketing Manager" are not owners or partners of
            # the company: only a title that is just that word (or names the kind of partner) counts.
            r"\b(c(?:[aefiortmpdsx]|is|hr)o|chief|founder|co-founder|cofounder|president|"
            r"(?:managing|founding|general|equity) partner)\b|^\s*(?:owner|partner)\s*(?:$|[,&/@-]|at\b)|"
            r"(?<!product )(?<!process )\bowner\s*$",
        ),
        ("director", r"\b(director|dir\.?|head of|head)\b"),
        ("manager", r"\b(manager|mgr|lead|team lead|supervisor|principal)\b"),
    )
)

_DEPARTMENTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (department, re.compile(pattern, re.IGNORECASE))
    for department, pattern in (
        ("marketing", r"\b(marketing|growth|demand gen|brand|content|seo|cmo|communications|pr)\b"),
        ("sales", r"\b(sales|account executive|ae|sdr|bdr|business development|revenue|revops|cro)\b"),
        ("engineering", r"\b(engineer\w*|developer|devops|software|cto|chief technology|architect|r&d|programmer)\b"),
        ("it", r"\b(it|information technology|cio|infrastructure|security|ciso|sysadmin|systems)\b"),
        ("product", r"\b(product|cpo|ux|design)\b"),
        ("finance", r"\b(finance|financial|cfo|controller|accounting|accountant|treasury)\b"),
        ("operations", r"\b(operations|operating|ops|coo|supply chain|logistics|procurement)\b"),
        ("hr", r"\b(hr|human resources|people|talent|recruit\w*|chro)\b"),
        ("data", r"\b(data|analytics|analyst|bi|machine learning)\b"),
        (
            "executive",
            r"\b(ceo|chief executive|founder|co-founder|cofounder|owner|president|managing director|general manager)\b",
        ),
    )
)


def seniority(title: str | None) -> str | None:
    """student, assistant, vp, c_level, director, manager, or individual; None without a title."""
    if not title or not title.strip():
        return None
    for level, pattern in _SENIORITY:
        if pattern.search(title):
            return level
    return "individual"


def department(title: str | None) -> str | None:
    """The function the title names (marketing, sales, engineering, it, product, finance, operations, hr, data,
    executive), `other` when none, None without a title."""
    if not title or not title.strip():
        return None
    for name, pattern in _DEPARTMENTS:
        if pattern.search(title):
            return name
    return "other"
