"""Merge: how each submission changes the lead it belongs to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from leadflow.domain.merge import MAX_ACTIVITY, add_activity, apply_submission
from leadflow.models.lead import Activity, ConsentRecord
from leadflow.models.submission import Source, StoredSubmission

from tests.unit.conftest import event

SubmissionFactory = Callable[..., StoredSubmission]
LEAD_ID = "lead-0001"
LATER = timedelta(hours=1)


def test_first_submission_creates_a_lead_with_its_profile(submission: SubmissionFactory, now: datetime) -> None:
    first = submission("Ada <Ada.Lovelace+demo@Northwind.example>", first_name="Ada", title="CTO", form_id="demo")

    lead = apply_submission(None, first, LEAD_ID, now)

    assert (lead.lead_id, lead.first_name, lead.title) == (LEAD_ID, "Ada", "CTO")
    assert lead.email == "Ada.Lovelace+demo@Northwind.example"
    assert lead.email_canonical == "ada.lovelace@northwind.example"
    assert (lead.submission_ids, lead.form_ids) == ([first.submission_id], ["demo"])
    assert (lead.created_at, lead.updated_at, lead.last_submitted_at) == (now, now, first.received_at)


def test_latest_non_empty_value_wins_per_field(submission: SubmissionFactory, now: datetime) -> None:
    lead = apply_submission(None, submission(title="Engineer", company="Northwind"), LEAD_ID, now)

    lead = apply_submission(lead, submission(title="VP Engineering"), LEAD_ID, now + LATER)

    assert lead.title == "VP Engineering"
    assert lead.company == "Northwind"


def test_an_empty_value_in_a_later_submission_keeps_the_earlier_value(
    submission: SubmissionFactory, now: datetime
) -> None:
    lead = apply_submission(None, submission(phone="+44 20 7946 0958"), LEAD_ID, now)

    lead = apply_submission(lead, submission(phone=""), LEAD_ID, now + LATER)

    assert lead.phone == "+44 20 7946 0958"


def test_first_source_is_kept_and_last_source_follows_the_latest_submission(
    submission: SubmissionFactory, now: datetime
) -> None:
    lead = apply_submission(None, submission(form_id="newsletter", utm_source="linkedin"), LEAD_ID, now)

    lead = apply_submission(lead, submission(form_id="demo-request", utm_source="google"), LEAD_ID, now + LATER)

    assert lead.first_source == Source(form_id="newsletter", utm_source="linkedin")
    assert lead.last_source == Source(form_id="demo-request", utm_source="google")


def test_form_ids_and_submission_ids_are_appended_in_order(submission: SubmissionFactory, now: datetime) -> None:
    first, second, third = submission(form_id="newsletter"), submission(), submission(form_id="newsletter")

    lead = apply_submission(None, first, LEAD_ID, now)
    lead = apply_submission(lead, second, LEAD_ID, now)
    lead = apply_submission(lead, third, LEAD_ID, now)

    assert lead.form_ids == ["newsletter", "newsletter"]
    assert lead.submission_ids == [first.submission_id, second.submission_id, third.submission_id]
    assert len(lead.submission_ids) == 3


def test_reapplying_a_merged_submission_returns_the_lead_unchanged(
    submission: SubmissionFactory, now: datetime
) -> None:
    repeated = submission(title="CTO", form_id="demo-request")
    lead = apply_submission(None, repeated, LEAD_ID, now)

    again = apply_submission(lead, repeated, LEAD_ID, now + LATER)

    assert again == lead


def test_consent_given_once_is_kept_when_a_later_form_leaves_it_unticked(
    submission: SubmissionFactory, now: datetime
) -> None:
    lead = apply_submission(None, submission(consent=True), LEAD_ID, now)

    lead = apply_submission(lead, submission(consent=False), LEAD_ID, now + LATER)

    assert lead.consent is True


def test_consent_given_on_a_later_form_is_recorded(submission: SubmissionFactory, now: datetime) -> None:
    lead = apply_submission(None, submission(), LEAD_ID, now)

    lead = apply_submission(lead, submission(consent=True), LEAD_ID, now + LATER)

    assert lead.consent is True


def test_custom_fields_merge_with_the_latest_value_winning(submission: SubmissionFactory, now: datetime) -> None:
    lead = apply_submission(None, submission(fields={"seats": 10, "crm": "salesforce"}), LEAD_ID, now)

    lead = apply_submission(lead, submission(fields={"seats": 25, "crm": None}), LEAD_ID, now + LATER)

    assert lead.fields == {"seats": 25, "crm": "salesforce"}


def test_email_shown_is_the_one_given_last_among_equally_good_ones(
    submission: SubmissionFactory, now: datetime
) -> None:
    lead = apply_submission(None, submission("ada.lovelace@gmail.com"), LEAD_ID, now)

    lead = apply_submission(lead, submission("Ada.Lovelace@googlemail.com"), LEAD_ID, now + LATER)

    assert lead.email == "Ada.Lovelace@googlemail.com"
    assert lead.email_canonical == "adalovelace@gmail.com"
    assert lead.emails == ["ada.lovelace@gmail.com", "Ada.Lovelace@googlemail.com"]


def test_a_plus_tagged_spelling_given_later_does_not_replace_the_plain_address(
    submission: SubmissionFactory, now: datetime
) -> None:
    lead = apply_submission(None, submission("Priya.Raman@adyen.com"), LEAD_ID, now)

    lead = apply_submission(lead, submission("Priya.Raman+webinar@adyen.com"), LEAD_ID, now + LATER)

    assert (lead.email, lead.email_canonical) == ("Priya.Raman@adyen.com", "priya.raman@adyen.com")
    assert lead.emails == ["Priya.Raman@adyen.com", "Priya.Raman+webinar@adyen.com"]


def test_a_free_mail_address_given_later_is_kept_but_the_work_address_stays_primary(
    submission: SubmissionFactory, now: datetime
) -> None:
    lead = apply_submission(None, submission("priya.raman@adyen.com"), LEAD_ID, now)

    lead = apply_submission(lead, submission("priya.raman@gmail.com"), LEAD_ID, now + LATER)

    assert lead.email == "priya.raman@adyen.com"
    assert lead.emails == ["priya.raman@adyen.com", "priya.raman@gmail.com"]


def test_a_work_address_given_later_becomes_primary_over_a_free_mail_one(
    submission: SubmissionFactory, now: datetime
) -> None:
    lead = apply_submission(None, submission("priya.raman@gmail.com"), LEAD_ID, now)

    lead = apply_submission(lead, submission("priya.raman@adyen.com"), LEAD_ID, now - LATER)  # processed late

    assert (lead.email, lead.email_canonical) == ("priya.raman@adyen.com", "priya.raman@adyen.com")


def test_a_ticked_box_on_a_form_older_than_an_unsubscribe_does_not_restore_consent(
    submission: SubmissionFactory, now: datetime
) -> None:
    lead = apply_submission(None, submission(consent=True), LEAD_ID, now)
    withdrawn = ConsentRecord(consent=False, source="unsubscribe:generic", at=now + LATER, ref="generic:u-1")
    lead = lead.model_copy(update={"consent": False, "consent_record": withdrawn})

    late = apply_submission(lead, submission(consent=True, received_at=now + LATER / 2), LEAD_ID, now + LATER)
    fresh = apply_submission(lead, submission(consent=True, received_at=now + 2 * LATER), LEAD_ID, now + 2 * LATER)

    assert (late.consent, late.consent_record) == (False, withdrawn)
    assert fresh.consent is True and fresh.consent_record is not None
    assert (fresh.consent_record.source, fresh.consent_record.at) == ("form", now + 2 * LATER)


def test_created_at_is_kept_and_updated_at_is_the_merge_time(submission: SubmissionFactory, now: datetime) -> None:
    lead = apply_submission(None, submission(), LEAD_ID, now)

    lead = apply_submission(lead, submission(), LEAD_ID, now + LATER)

    assert (lead.created_at, lead.updated_at) == (now, now + LATER)


def test_an_older_submission_merged_late_fills_gaps_but_overwrites_nothing(
    submission: SubmissionFactory, now: datetime
) -> None:
    newer = submission(title="VP Engineering", form_id="demo-request", received_at=now)
    older = submission(title="Engineer", company="Northwind", form_id="newsletter", received_at=now - LATER)
    lead = apply_submission(None, newer, LEAD_ID, now)

    lead = apply_submission(lead, older, LEAD_ID, now + LATER)

    assert (lead.title, lead.company) == ("VP Engineering", "Northwind")
    assert lead.last_source == Source(form_id="demo-request")
    assert lead.last_submitted_at == now
    assert lead.form_ids == ["demo-request", "newsletter"]


def test_a_submission_becomes_a_form_submitted_event_for_behaviour_rules(
    submission: SubmissionFactory, now: datetime
) -> None:
    sent = submission(
        form_id="demo-request",
        page_url="https://northwind.example/pricing",
        utm_source="linkedin",
        utm_campaign="spring",
        utm_medium="social",
    )

    lead = apply_submission(None, sent, LEAD_ID, now)

    assert lead.activity == [
        Activity(
            event_id=sent.submission_id,
            type="form_submitted",
            occurred_at=sent.received_at,
            source="form",
            properties={
                "form_id": "demo-request",
                "url": "https://northwind.example/pricing",
                "utm_source": "linkedin",
                "utm_campaign": "spring",
            },
        )
    ]


def test_a_submission_without_a_form_or_page_is_still_an_event(submission: SubmissionFactory, now: datetime) -> None:
    sent = submission()

    (activity,) = apply_submission(None, sent, LEAD_ID, now).activity

    assert (activity.event_id, activity.type, activity.properties) == (sent.submission_id, "form_submitted", {})


def test_submissions_are_recorded_as_activity_once_and_in_the_order_they_happened(
    submission: SubmissionFactory, now: datetime
) -> None:
    newer = submission(form_id="demo-request", received_at=now)
    older = submission(form_id="newsletter", received_at=now - LATER)
    lead = apply_submission(None, newer, LEAD_ID, now)

    lead = apply_submission(lead, older, LEAD_ID, now + LATER)
    lead = apply_submission(lead, older, LEAD_ID, now + 2 * LATER)

    assert [activity.event_id for activity in lead.activity] == [older.submission_id, newer.submission_id]


def test_adding_an_event_already_recorded_changes_nothing(now: datetime) -> None:
    activity = [event("generic:visit-1", "page_visit", at=now), event("generic:web-1", "webinar_attended", at=now)]

    again = add_activity(activity, event("generic:visit-1", "page_visit", at=now + LATER, url="https://x.example"))

    assert again == activity


def test_an_event_is_added_in_time_order(now: datetime) -> None:
    activity = [event("a", "page_visit", at=now), event("c", "page_visit", at=now + 2 * LATER)]

    added = add_activity(activity, event("b", "email_click", at=now + LATER))

    assert [item.event_id for item in added] == ["a", "b", "c"]


def test_a_lead_keeps_only_its_newest_events(now: datetime) -> None:
    activity = [event(f"visit-{n:03d}", "page_visit", at=now + n * LATER) for n in range(MAX_ACTIVITY)]

    added = add_activity(activity, event("late", "page_visit", at=now + MAX_ACTIVITY * LATER))
    stale = add_activity(added, event("ancient", "page_visit", at=now - LATER))

    assert len(added) == MAX_ACTIVITY
    assert (added[0].event_id, added[-1].event_id) == ("visit-001", "late")
    assert stale == added  # older than anything kept: dropped at once
