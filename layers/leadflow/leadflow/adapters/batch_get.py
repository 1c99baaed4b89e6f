"""Items read by their keys with BatchGetItem on a DynamoDB table, for the readers of keys-only indexes and of a
known set of leads.

BatchGetItem takes at most 100 keys a request, may leave some unread (throttled, or past its 16 MB answer) in
UnprocessedKeys, which are asked for again after a short, growing pause, and answers in any order: the items come
back here in the order of the keys asked for."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from leadflow.adapters import layout

BATCH_GET_KEYS = 100  # BatchGetItem's limit per request
MAX_ATTEMPTS = 5  # requests for one set of keys, the first included, before giving up on what is left unread
FIRST_PAUSE_SECONDS = 0.05  # before asking again for the keys a request left unread; doubled each time

ItemKey = tuple[tuple[str, Any], ...]


def get_items(table: Any, keys: Sequence[layout.Item], *, consistent: bool) -> list[layout.Item]:
    """The items stored under `keys` (a boto3 Table resource's key dicts), in the keys' order; a key with no item is
    left out, a key given twice is read once. On the Table's client, which converts values as the Table does."""
    wanted = {_identity(key): key for key in keys}
    found: dict[ItemKey, layout.Item] = {}
    names = tuple(next(iter(wanted.values()))) if wanted else ()
    requests = list(wanted.values())
    for start in range(0, len(requests), BATCH_GET_KEYS):
        chunk = requests[start : start + BATCH_GET_KEYS]
        for item in _read_all(table, chunk, consistent=consistent):
            found[_identity({name: item[name] for name in names})] = item
    return [found[identity] for identity in wanted if identity in found]


def _read_all(table: Any, keys: list[layout.Item], *, consistent: bool) -> list[layout.Item]:
    items: list[layout.Item] = []
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            time.sleep(FIRST_PAUSE_SECONDS * 2 ** (attempt - 1))
        response = table.meta.client.batch_get_item(
            RequestItems={table.name: {"Keys": keys, "ConsistentRead": consistent}}
        )
        items.extend(response["Responses"].get(table.name, []))
        keys = response.get("UnprocessedKeys", {}).get(table.name, {}).get("Keys", [])
        if not keys:
            return items
    raise RuntimeError(f"DynamoDB left {len(keys)} items unread after {MAX_ATTEMPTS} attempts (throttled)")


def _identity(key: layout.Item) -> ItemKey:
    return tuple(sorted((name, str(value)) for name, value in key.items()))
