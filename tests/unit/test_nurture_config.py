"""The nurture rule set as an operator writes it: the demo document validates, and each mistake is refused with a
message naming the track and step (or template, or auto-responder) to fix."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from leadflow.models.nurture import NurtureRuleSet
from leadflow.models.rules import parse_ruleset
from pydantic import ValidationError

from infra.config_documents import read_document

TEMPLATES: dict[str, Any] = {
    "hello": {"subject": "Hi {{ lead.first_name or 'there' }}", "text": "Hello. {{ unsubscribe_url }}"},
    "hello-b": {"subject": "Hello", "text": "Hi. {{ unsubscribe_url }}"},
    "thanks": {"kind": "transactional", "subject": "Thanks", "text": "We got your request."},
}


def document(*steps: dict[str, Any], **track: Any) -> dict[str, Any]:
    """A nurture document with one track `welcome` of `steps` (default: one email)."""
    steps = steps or ({"id": "intro", "type": "email", "template": "hello"},)
    welcome = {"id": "welcome", "name": "Welcome", "entry": {"cause": "scored_below_mql"}, "steps": list(steps)}
    return {
        "templates": copy.deepcopy(TEMPLATES),
        "autoresponders": [{"form_id": "demo-request", "template": "thanks"}],
        "tracks": [{**welcome, **track}],
    }


def refusal(body: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_ruleset("nurture", body)
    return str(caught.value)


def email(step_id: str, template: str = "hello", **more: Any) -> dict[str, Any]:
    return {"id": step_id, "type": "email", "template": template, **more}


def branch(step_id: str, next_: str, otherwise: str, **test: Any) -> dict[str, Any]:
    return {"id": step_id, "type": "branch", "arms": [{"when": test or {"clicked": True}, "next": next_}],
            "otherwise": otherwise}  # fmt: skip


# --- the demo document ---------------------------------------------------------------------------------------------


def test_the_demo_document_with_its_templates_validates() -> None:
    rules = parse_ruleset("nurture", read_document("nurture"))

    assert {track.id for track in rules.tracks} == {"welcome", "re-engagement", "competitive-recapture"}
    assert rules.limits.max_marketing_emails_per_7_days == 3
    assert rules.autoresponder("demo-request") is not None


def test_every_demo_marketing_template_carries_the_unsubscribe_link_in_both_parts() -> None:
    rules = parse_ruleset("nurture", read_document("nurture"))

    marketing = [template for template in rules.templates.values() if template.kind == "marketing"]
    assert marketing
    for template in marketing:
        assert "{{ unsubscribe_url }}" in template.text, template.id
        assert template.html is not None and "{{ unsubscribe_url }}" in template.html, template.id


def test_the_demo_recapture_track_takes_leads_lost_to_a_competitor() -> None:
    rules = parse_ruleset("nurture", read_document("nurture"))

    recapture = rules.track("competitive-recapture")
    assert recapture is not None
    assert recapture.entry.cause == "disqualified" and recapture.entry.reasons == ["lost_to_competitor"]


# --- what is refused -----------------------------------------------------------------------------------------------


def test_an_email_step_naming_an_unknown_template_is_refused_naming_track_and_step() -> None:
    assert "track 'welcome': step 'intro': unknown template 'x'" in refusal(document(email("intro", "x")))


def test_a_variant_naming_an_unknown_template_is_refused() -> None:
    variants = [{"id": "a", "template": "hello"}, {"id": "b", "template": "nope"}]

    message = refusal(document({"id": "split", "type": "email", "variants": variants}))

    assert "track 'welcome': step 'split': unknown template 'nope'" in message


def test_a_track_may_not_send_a_transactional_template() -> None:
    # It would skip consent and the unsubscribe link.
    message = refusal(document(email("intro", "thanks")))

    assert "track 'welcome': step 'intro': template 'thanks' is transactional" in message


@pytest.mark.parametrize(
    "step",
    [
        branch("engaged", "nowhere", "intro"),
        branch("engaged", "intro", "nowhere"),
        branch("engaged", "intro", "intro", clicked=True, since="nowhere"),
    ],
)
def test_a_branch_to_a_missing_step_is_refused(step: dict[str, Any]) -> None:
    message = refusal(document(email("intro"), step))

    assert "track 'welcome': step 'engaged': goes to missing step 'nowhere'" in message


def test_a_next_to_a_missing_step_is_refused() -> None:
    message = refusal(document(email("intro", next="outro")))

    assert "track 'welcome': step 'intro': goes to missing step 'outro'" in message


def test_a_loop_without_a_wait_is_refused() -> None:
    message = refusal(document(email("intro"), branch("engaged", "intro", "done"), {"id": "done", "type": "end"}))

    assert "track 'welcome': step 'intro': loops back without a wait (intro -> engaged -> intro)" in message


def test_a_step_that_goes_to_itself_is_a_loop() -> None:
    assert "step 'intro': loops back without a wait" in refusal(document(email("intro", next="intro")))


def test_a_wait_until_the_send_window_does_not_break_a_loop() -> None:
    # When the lead's window is open it does not wait at all.
    steps = (email("intro"), {"id": "window", "type": "wait", "until": "send_window"}, branch("b", "intro", "done"))

    assert "loops back without a wait" in refusal(document(*steps, {"id": "done", "type": "end"}))


def test_a_loop_through_a_wait_with_a_duration_is_accepted() -> None:
    steps = (email("intro"), {"id": "pause", "type": "wait", "days": 7}, branch("again", "intro", "done"))

    rules = parse_ruleset("nurture", document(*steps, {"id": "done", "type": "end"}))

    assert rules.tracks[0].next_of("pause") == "again"


@pytest.mark.parametrize("weight", [0, -1])
def test_a_variant_weight_of_zero_or_less_is_refused(weight: int) -> None:
    variants = [{"id": "a", "template": "hello", "weight": 1}, {"id": "b", "template": "hello-b", "weight": weight}]

    message = refusal(document({"id": "split", "type": "email", "variants": variants}))

    assert "track 'welcome': step 'split': variants.1.weight: weight must be more than 0" in message


def test_an_unknown_field_in_the_entry_conditions_is_refused_naming_the_track() -> None:
    message = refusal(document(entry={"cause": "manual", "when": {"shoe_size": 42}}))

    assert "track 'welcome': entry.when: unknown field 'shoe_size'" in message


def test_entry_conditions_take_routings_fields_the_stage_form_title_and_custom_fields() -> None:
    when = {"country": ["DE", "AT"], "stage": "new", "form_id": "demo-request", "seniority": "vp",
            "department": "engineering", "fields.product": "analytics", "level": {"gte": 2}}  # fmt: skip

    rules = parse_ruleset("nurture", document(entry={"cause": "scored_below_mql", "when": when}))

    assert set(rules.tracks[0].entry.when) == set(when)


def test_setting_a_field_other_than_a_custom_one_is_refused_naming_the_step() -> None:
    message = refusal(document({"id": "tag", "type": "set_field", "field": "stage", "value": "mql"}))

    assert "track 'welcome': step 'tag': field: unknown field 'stage'" in message


def test_reasons_are_refused_for_a_cause_other_than_a_disqualification() -> None:
    message = refusal(document(entry={"cause": "recycled", "reasons": ["lost_to_competitor"]}))

    assert "track 'welcome': entry: reasons apply to cause 'disqualified' only" in message


def test_step_ids_must_be_unique_within_a_track() -> None:
    assert "track 'welcome': step 'intro': the id is used by more than one step" in refusal(
        document(email("intro"), email("intro"))
    )


def test_track_ids_must_be_unique() -> None:
    body = document()
    body["tracks"].append(copy.deepcopy(body["tracks"][0]))

    assert "track 'welcome' is listed more than once" in refusal(body)


def test_handing_over_to_an_unknown_track_or_to_the_same_track_is_refused() -> None:
    assert "track 'welcome': step 'next': enrols in unknown track 'later'" in refusal(
        document(email("intro"), {"id": "next", "type": "enrol", "track": "later"})
    )
    assert "step 'again': enrols in its own track" in refusal(
        document({"id": "again", "type": "enrol", "track": "welcome"})
    )


def test_an_unknown_step_type_is_refused_naming_the_step() -> None:
    message = refusal(document({"id": "intro", "type": "sms", "template": "hello"}))

    assert "track 'welcome': step 'intro': type must be one of email, wait, branch" in message


def test_an_email_step_needs_exactly_one_of_template_and_variants() -> None:
    assert "step 'intro': needs exactly one of template and variants" in refusal(
        document({"id": "intro", "type": "email"})
    )


def test_a_wait_needs_a_duration_or_the_send_window_but_not_both() -> None:
    assert "step 'pause': needs a duration" in refusal(document({"id": "pause", "type": "wait", "days": 0}))
    assert "step 'pause': needs either" in refusal(
        document({"id": "pause", "type": "wait", "days": 1, "until": "send_window"})
    )


def test_a_branch_arm_needs_exactly_one_test() -> None:
    message = refusal(document(email("intro"), branch("b", "intro", "intro", opened=True, clicked=True)))

    assert "track 'welcome': step 'b'" in message and "needs exactly one test" in message


def test_an_autoresponder_needs_a_known_transactional_template() -> None:
    unknown = document()
    unknown["autoresponders"] = [{"form_id": "contact-sales", "template": "missing"}]
    marketing = document()
    marketing["autoresponders"] = [{"form_id": "contact-sales", "template": "hello"}]

    assert "autoresponder 'contact-sales': unknown template 'missing'" in refusal(unknown)
    assert "autoresponder 'contact-sales': template 'hello' is marketing" in refusal(marketing)


def test_a_template_with_a_syntax_error_is_refused_naming_the_template_and_part() -> None:
    body = document()
    body["templates"]["hello"]["text"] = "Hi {{ lead.first_name }\n{% if %}"

    assert "template 'hello': text: syntax error on line 1" in refusal(body)


def test_a_template_is_parsed_once_however_often_its_rule_set_is_read_and_each_refusal_names_its_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jinja2.sandbox import SandboxedEnvironment

    parsed: list[str] = []
    original = SandboxedEnvironment.parse
    monkeypatch.setattr(
        SandboxedEnvironment,
        "parse",
        lambda self, source, *a, **k: parsed.append(source) or original(self, source, *a, **k),
    )
    broken = "Dear {{ lead.first_name }\n{% if %} (parsed once per source)"
    body = document()
    body["templates"]["hello"]["text"] = broken
    again = document()
    again["templates"]["hello"]["html"] = broken

    assert "template 'hello': text: syntax error on line 1" in refusal(body)
    assert "template 'hello': html: syntax error on line 1" in refusal(again)
    for _ in range(3):
        parse_ruleset("nurture", document())
    assert parsed.count(broken) == 1
    assert all(parsed.count(source) == 1 for source in parsed)


def test_a_subject_of_more_than_one_line_is_refused() -> None:
    body = document()
    body["templates"]["hello"]["subject"] = "Hi\nBcc: someone@example.com"

    assert "template 'hello': subject: must be one line" in refusal(body)


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ({"default_timezone": "Mars/Olympus"}, "unknown IANA time zone 'Mars/Olympus'"),
        ({"timezones": {"US-CA": "Pacific/Nowhere"}}, "US-CA: unknown IANA time zone"),
        ({"quiet_hours": {"start": "20:00", "end": "20:00"}}, "leave quiet_hours out for none"),
        ({"send_days": ["mon", "mon"]}, "'mon' is listed more than once"),
        ({"send_days": []}, "send_days"),
        ({"max_marketing_emails_per_7_days": 0}, "max_marketing_emails_per_7_days"),
    ],
)
def test_bad_limits_are_refused(limits: dict[str, Any], expected: str) -> None:
    assert expected in refusal({**document(), "limits": limits})


# --- what the engine reads -----------------------------------------------------------------------------------------


def test_the_next_step_is_the_explicit_next_else_the_one_listed_after_else_none() -> None:
    steps = (email("intro", next="outro"), email("skipped"), branch("b", "intro", "outro"), email("outro"))
    track = parse_ruleset("nurture", document(*steps, {"id": "pause", "type": "wait", "hours": 1})).tracks[0]

    assert track.next_of("intro") == "outro"
    assert track.next_of("skipped") == "b"
    assert track.next_of("b") is None  # its arms decide
    assert track.next_of("outro") == "pause"
    assert track.next_of("pause") is None


def test_the_rule_set_finds_tracks_steps_templates_and_autoresponders_by_id() -> None:
    rules: NurtureRuleSet = parse_ruleset("nurture", document())

    assert rules.track("welcome") is not None and rules.track("nope") is None
    assert rules.tracks[0].step("intro").type == "email"
    assert rules.template("thanks").kind == "transactional"
    assert rules.autoresponder("demo-request") is not None and rules.autoresponder("newsletter") is None
    with pytest.raises(KeyError):
        rules.tracks[0].step("nope")


# --- the document as read from a folder -------------------------------------------------------------------------------


def test_the_templates_folder_is_read_into_the_document_by_file_name(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "nurture.yaml").write_text("tracks: []\n", encoding="utf-8")
    (tmp_path / "templates" / "hello.yaml").write_text("subject: Hi\ntext: Hello\n", encoding="utf-8")

    body = read_document("nurture", tmp_path)

    assert body["templates"] == {"hello": {"subject": "Hi", "text": "Hello"}}
    assert parse_ruleset("nurture", body).template("hello").id == "hello"


def test_a_template_both_inline_and_in_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "nurture.yaml").write_text("templates:\n  hello: {subject: A, text: B}\n", encoding="utf-8")
    (tmp_path / "templates" / "hello.yaml").write_text("subject: Hi\ntext: Hello\n", encoding="utf-8")

    with pytest.raises(ValueError, match="hello given both inline and in templates/"):
        read_document("nurture", tmp_path)
