"""An email template as configured (`infra/config/templates/<id>.yaml`): its kind, which decides whether consent is
needed to send it, and its subject, text and HTML parts as sandboxed templates whose syntax is checked on publish.

Only the syntax is checked here, so that a typo is refused with the template's id before any lead is mailed;
rendering (with the lead's fields) belongs to leadflow.domain.mail_render."""

from __future__ import annotations

import functools
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from leadflow.models.config_entry import NamedEntry

TEMPLATE_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
TemplateId = Annotated[str, Field(pattern=TEMPLATE_ID_PATTERN)]
MailKind = Literal["marketing", "transactional"]


class MailTemplate(NamedEntry):
    """A `marketing` email needs the lead's consent and carries an unsubscribe link; a `transactional` one answers
    something the lead asked for (an auto-response) and goes without. `html` null: the email is plain text only."""

    _entry_kind: ClassVar[str] = "template"

    id: TemplateId
    kind: MailKind = "marketing"
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    text: Annotated[str, Field(min_length=1, max_length=20_000)]
    html: Annotated[str, Field(max_length=100_000)] | None = None

    def check(self) -> None:
        if "\n" in self.subject or "\r" in self.subject:
            raise ValueError("subject: must be one line (a line break would end the mail header)")
        for part, source in (("subject", self.subject), ("text", self.text), ("html", self.html)):
            if source is not None:
                _check_syntax(part, source)


def _check_syntax(part: str, source: str) -> None:
    error = _syntax_error(source)
    if error is not None:
        raise ValueError(f"{part}: {error}")


@functools.lru_cache(maxsize=256)
def _syntax_error(source: str) -> str | None:
    """What is wrong with a template's syntax, if anything. Remembered per source: the templates come with every
    read of their rule set (a lead's nurture steps read it several times), and parsing is the costly part."""
    # Imported here: every function loads the models, only the ones that validate or send mail need the engine.
    from jinja2 import TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

    try:
        SandboxedEnvironment().parse(source)
    except TemplateSyntaxError as exc:
        return f"syntax error on line {exc.lineno}: {exc.message or exc}"
    return None
