"""Which stored items hold one person's data, in the order erasure deletes them; shared by the DynamoDB adapter and
its in-memory twin, which only supply a GetItem and a partition Query.

The order lets an erase that stopped half-way resume: what is found through another item (an outbox message
through the lead's history, an identity claim through a submission, a possible-duplicate link's other side through
the lead's own link) goes before the item it was found through, and each lead's profile goes last.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from leadflow.adapters import layout
from leadflow.ports import Footprint, PersonalItem

GetItem = Callable[[str, layout.Item], layout.Item | None]  # (table, key) -> the item, or None
QueryPartition = Callable[[str, str], list[layout.Item]]  # (table, pk) -> every item of the partition
Located = tuple[str, layout.Item, str]  # (table, key, kind)
# Found through the lead, its history or its submissions, so deleted before those.
FOUND_THROUGH_OTHERS = frozenset({"idempotency_record", "notification", "webhook_event"})
KEY_NAMES = {"leads": ("pk", "sk"), "outbox": ("pk", "sk"), "idempotency": ("id",)}


def key_of(item: PersonalItem) -> layout.Item:
    return dict(zip(KEY_NAMES[item.table], item.key, strict=True))


def _ref(table: str, key: dict[str, Any], kind: str) -> PersonalItem:
    return PersonalItem(table=table, key=tuple(str(key[name]) for name in KEY_NAMES[table]), kind=kind)


def _linked(lead_id: str, item: layout.Item, lead_ids: tuple[str, ...]) -> list[Located]:
    """Items elsewhere that an item of the lead's partition leads to."""
    sk = str(item["sk"])
    if sk == layout.OUTCOME_POINTER:
        return [("leads", {"pk": layout.OUTCOMES_PARTITION, "sk": item["example_sk"]}, "outcome")]
    other = sk.removeprefix(layout.DUPLICATE_PREFIX)
    if other == sk or other in lead_ids:
        return []
    # The other lead's side of a possible-duplicate link, and its history entry that holds this lead's values.
    history = {"pk": layout.lead_key(other)["pk"], "sk": f"{layout.HISTORY_PREFIX}possible_duplicate#{lead_id}"}
    return [("leads", layout.duplicate_key(other, lead_id), "possible_duplicate"), ("leads", history, "history")]


def _accounts_of_nobody_else(footprint: Footprint, query: QueryPartition) -> list[PersonalItem]:
    """An account whose only leads are the person's: its domain may be theirs alone (a one-person company), and no
    one else's lead needs it. Accounts with other leads stay."""
    found = []
    for account_id in dict.fromkeys(account for account, _ in footprint.accounts):
        items = query("leads", layout.account_key(account_id)["pk"])
        members = {str(item.get("lead_id")) for item in items if str(item["sk"]).startswith("LEAD#")}
        if members <= set(footprint.lead_ids):
            found += [_ref("leads", item, "account") for item in items if item["sk"] == "PROFILE"]
    return found


def person_items(footprint: Footprint, get: GetItem, query: QueryPartition) -> list[PersonalItem]:
    lead_ids = footprint.lead_ids
    partitions = {lead_id: query("leads", layout.lead_key(lead_id)["pk"]) for lead_id in lead_ids}

    def existing(located: list[Located], *, check_owner: bool = True) -> list[PersonalItem]:
        refs = []
        for table, key, kind in located:
            item = get(table, key)
            if item is not None and (not check_owner or layout.belongs_to(item, lead_ids)):
                refs.append(_ref(table, key, kind))
        return refs

    direct = layout.footprint_direct_keys(footprint)
    found = existing([entry for entry in direct if entry[2] in FOUND_THROUGH_OTHERS])
    # Keyed by this person's lead id, so theirs whatever lead they name (a link's other side names the other lead).
    linked = [
        entry for lead_id, items in partitions.items() for item in items for entry in _linked(lead_id, item, lead_ids)
    ]
    found += existing(linked, check_owner=False)
    # The emails sent to them (the mail log, on the outbox table, under each lead): addresses and rendered content.
    for lead_id in lead_ids:
        found += [_ref("outbox", item, "email") for item in query("outbox", layout.mail_partition(lead_id))]
    for email in footprint.emails:
        found += [
            _ref("leads", item, "parked_engagement")
            for item in query("leads", layout.parked_activity_key(email, "")["pk"])
        ]
    # Then identities, match index, accounts and submissions, from which the emails, phones and keys were learnt.
    found += existing([entry for entry in direct if entry[2] not in FOUND_THROUGH_OTHERS])
    found += _accounts_of_nobody_else(footprint, query)
    profiles: list[PersonalItem] = []
    for lead_id in reversed(lead_ids):  # merged-away leads before the survivor, whose profile goes last
        for item in partitions[lead_id]:
            ref = _ref("leads", item, layout.personal_kind(str(item["sk"])))
            (profiles if ref.kind == "lead" else found).append(ref)
    return found + profiles
