"""Which lead a lead id lives on as: a merged-away lead is a tombstone whose `merged_into` names the lead it was
merged into, which may itself have been merged away since. Every step, job and route that is handed a lead id
(a match candidate, an event, a person to erase) follows the chain here, with one bound.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from leadflow.models.lead import Lead

# A chain grows by one each time a survivor is merged away in turn; a person merged eight times over is not a real
# history but a cycle or a bug, and following it further would only hide that.
MAX_MERGE_HOPS: Final = 8


class MergeChainTooLong(Exception):
    """The merged_into links from a lead go round in a cycle or on for more than MAX_MERGE_HOPS leads."""

    def __init__(self, lead_id: str) -> None:
        super().__init__(f"lead {lead_id}'s merged_into links go on for more than {MAX_MERGE_HOPS} leads (a cycle?)")
        self.lead_id = lead_id


def follow_merges(lead_id: str, get_lead: Callable[[str], Lead | None]) -> Lead | None:
    """The last stored lead on `lead_id`'s chain of merged_into links: the survivor, or `lead_id`'s own lead when it
    was never merged away. None when `lead_id` itself is not stored.

    A link to a lead that is no longer stored (an erased person's) ends the chain at the tombstone holding it; the
    caller tells that case by the result's `merged_into`. Raises MergeChainTooLong rather than settle on a
    tombstone in a cycle."""
    lead = get_lead(lead_id)
    hops = 0
    while lead is not None and lead.merged_into is not None:
        if hops == MAX_MERGE_HOPS:
            raise MergeChainTooLong(lead_id)
        survivor = get_lead(lead.merged_into)
        if survivor is None:
            return lead
        lead, hops = survivor, hops + 1
    return lead
