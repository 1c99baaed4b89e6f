"""An email template rendered for one lead: fallbacks for what the lead never told us, escaping of what it typed,
and a sandbox a template cannot climb out of."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from leadflow.domain.mail_render import RenderFailed, lead_context, render
from leadflow.models.lead import Lead
from leadflow.models.mail_template import MailTemplate

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def lead(**changes: object) -> Lead:
    base: dict[str, object] = {
        "lead_id": "lead_1",
        "email": "ada@acme.example",
        "email_canonical": "ada@acme.example",
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Lead.model_validate({**base, **changes})


def template(**parts: str | None) -> MailTemplate:
    return MailTemplate.model_validate({"id": "t", "subject": "Hello", "text": "Hi", **parts})


def test_a_missing_first_name_falls_back_and_a_missing_field_renders_empty() -> None:
    mail = render(
        template(subject="Hi {{ lead.first_name or 'there' }}", text="Plan: [{{ lead.fields.plan }}]"),
        lead_context(lead()),
    )

    assert (mail.subject, mail.text) == ("Hi there", "Plan: []")


def test_what_the_lead_typed_is_escaped_in_the_html_part_only() -> None:
    typed = lead(company="<script>alert(1)</script>")

    mail = render(template(text="{{ lead.company }}", html="<p>{{ lead.company }}</p>"), lead_context(typed))

    assert mail.html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert mail.text == "<script>alert(1)</script>"


def test_a_field_with_a_line_break_never_adds_a_header_to_the_subject() -> None:
    mail = render(template(subject="For {{ lead.company }}"), lead_context(lead(company="Acme\r\nBcc: x@evil.example")))

    assert "\n" not in mail.subject and "\r" not in mail.subject


@pytest.mark.parametrize(
    "source",
    [
        "{{ lead.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ lead.first_name.__init__.__globals__ }}",
    ],
)
def test_a_template_cannot_reach_pythons_internals(source: str) -> None:
    with pytest.raises(RenderFailed, match="template 't'"):
        render(template(text=source), lead_context(lead(first_name="Ada")))


def test_a_template_that_fails_for_one_lead_names_the_template() -> None:
    with pytest.raises(RenderFailed, match="template 't' failed"):
        render(template(text="{{ lead.first_name() }}"), lead_context(lead(first_name="Ada")))


def test_the_unsubscribe_link_and_extra_values_reach_the_template() -> None:
    mail = render(
        template(text="{{ unsubscribe_url }} / {{ previous_owner or 'our team' }}"),
        lead_context(lead(), unsubscribe_url="https://x.example/u?token=abc", previous_owner=None),
    )

    assert mail.text == "https://x.example/u?token=abc / our team"
