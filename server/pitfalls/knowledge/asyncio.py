"""asyncio fan-out: which calls gather awaitables, and which call names mean a write."""

from __future__ import annotations

GATHER_CALLS: frozenset[str] = frozenset({"asyncio.gather", "asyncio.tasks.gather"})
"""Calls that wait for several awaitables and, by default, raise the first failure."""

TASK_WRAPPERS: frozenset[str] = frozenset(
    {
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.wait_for",
        "asyncio.shield",
        "create_task",
        "create_eager_task",
        "async_create_task",
        "async_create_background_task",
        "create_background_task",
    }
)
"""Calls (or method names, for ``loop.create_task``) that wrap an awaitable without changing
what it does: the call inside is the one that tells reads from writes. Home Assistant's
``create_eager_task`` and ``hass.async_create_task`` are named like writes (``create``)."""

WRITE_VERBS: frozenset[str] = frozenset(
    {
        "post",
        "put",
        "patch",
        "delete",
        "send",
        "sendall",
        "save",
        "insert",
        "update",
        "upsert",
        "publish",
        "write",
        "create",
        "store",
        "persist",
        "commit",
        "notify",
        "emit",
        "push",
        "upload",
        "charge",
        "refund",
        "pay",
        "remove",
        "enqueue",
        "produce",
        "dispatch",
        "submit",
        "record",
        "log",
        "register",
        "unregister",
        "archive",
        "deliver",
        "transfer",
        "debit",
        "credit",
        "apply",
        "provision",
        "deploy",
        "migrate",
        "ack",
        "nack",
        "reject",
        "cancel",
        "revoke",
        "grant",
        "invalidate",
        "purge",
        "bulk",
        "executemany",
        "webhook",
        "email",
        "sms",
        "mail",
        "import",
        "ingest",
        "index",
        "reindex",
        "set",
        "add",
        "append",
        "incr",
        "decr",
        "increment",
        "decrement",
        "lpush",
        "rpush",
        "hset",
        "xadd",
        "setex",
        "rename",
        "move",
        "copy",
        "mark",
        "assign",
        "schedule",
        "trigger",
        "fire",
        "broadcast",
        "replicate",
        "flush",
        "process",
        "handle",
        "fulfill",
        "fulfil",
        "reserve",
        "release",
        "allocate",
        "settle",
        "book",
        "checkout",
        "install",
        "uninstall",
        "restart",
        "stop",
        "start",
        "kill",
        "terminate",
        "shutdown",
        "mount",
        "unmount",
        "backup",
        "restore",
    }
)
"""Words that, as one word of a called function's name (``save``, ``send_email``,
``updateOrder``), mean the call changes something outside the process."""

SQL_WRITE_WORDS: tuple[str, ...] = ("insert ", "update ", "delete ", "upsert", "merge into", "replace into")
"""Statements in a SQL string passed to ``execute`` that make the call a write."""

HTTP_WRITE_METHODS: frozenset[str] = frozenset({"POST", "PUT", "PATCH", "DELETE"})
"""Methods passed to a generic ``request("POST", ...)`` that make it a write."""

NOT_WRITES: frozenset[str] = frozenset(
    {
        "create_future",
        "create_task",
        "create_connection",
        "create_unix_connection",
        "create_datagram_endpoint",
        "create_server",
        "create_unix_server",
        "create_default_context",
        "create_pool",
        "create_session",
        "create_client",
        "record_exception",
        "log_exception",
        "ensure_future",
    }
)
"""Whole names that contain a write verb but only set up local objects."""

VERBS_WRITING_ONLY_WITH_ARGUMENTS: frozenset[str] = frozenset({"update", "refresh", "reload", "apply"})
"""Verbs that, called with no argument (``sensor.update()``), usually refresh local state from
a source: a read."""

THREAD_WRAPPERS: dict[str, int] = {
    "asyncio.to_thread": 0,
    "to_thread": 0,
    "run_in_executor": 1,
    "run_sync": 0,
    "run_sync_in_worker_thread": 0,
    "sync_to_async": 0,
}
"""Calls that run a blocking function in a thread, with the position of that function."""
