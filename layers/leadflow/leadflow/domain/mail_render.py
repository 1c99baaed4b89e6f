"""Rendering an email template for one lead, sandboxed: a template written by marketing can read the lead's fields
and nothing else (no attribute of Python's internals, no file, no import), a missing value renders empty, and the
HTML part escapes what the lead typed. A template that still fails for a lead raises RenderFailed naming it, so
the caller records the failure and moves on instead of crashing an execution."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

# jinja2 is imported by the first render: most functions that may send mail send none on most invocations, and a
# Lambda's cold start pays for every module imported.
if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

    from leadflow.models.lead import Lead
    from leadflow.models.mail_template import MailTemplate


class RenderFailed(ValueError):
    """The template could not be rendered for this lead."""


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str | None


@lru_cache(maxsize=2)
def _environment(*, html: bool) -> SandboxedEnvironment:
    # Undefined values render as "" (jinja2's default Undefined), so `{{ lead.fields.plan }}` of a lead without
    # that field is empty and `{{ lead.first_name or "there" }}` falls back.
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(autoescape=html, keep_trailing_newline=True)


@lru_cache(maxsize=256)
def _compiled(source: str, *, html: bool) -> Any:
    """Templates compiled once per warm function: a step renders the same few templates for many leads."""
    return _environment(html=html).from_string(source)


def render(template: MailTemplate, context: Mapping[str, Any]) -> RenderedMail:
    from jinja2 import TemplateError

    try:
        subject = _compiled(template.subject, html=False).render(context)
        text = _compiled(template.text, html=False).render(context)
        html = _compiled(template.html, html=True).render(context) if template.html is not None else None
    except (TemplateError, ArithmeticError, AttributeError, KeyError, LookupError, TypeError, ValueError) as exc:
        raise RenderFailed(f"template {template.id!r} failed for this lead: {type(exc).__name__}: {exc}") from exc
    # A subject is one header line: whatever a field held, it never adds another header.
    return RenderedMail(subject=" ".join(subject.split()), text=text, html=html)


def lead_context(lead: Lead, **extra: Any) -> dict[str, Any]:
    """What a template sees: the lead's own fields (no score, no owner's private data) and `extra`
    (unsubscribe_url, form_id, previous_owner)."""
    firmographics = lead.firmographics
    visible = {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "company": lead.company or (firmographics.company_name if firmographics else None),
        "title": lead.title,
        "country": lead.country,
        "fields": dict(lead.fields),
        "industry": firmographics.industry if firmographics else None,
        "size_band": firmographics.size_band if firmographics else None,
    }
    return {"lead": visible, **extra}
