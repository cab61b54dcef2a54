"""Seeded automation workflows ("diagrams"), their listing, and their state changes.

Policy:

- Timestamps are spread over the two years before an anchor (the server clock at
  construction, truncated to midnight UTC), so a seed gives the same data all day and a
  fixed ``clock`` gives the same data always. About one workflow in five was updated in
  the 30 days before the anchor, so ``status=Recent`` finds some.
- Listings filter a cached, fully sorted order (rebuilt only after a change), and
  serialize each workflow once until it changes.
- Default order: ``created`` descending; every order breaks ties by ``diagramId``
  ascending, so pages never overlap or skip.
- Every workflow has 2-6 blocks (see :func:`block_layout`), which its statistics report
  and the ``blockTypes``, ``triggersOnEvent`` and ``generatesEvent`` filters read.
- Names are user input: the first workflow of the first Workspace is named
  :data:`HOSTILE_NAME` (markup), so that whatever shows names (the audit's HTML report)
  is seen to escape them.
"""

from __future__ import annotations

import copy
import json
import math
import random
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from ._errors import ApiError, field_error
from ._models import SeededWorkspace
from ._seed import random_uuid, rng

DAY: Final = 86400.0
RECENT_SECONDS: Final = 30 * DAY
MAX_LIMIT: Final = 1000
#: The name of the first workflow of the first Workspace: markup that must show as text.
HOSTILE_NAME: Final = "<script>alert(1)</script>"

_STATUS_WEIGHTS: Final = (
    ("Active", 55),
    ("Paused", 12),
    ("Draft", 13),
    ("Stopped", 12),
    ("Scheduled", 8),
)
_BASE_NAMES: Final = (
    "Welcome series",
    "Abandoned cart",
    "Birthday voucher",
    "Win-back",
    "Post-purchase survey",
    "Price drop alert",
    "Back in stock",
    "Loyalty tier upgrade",
    "Cross-sell after purchase",
    "Re-engagement",
    "Newsletter double opt-in",
    "Churn prevention",
    "Cart recovery SMS",
    "Points expiry reminder",
    "Onboarding journey",
    "VIP early access",
    "Product review request",
    "Replenishment reminder",
    "Black Friday teaser",
    "Wishlist reminder",
    "Browse abandonment",
    "Store pickup ready",
    "Data import \u2013 CRM sync",
    "Catalog feed export",
)
_MARKETS: Final = ("PL", "DE", "CZ", "UK", "FR", "RO")
_TAGS: Final = (
    ("newsletter", "#0b68ff", "mail"),
    ("promo", "#f5a623", "percent"),
    ("retention", "#7ed321", "refresh"),
    ("onboarding", "#50e3c2", "flag"),
    ("loyalty", "#bd10e0", "star"),
    ("transactional", "#4a4a4a", "receipt"),
    ("test", "#d0021b", "beaker"),
    ("q4-campaign", "#9013fe", "calendar"),
)
_CAPPING_PERIODS: Final = (0, 3600, 86400, 604800, 2592000)

STATUS_FILTERS: Final = (
    "All",
    "Recent",
    "Draft",
    "Pending",
    "Active",
    "Paused",
    "Stopped",
    "Inactive",
    "Scheduled",
    "NoSchedule",
    "ScheduleOn",
    "ScheduleOff",
)
_SORT_FIELDS: Final = {
    "author": "author",
    "name": "name",
    "createdtime": "created",
    "created": "created",
    "updatedtime": "updated",
    "updated": "updated",
    "status": "status",
}
_SORT_NAMES: Final = ("Author", "Name", "CreatedTime", "UpdatedTime", "Status")


#: Block kinds and labels; an event trigger's label names its event after "Event: ".
_TRIGGERS: Final = (
    ("EventTrigger", "Event: page.visit"),
    ("EventTrigger", "Event: product.addToCart"),
    ("EventTrigger", "Event: transaction.charge"),
    ("ProfileEnteredSegment", "Profile entered segment"),
    ("ScheduledRun", "Scheduled run"),
)
_ACTIONS: Final = (
    ("SendEmail", "Send email"),
    ("SendSms", "Send SMS"),
    ("SendMobilePush", "Send mobile push"),
    ("SendWebPush", "Send web push"),
    ("Delay", "Delay 1 day"),
    ("Filter", "Filter: newsletter agreement"),
    ("UpdateProfile", "Update profile attribute"),
    ("AddTag", "Add tag"),
    ("Webhook", "Outgoing webhook"),
    ("WaitForEvent", "Wait for purchase"),
)
_DATA_ACTIONS: Final = (
    ("ImportData", "Import from SFTP"),
    ("DataTransformation", "Data transformation"),
    ("ExportData", "Export to BigQuery"),
)
#: Events a "GenerateEvent" block emits (its label names it after "Generate event: ").
_GENERATED_EVENTS: Final = ("custom.journeyCompleted", "custom.voucherIssued", "custom.leadScored")
_EVENT_TRIGGER: Final = "EventTrigger"
_GENERATE_EVENT: Final = "GenerateEvent"
MAX_BLOCKS: Final = 6


@attrs.frozen
class Block:
    """One block of a workflow: its id, label and kind, and the event it triggers on
    (an ``EventTrigger``) or generates (a ``GenerateEvent``), else None."""

    id: str
    name: str
    kind: str
    event: str | None = None


def block_layout(seed: int, diagram_id: str, *, has_transformation: bool) -> tuple[Block, ...]:
    """The blocks of a workflow: a trigger, the data stages when it has them, then
    actions, 2 to :data:`MAX_BLOCKS` in all; about one in four ends with a GenerateEvent
    block (drawn from its own stream, so the other blocks do not depend on it)."""
    gen = rng(seed, "blocks", diagram_id)
    kind, name = gen.choice(_TRIGGERS)
    event = name.removeprefix("Event: ") if kind == _EVENT_TRIGGER else None
    layout = [Block(random_uuid(gen), name, kind, event)]
    if has_transformation:
        layout.extend(Block(random_uuid(gen), n, k) for k, n in _DATA_ACTIONS)
    count = gen.randint(max(0, 2 - len(layout)), MAX_BLOCKS - len(layout))
    for kind, name in gen.sample(_ACTIONS, count):
        layout.append(Block(random_uuid(gen), name, kind))
    extra = rng(seed, "generated-event", diagram_id)
    if len(layout) < MAX_BLOCKS and extra.random() < 0.25:
        event = extra.choice(_GENERATED_EVENTS)
        layout.append(Block(random_uuid(extra), f"Generate event: {event}", _GENERATE_EVENT, event))
    return tuple(layout)


class Workflow:
    """One workflow: its wire representation plus what the fake keeps beside it."""

    __slots__ = ("_json", "blocks", "data", "diagram_id", "directory_id", "idle")

    def __init__(
        self,
        data: dict[str, Any],
        *,
        directory_id: str | None,
        idle: bool,
        blocks: tuple[Block, ...] = (),
    ) -> None:
        self.data = data
        self.diagram_id: str = data["diagramId"]
        self.directory_id = directory_id
        self.idle = idle
        self.blocks = blocks
        self._json: bytes | None = None

    @property
    def status(self) -> str:
        """The workflow status (Draft, Active, Paused, Stopped, Scheduled)."""
        return str(self.data["status"])

    @property
    def has_transformation(self) -> bool:
        """Whether the workflow has data-processing stages (import, transform, export)."""
        return bool(self.data["hasTransformation"])

    def to_json(self) -> bytes:
        """The workflow's JSON, cached until :meth:`update`."""
        if self._json is None:
            self._json = json.dumps(self.data, separators=(",", ":")).encode()
        return self._json

    def update(self, now: float, **fields: Any) -> None:
        """Change wire fields and set ``updated`` to ``now`` (never before ``created``)."""
        self.data.update(fields)
        self.data["updated"] = max(round(now, 3), self.data["created"])
        self._json = None


def _name(gen: random.Random) -> str:
    base = gen.choice(_BASE_NAMES)
    variant = gen.random()
    if variant < 0.3:
        return f"{base} {gen.randint(1, 40)}"
    if variant < 0.55:
        return f"{base} \u2013 {gen.choice(_MARKETS)}"
    if variant < 0.62:
        return f"{base} (copy)"
    if variant < 0.7:
        return f"{base} v{gen.randint(2, 4)}"
    return base


def seed_workflows(
    seed: int, index: int, workspace: SeededWorkspace, count: int, anchor: float
) -> list[Workflow]:
    """Generate ``count`` workflows for the ``index``-th Workspace.

    Args:
        seed: The server seed.
        index: The Workspace's position (names the random stream).
        workspace: The Workspace.
        count: How many workflows.
        anchor: The newest possible ``updated`` time (epoch seconds).

    Returns:
        The workflows, in generation order.
    """
    gen = rng(seed, "workflows", index)
    tags = [
        {
            "hash": random_uuid(gen),
            "value": value,
            "color": color,
            "description": f"Workflows tagged {value}",
            "icon": icon,
        }
        for value, color, icon in _TAGS
    ]
    authors = [
        {
            "userId": gen.randrange(1_000, 999_999),
            "clientId": gen.choice((0, gen.randrange(1_000_000, 9_999_999))),
            "clientApiHash": f"{gen.getrandbits(128):032x}",
            "businessProfileApiHash": f"{gen.getrandbits(128):032x}",
        }
        for _ in range(4)
    ]
    statuses = [status for status, _ in _STATUS_WEIGHTS]
    weights = [weight for _, weight in _STATUS_WEIGHTS]
    directories: list[str | None] = [*workspace.directory_ids, None]
    workflows: list[Workflow] = []
    for number in range(count):
        created = round(anchor - gen.uniform(DAY, 730 * DAY), 3)
        if gen.random() < 0.2:
            updated = anchor - gen.uniform(0, 25 * DAY)
        else:
            updated = created + gen.uniform(0, anchor - created)
        updated = max(round(updated, 3), created)
        status = gen.choices(statuses, weights)[0]
        on_chance = 1.0 if status == "Scheduled" else 0.4 if status == "Active" else 0.15
        name = _name(gen)
        if index == 0 and number == 0:
            name = HOSTILE_NAME  # after _name: the random stream stays the same
        description_roll = gen.random()
        description: str | None
        if description_roll < 0.2:
            description = None
        elif description_roll < 0.4:
            description = ""
        else:
            description = f"{name}: {gen.choice(('email', 'SMS', 'push', 'web push'))} journey"
        data: dict[str, Any] = {
            "diagramId": random_uuid(gen),
            "listingAuthor": dict(gen.choice(authors)),
            "name": name,
            "created": created,
            "updated": updated,
            "status": status,
            "scheduleStatus": "On" if gen.random() < on_chance else "Off",
            "configuration": {
                "capping": {
                    "limit": gen.choice((0, 1, 1, 2, 3, 5, 10)),
                    "period": {"type": "Time", "timeSeconds": gen.choice(_CAPPING_PERIODS)},
                },
                "multipleJourneys": gen.random() < 0.3,
            },
            "catalogId": gen.randrange(1_000, 99_999) if gen.random() < 0.4 else None,
            "context": "Client",
            "tags": [
                dict(t) for t in gen.sample(tags, gen.choices((0, 1, 2, 3), (35, 35, 20, 10))[0])
            ],
            "description": description,
            "hasTransformation": gen.random() < 0.3,
            "businessProfileId": workspace.numeric_id,
        }
        extra = gen.random()
        if extra < 0.07:
            data["experimentalFlag"] = True
        elif extra < 0.12:
            data["journeyVersion"] = gen.randint(2, 5)
        directory_id = gen.choice(directories)
        idle = status == "Active" and gen.random() < 0.15
        blocks = block_layout(seed, data["diagramId"], has_transformation=data["hasTransformation"])
        workflows.append(Workflow(data, directory_id=directory_id, idle=idle, blocks=blocks))
    return workflows


@attrs.frozen
class ListQuery:
    """A parsed, validated workflow-listing query."""

    page: int = 1
    limit: int = 10
    status: str = "All"
    sort_field: str = "created"
    descending: bool = True
    search: str | None = None
    directory_id: str | None = None
    tags: frozenset[str] | None = None
    block_types: frozenset[str] | None = None
    triggers_on_event: str | None = None
    generates_event: str | None = None


def _bad(field: str, message: str, rejected: Any, code: str = "InvalidValue") -> ApiError:
    return ApiError(
        400,
        f"Validation failed for parameter '{field}': {message}",
        errors=[field_error(field, message, rejected, code)],
    )


def parse_int(query: Mapping[str, str], field: str, default: int, minimum: int) -> int:
    """Read an integer query parameter, raising a 400 :class:`ApiError` when invalid."""
    raw = query.get(field)
    if raw is None or raw == "":
        return default
    try:
        number = float(raw)
    except ValueError:
        raise _bad(field, "must be a number", raw, "TypeMismatch") from None
    if not number.is_integer():
        raise _bad(field, "must be a whole number", raw, "TypeMismatch")
    if number < minimum:
        raise _bad(field, f"must be greater than or equal to {minimum}", raw, "Min")
    return int(number)


def _pick(raw: str, field: str, allowed: tuple[str, ...]) -> str:
    for name in allowed:
        if name.lower() == raw.lower():
            return name
    raise _bad(field, f"must be one of {', '.join(allowed)}", raw)


def parse_list_query(query: Mapping[str, str], *, default_limit: int, with_tags: bool) -> ListQuery:
    """Validate a listing query (operations 13 and 14).

    Args:
        query: The request's query parameters.
        default_limit: The ``limit`` when absent (10 for v1, 50 for v2).
        with_tags: Whether ``tags`` is honoured (v2 only).

    ``blockTypes`` (both versions) is comma-separated and may be repeated; a workflow
    matches when it has a block of any of the types (ignoring case). ``triggersOnEvent``
    and ``generatesEvent`` name one event each (exactly, as event names are): a workflow
    matches when an ``EventTrigger`` block triggers on it, or a ``GenerateEvent`` block
    generates it.

    Returns:
        The parsed query; ``limit`` is capped at 1000.

    Raises:
        ApiError: 400 with ``errors[]`` for an invalid value.
    """
    page = parse_int(query, "page", 1, 1)
    limit = min(parse_int(query, "limit", default_limit, 1), MAX_LIMIT)
    status = _pick(query["status"], "status", STATUS_FILTERS) if query.get("status") else "All"
    sort_field, descending = "created", True
    if query.get("sort"):
        sort_field = _SORT_FIELDS[_pick(query["sort"], "sort", _SORT_NAMES).lower()]
    if query.get("order"):
        descending = _pick(query["order"], "order", ("Asc", "Desc")) == "Desc"
    if query.get("sortBy"):
        raw = query["sortBy"]
        field_name, _, direction = raw.partition(":")
        if field_name.lower() not in _SORT_FIELDS or direction.lower() not in ("", "asc", "desc"):
            raise _bad("sortBy", "must look like createdTime:desc", raw)
        sort_field = _SORT_FIELDS[field_name.lower()]
        descending = direction.lower() != "asc"
    directory_id = query.get("directoryId") or None
    if directory_id is not None:
        try:
            uuid.UUID(directory_id)
        except ValueError:
            raise _bad("directoryId", "must be a UUID", directory_id) from None
    tags: frozenset[str] | None = None
    if with_tags and query.get("tags"):
        tags = frozenset(t.strip().lower() for t in query["tags"].split(",") if t.strip()) or None
    # Comma-separated, and may be repeated: blockTypes=A,B and blockTypes=A&blockTypes=B.
    getall = getattr(query, "getall", None)  # a request's query is a multidict
    block_values = getall("blockTypes", []) if getall else [query.get("blockTypes", "")]
    block_types = (
        frozenset(b.strip().lower() for raw in block_values for b in raw.split(",") if b.strip())
        or None
    )
    return ListQuery(
        page=page,
        limit=limit,
        status=status,
        sort_field=sort_field,
        descending=descending,
        search=(query.get("search") or "").lower() or None,
        directory_id=directory_id,
        tags=tags,
        block_types=block_types,
        triggers_on_event=query.get("triggersOnEvent") or None,
        generates_event=query.get("generatesEvent") or None,
    )


def _status_filter(status: str, now: float) -> Callable[[Workflow], bool] | None:
    match status:
        case "All":
            return None
        case "Recent":
            since = now - RECENT_SECONDS
            return lambda w: w.data["updated"] >= since
        case "Inactive":
            return lambda w: w.status in ("Paused", "Stopped")
        case "ScheduleOn":
            return lambda w: w.data["scheduleStatus"] == "On"
        case "ScheduleOff" | "NoSchedule":
            return lambda w: w.data["scheduleStatus"] == "Off"
        case _:
            return lambda w: w.status == status


_SORT_KEYS: Final[dict[str, Callable[[Workflow], Any]]] = {
    "author": lambda w: w.data["listingAuthor"]["userId"],
    "name": lambda w: w.data["name"].casefold(),
    "created": lambda w: w.data["created"],
    "updated": lambda w: w.data["updated"],
    "status": lambda w: w.status,
}


class WorkflowStore:
    """One Workspace's workflows, keyed by diagram id."""

    def __init__(self, workflows: list[Workflow]) -> None:
        self._by_id = {w.diagram_id: w for w in workflows}
        self._sorted: dict[tuple[str, bool], list[Workflow]] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, diagram_id: str) -> Workflow | None:
        """Return the workflow, or ``None`` when unknown or deleted."""
        return self._by_id.get(diagram_id)

    def delete(self, diagram_id: str) -> bool:
        """Delete a workflow; tell whether it existed."""
        removed = self._by_id.pop(diagram_id, None) is not None
        self.changed()
        return removed

    def changed(self) -> None:
        """Forget cached orders after a workflow changed."""
        self._sorted.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        """Deep copies of every workflow's wire data, in generation order."""
        return [copy.deepcopy(w.data) for w in self._by_id.values()]

    def _ordered(self, field: str, descending: bool) -> list[Workflow]:
        cached = self._sorted.get((field, descending))
        if cached is None:
            items = sorted(self._by_id.values(), key=lambda w: w.diagram_id)
            items.sort(key=_SORT_KEYS[field], reverse=descending)
            self._sorted[(field, descending)] = cached = items
        return cached

    def listing(self, query: ListQuery, now: float) -> bytes:
        """Serialize one listing page: ``{"data": [...], "meta": {...}}``."""
        items = self._ordered(query.sort_field, query.descending)
        checks: list[Callable[[Workflow], bool]] = []
        status_check = _status_filter(query.status, now)
        if status_check is not None:
            checks.append(status_check)
        if query.search is not None:
            needle = query.search
            checks.append(lambda w: needle in w.data["name"].lower())
        if query.directory_id is not None:
            directory = query.directory_id
            checks.append(lambda w: w.directory_id == directory)
        if query.tags is not None:
            wanted = query.tags
            checks.append(lambda w: any(t["value"].lower() in wanted for t in w.data["tags"]))
        if query.block_types is not None:
            kinds = query.block_types
            checks.append(lambda w: any(b.kind.lower() in kinds for b in w.blocks))
        if query.triggers_on_event is not None:
            trigger = query.triggers_on_event
            checks.append(
                lambda w: any(b.kind == _EVENT_TRIGGER and b.event == trigger for b in w.blocks)
            )
        if query.generates_event is not None:
            generated = query.generates_event
            checks.append(
                lambda w: any(b.kind == _GENERATE_EVENT and b.event == generated for b in w.blocks)
            )
        if checks:
            items = [w for w in items if all(check(w) for check in checks)]
        total = len(items)
        start = (query.page - 1) * query.limit
        page = items[start : start + query.limit]
        meta = {
            "limit": query.limit,
            "page": query.page,
            "pages": math.ceil(total / query.limit),
            "total": total,
        }
        return b"".join(
            (
                b'{"data":[',
                b",".join(w.to_json() for w in page),
                b'],"meta":',
                json.dumps(meta, separators=(",", ":")).encode(),
                b"}",
            )
        )
