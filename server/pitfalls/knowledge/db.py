"""What database and message-queue calls mean: queries, writes, commits, transactions, acks.

Rules PF005 (query-in-loop), PF006 (ack-before-commit) and PF009 (writes-without-transaction)
read these tables through ``pitfalls.dbflow``. A receiver (the ``x`` in ``x.execute()``) has
a *kind*; the kind comes from how the receiver was made or annotated when the file shows it
(``conn = psycopg2.connect(...)``, ``session: Session``), else from its conventional name.
To teach pitfalls a new library, add its constructors, annotations and methods here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Receiver kinds -------------------------------------------------------------------------

CONNECTION = "connection"
"""A DB-API connection (sqlite3, psycopg2, psycopg 3, mysqlclient, PyMySQL)."""
CURSOR = "cursor"
SESSION = "session"
"""A SQLAlchemy ORM session (also Flask-SQLAlchemy's ``db.session`` and SQLModel's)."""
SA_CONNECTION = "sa_connection"
"""A SQLAlchemy Core connection (``engine.connect()``)."""
ENGINE = "engine"
ASYNCPG = "asyncpg"
"""An asyncpg connection or pool: autocommit unless inside ``conn.transaction()``."""
CHANNEL = "channel"
"""An AMQP channel (pika, amqp, kombu): ``basic_ack`` and ``basic_consume``."""
MESSAGE = "message"
"""A received message with its own ``ack()`` (aio-pika, kombu, nats, Google Pub/Sub)."""
SQS = "sqs"
KAFKA_CONSUMER = "kafka_consumer"
REDIS = "redis"

OTHER = "other"
"""Made by a known library that is not a database (``pika.BlockingConnection(...)``): its
conventional name (``connection``) must not make it a database connection."""
NON_DB_MODULES = frozenset(
    {
        "pika",
        "kombu",
        "aio_pika",
        "aiormq",
        "amqp",
        "amqpstorm",
        "boto3",
        "aioboto3",
        "botocore",
        "kafka",
        "confluent_kafka",
        "aiokafka",
        "redis",
        "nats",
        "zmq",
        "grpc",
        "socket",
        "ssl",
        "http",
        "urllib",
        "urllib3",
        "requests",
        "httpx",
        "aiohttp",
        "websockets",
        "paramiko",
        "ftplib",
        "smtplib",
        "imaplib",
        "ldap",
        "ldap3",
        "multiprocessing",
        "subprocess",
    }
)

DB_KINDS = frozenset({CONNECTION, CURSOR, SESSION, SA_CONNECTION, ENGINE, ASYNCPG})

# Library of a connection: which transaction block its fix may use ----------------------

SQLITE3 = "sqlite3"
PSYCOPG2 = "psycopg2"
PSYCOPG = "psycopg"
MYSQL = "mysql"
SQLALCHEMY = "sqlalchemy"
ASYNCPG_LIBRARY = "asyncpg"


@dataclass(frozen=True, slots=True)
class Made:
    """What a call makes: the receiver kind and, when it matters for fixes, the library."""

    kind: str
    library: str | None = None


CONSTRUCTORS: dict[str, Made] = {
    # DB-API connections
    "sqlite3.connect": Made(CONNECTION, SQLITE3),
    "sqlite3.Connection": Made(CONNECTION, SQLITE3),
    "psycopg2.connect": Made(CONNECTION, PSYCOPG2),
    "psycopg2.extras.connect": Made(CONNECTION, PSYCOPG2),
    "psycopg.connect": Made(CONNECTION, PSYCOPG),
    "psycopg.Connection.connect": Made(CONNECTION, PSYCOPG),
    "psycopg.AsyncConnection.connect": Made(CONNECTION, PSYCOPG),
    "MySQLdb.connect": Made(CONNECTION, MYSQL),
    "MySQLdb.Connect": Made(CONNECTION, MYSQL),
    "pymysql.connect": Made(CONNECTION, MYSQL),
    "pymysql.Connect": Made(CONNECTION, MYSQL),
    "mysql.connector.connect": Made(CONNECTION, MYSQL),
    "aiomysql.connect": Made(CONNECTION, MYSQL),
    "aiosqlite.connect": Made(CONNECTION, SQLITE3),
    "django.db.connection": Made(CONNECTION),
    "django.db.connections": Made(CONNECTION),
    # SQLAlchemy
    "sqlalchemy.create_engine": Made(ENGINE, SQLALCHEMY),
    "sqlalchemy.engine.create_engine": Made(ENGINE, SQLALCHEMY),
    "sqlalchemy.ext.asyncio.create_async_engine": Made(ENGINE, SQLALCHEMY),
    "sqlalchemy.orm.Session": Made(SESSION, SQLALCHEMY),
    "sqlalchemy.orm.session.Session": Made(SESSION, SQLALCHEMY),
    "sqlalchemy.ext.asyncio.AsyncSession": Made(SESSION, SQLALCHEMY),
    "sqlmodel.Session": Made(SESSION, SQLALCHEMY),
    # asyncpg
    "asyncpg.connect": Made(ASYNCPG, ASYNCPG_LIBRARY),
    "asyncpg.create_pool": Made(ASYNCPG, ASYNCPG_LIBRARY),
    # Queues
    "kafka.KafkaConsumer": Made(KAFKA_CONSUMER),
    "confluent_kafka.Consumer": Made(KAFKA_CONSUMER),
    "confluent_kafka.DeserializingConsumer": Made(KAFKA_CONSUMER),
    "aiokafka.AIOKafkaConsumer": Made(KAFKA_CONSUMER),
    "redis.Redis": Made(REDIS),
    "redis.StrictRedis": Made(REDIS),
    "redis.from_url": Made(REDIS),
    "redis.asyncio.Redis": Made(REDIS),
    "redis.asyncio.from_url": Made(REDIS),
}
"""Qualified names of calls (or module objects) and the receiver they make."""

SESSION_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.scoped_session",
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.async_scoped_session",
    }
)
"""Calls whose result, when called, makes a session (``SessionLocal = sessionmaker(...)``)."""

CLIENT_FACTORIES: dict[str, dict[str, str]] = {
    "boto3.client": {"sqs": SQS},
    "boto3.session.Session.client": {"sqs": SQS},
    "aioboto3.Session.client": {"sqs": SQS},
}
"""Factories that make a receiver by service name (``boto3.client("sqs")``)."""

ANNOTATIONS: dict[str, Made] = {
    "sqlite3.Connection": Made(CONNECTION, SQLITE3),
    "sqlite3.Cursor": Made(CURSOR, SQLITE3),
    "psycopg2.extensions.connection": Made(CONNECTION, PSYCOPG2),
    "psycopg2.extensions.cursor": Made(CURSOR, PSYCOPG2),
    "psycopg.Connection": Made(CONNECTION, PSYCOPG),
    "psycopg.AsyncConnection": Made(CONNECTION, PSYCOPG),
    "psycopg.Cursor": Made(CURSOR, PSYCOPG),
    "psycopg.AsyncCursor": Made(CURSOR, PSYCOPG),
    "pymysql.connections.Connection": Made(CONNECTION, MYSQL),
    "pymysql.cursors.Cursor": Made(CURSOR, MYSQL),
    "sqlalchemy.orm.Session": Made(SESSION, SQLALCHEMY),
    "sqlalchemy.orm.session.Session": Made(SESSION, SQLALCHEMY),
    "sqlalchemy.orm.scoped_session": Made(SESSION, SQLALCHEMY),
    "sqlalchemy.ext.asyncio.AsyncSession": Made(SESSION, SQLALCHEMY),
    "sqlmodel.Session": Made(SESSION, SQLALCHEMY),
    "sqlalchemy.engine.Connection": Made(SA_CONNECTION, SQLALCHEMY),
    "sqlalchemy.Connection": Made(SA_CONNECTION, SQLALCHEMY),
    "sqlalchemy.ext.asyncio.AsyncConnection": Made(SA_CONNECTION, SQLALCHEMY),
    "sqlalchemy.engine.Engine": Made(ENGINE, SQLALCHEMY),
    "sqlalchemy.Engine": Made(ENGINE, SQLALCHEMY),
    "asyncpg.Connection": Made(ASYNCPG, ASYNCPG_LIBRARY),
    "asyncpg.connection.Connection": Made(ASYNCPG, ASYNCPG_LIBRARY),
    "asyncpg.Pool": Made(ASYNCPG, ASYNCPG_LIBRARY),
    "asyncpg.pool.Pool": Made(ASYNCPG, ASYNCPG_LIBRARY),
    "pika.channel.Channel": Made(CHANNEL),
    "pika.adapters.blocking_connection.BlockingChannel": Made(CHANNEL),
    "aio_pika.IncomingMessage": Made(MESSAGE),
    "aio_pika.abc.AbstractIncomingMessage": Made(MESSAGE),
    "aio_pika.message.IncomingMessage": Made(MESSAGE),
    "kombu.Message": Made(MESSAGE),
    "kombu.message.Message": Made(MESSAGE),
    "kafka.KafkaConsumer": Made(KAFKA_CONSUMER),
    "confluent_kafka.Consumer": Made(KAFKA_CONSUMER),
    "aiokafka.AIOKafkaConsumer": Made(KAFKA_CONSUMER),
    "redis.Redis": Made(REDIS),
    "redis.asyncio.Redis": Made(REDIS),
}
"""Annotations (resolved through imports) and the receiver they declare."""

DERIVED: dict[tuple[str, str], Made] = {
    (CONNECTION, "cursor"): Made(CURSOR),
    (ENGINE, "connect"): Made(SA_CONNECTION, SQLALCHEMY),
    (ENGINE, "begin"): Made(SA_CONNECTION, SQLALCHEMY),
    (ASYNCPG, "acquire"): Made(ASYNCPG, ASYNCPG_LIBRARY),
    (SESSION, "connection"): Made(SA_CONNECTION, SQLALCHEMY),
}
"""``receiver.method()`` calls that make another receiver (``conn.cursor()``)."""

CHANNEL_MAKERS = frozenset({"channel"})
"""Methods that open an AMQP channel on a connection (``connection.channel()``)."""

CONVENTIONAL_NAMES: dict[str, str] = {
    "conn": CONNECTION,
    "connection": CONNECTION,
    "db_conn": CONNECTION,
    "dbconn": CONNECTION,
    "db_connection": CONNECTION,
    "cnx": CONNECTION,
    "con": CONNECTION,
    "pg_conn": CONNECTION,
    "cursor": CURSOR,
    "cur": CURSOR,
    "db_cursor": CURSOR,
    "session": SESSION,
    "db_session": SESSION,
    "dbsession": SESSION,
    "sess": SESSION,
    "db": SESSION,
    "engine": ENGINE,
    "pool": ASYNCPG,
    "ch": CHANNEL,
    "channel": CHANNEL,
    "chan": CHANNEL,
    "consumer": KAFKA_CONSUMER,
    "kafka_consumer": KAFKA_CONSUMER,
    "sqs": SQS,
    "sqs_client": SQS,
}
"""Receiver kinds guessed from the last name of the receiver (``self.conn``, ``db.session``)
when the file does not show how it was made."""

WEB_REQUEST_NAMES = frozenset({"request", "req"})
"""Names of a web request object. Its ``session`` is the framework's per-user session
(Django's ``request.session``, a dict-like store), not a database session, and its
upper-case attributes (``POST``, ``GET``, ``FILES``) hold what the client sent, not
constants."""

# Calls: queries, writes, commits -------------------------------------------------------

QUERY_METHODS: dict[str, frozenset[str]] = {
    CURSOR: frozenset({"execute", "callproc"}),
    CONNECTION: frozenset({"execute"}),
    SA_CONNECTION: frozenset({"execute", "scalar", "scalars", "exec_driver_sql"}),
    SESSION: frozenset({"get", "get_one", "execute", "scalar", "scalars", "query", "exec"}),
    ASYNCPG: frozenset({"fetch", "fetchrow", "fetchval", "execute"}),
}
"""Methods that send one statement to the database, per receiver kind."""

EXECUTE_METHODS = frozenset({"execute", "exec_driver_sql"})
"""Methods whose first argument is the SQL text (or a SQLAlchemy statement)."""

BULK_METHODS = frozenset(
    {
        "executemany",
        "bulk_create",
        "bulk_update",
        "in_bulk",
        "copy_records_to_table",
        "copy_from",
        "copy_expert",
    }
)
"""One round trip for many rows: never a query per item."""

DJANGO_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
"""Attributes of a model class that start a queryset (``Order.objects``)."""
FLASK_SQLALCHEMY_QUERY = "query"
"""``Model.query`` in Flask-SQLAlchemy starts a query like ``Model.objects`` in Django."""

LEGACY_QUERY = "sqlalchemy.query"
"""The library tag of SQLAlchemy's legacy ``session.query(Model).filter(...).first()`` chains."""
SESSION_QUERY_METHOD = "query"

QUERYSET_QUERY_METHODS = frozenset(
    {
        "get",
        "filter",
        "exclude",
        "first",
        "last",
        "count",
        "exists",
        "aggregate",
        "get_or_create",
        "update_or_create",
        "values",
        "values_list",
        "earliest",
        "latest",
        "raw",
        "filter_by",
        "get_or_404",
        "first_or_404",
        "one",
        "one_or_none",
        "scalar",
        "aget",
        "afirst",
        "alast",
        "acount",
        "aexists",
        "aget_or_create",
    }
)
"""Queryset or query methods that run (or build, then run) one query."""

QUERYSET_RETURNING_METHODS = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "order_by",
        "distinct",
        "select_related",
        "prefetch_related",
        "annotate",
        "alias",
        "only",
        "defer",
        "using",
        "select_for_update",
        "reverse",
        "values",
        "values_list",
        "union",
        "intersection",
        "difference",
    }
)
"""Django queryset methods that return another lazy queryset: a name bound to
``Order.objects.filter(...)`` (or to ``Order.objects`` itself) still queries when its
``.get(...)`` or ``.first()`` is called."""

QUERYSET_LAZY_METHODS = frozenset({"filter", "exclude", "filter_by", "values", "values_list", "raw"})
"""Queryset methods that only build a query: nothing is sent until the result is iterated
or evaluated (``list()``, ``len()``, ``if qs:``, ``.count()``...)."""
QUERY_EVALUATING_METHODS = (QUERYSET_QUERY_METHODS - QUERYSET_LAZY_METHODS) | {"all", "iterator", "in_bulk"}
"""Methods that run a chained query: after ``filter(...)``, ``.first()`` or SQLAlchemy's
``.all()`` sends it (Django's ``.all()`` is lazy, but is then iterated or evaluated anyway)."""
EVALUATING_BUILTINS = frozenset(
    {"list", "tuple", "set", "len", "bool", "sorted", "any", "all", "sum", "dict"}
)

QUERYSET_BATCH_LOOKUP_SUFFIX = "__in"
"""``filter(id__in=chunk)`` queries a whole batch: a query per chunk is batching, not N+1."""

QUERYSET_ROW_SHAPES = frozenset({"values", "values_list", "raw"})
"""Queryset methods after which rows are not model instances with lazy relations."""
SELECT_RELATED = frozenset({"select_related"})
PREFETCH_RELATED = frozenset({"prefetch_related"})
RELATED_MANAGER_QUERIES = frozenset(
    {
        "filter",
        "exclude",
        "order_by",
        "annotate",
        "distinct",
        "select_related",
        "only",
        "defer",
        "aggregate",
        "latest",
        "earliest",
        "values",
        "values_list",
        "get",
    }
)
"""Methods of a Django related manager (``order.lines.filter(...)``) that send a query even
when the relation was prefetched: they build a new queryset that the prefetch cache does
not hold. ``values``, ``values_list`` and ``get`` count only with arguments that only
Django takes (a ``dict.values()`` or ``dict.get(key)`` looks the same otherwise)."""
RELATED_MANAGER_CACHED = frozenset({"all", "count", "exists", "first", "last"})
"""Related manager methods that read the prefetched rows when ``prefetch_related`` loaded
the relation, and send a query when it did not."""
RELATED_MANAGER_PREFETCHABLE = frozenset({"all", "count", "exists"})
"""Of those, the ones ``prefetch_related`` always serves from its cache (``first()`` and
``last()`` order by the key and query again unless the related model has an ordering)."""
RELATED_MANAGER_EVALUATING = frozenset(
    {"first", "last", "get", "count", "exists", "aggregate", "latest", "earliest"}
)
"""Methods that end a related manager's chain by running its query."""

DJANGO_FORWARD_RELATIONS = frozenset(
    {
        "django.db.models.ForeignKey",
        "django.db.models.OneToOneField",
        "django.db.models.fields.related.ForeignKey",
        "django.db.models.fields.related.OneToOneField",
        "modelcluster.fields.ParentalKey",
    }
)
"""Model fields whose attribute loads another row on first access."""

WRITE_SQL_VERBS = frozenset({"insert", "update", "delete", "replace", "merge", "upsert"})
"""First keywords of SQL statements that change rows."""
SCHEMA_SQL_VERBS = frozenset(
    {
        "create",
        "alter",
        "drop",
        "truncate",
        "vacuum",
        "analyze",
        "grant",
        "revoke",
        "set",
        "pragma",
        "savepoint",
        "release",
        "lock",
        "comment",
        "refresh",
        "cluster",
        "reindex",
        "begin",
        "start",
        "commit",
        "rollback",
        "end",
        "notify",
        "listen",
        "unlisten",
        "show",
        "describe",
        "use",
        "attach",
        "detach",
        "copy",
        "do",
    }
)
"""First keywords of statements about the schema, the session or the server: running one
per table or per database in a loop is administration, not a query per item."""

SQL_VALUE_CLAUSES = ("where", "values", "set", "limit", "offset", "having", "on conflict", "in (", "= ")
"""Words after which an interpolated value is a row value rather than a table or column name."""

SQL_TEXT_WRAPPERS = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"})
SQLALCHEMY_WRITE_CONSTRUCTS = frozenset(
    {
        "sqlalchemy.insert",
        "sqlalchemy.update",
        "sqlalchemy.delete",
        "sqlalchemy.sql.insert",
        "sqlalchemy.sql.update",
        "sqlalchemy.sql.delete",
        "sqlalchemy.dialects.postgresql.insert",
        "sqlalchemy.dialects.sqlite.insert",
        "sqlalchemy.dialects.mysql.insert",
    }
)
SESSION_WRITE_METHODS = frozenset({"add", "add_all", "delete", "merge"})
"""SQLAlchemy session methods that stage a write for the next flush or commit."""

DJANGO_WRITE_METHODS = frozenset(
    {"save", "delete", "update", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
)
DJANGO_INSTANCE_WRITES = frozenset({"save", "delete", "asave", "adelete"})
"""Methods a model instance writes itself with."""
DJANGO_QUERYSET_WRITES = frozenset(
    {
        "update",
        "delete",
        "create",
        "get_or_create",
        "update_or_create",
        "bulk_create",
        "bulk_update",
        "aupdate",
        "adelete",
        "acreate",
    }
)
"""Manager or queryset methods that write rows."""
DJANGO_MODULES = ("django",)
"""Files that import one of these are Django code: ``x.save()`` there is an ORM write."""
MODELS_MODULE = "models"
"""``from shop.models import Account``: a Django app's models, when no other ORM is imported
(a service module of a Django project often imports nothing from Django itself)."""
OTHER_ORM_MODULES = frozenset(
    {
        "sqlalchemy",
        "flask_sqlalchemy",
        "sqlmodel",
        "peewee",
        "mongoengine",
        "pony",
        "tortoise",
        "ormar",
        "piccolo",
        "beanie",
        "odmantic",
        "pydantic",
    }
)
DJANGO_F = frozenset({"django.db.models.F", "django.db.models.expressions.F"})

COMMIT_METHODS: dict[str, frozenset[str]] = {
    CONNECTION: frozenset({"commit"}),
    SESSION: frozenset({"commit"}),
    SA_CONNECTION: frozenset({"commit"}),
}
DJANGO_COMMIT = frozenset({"django.db.transaction.commit"})
FLUSH_METHOD = "flush"

AUTOCOMMIT_KEYWORDS: dict[str, object] = {"autocommit": True, "isolation_level": None}
"""Connection keywords that turn every statement into its own transaction."""
AUTOCOMMIT_ATTRIBUTE = "autocommit"
AUTOCOMMIT_KINDS = frozenset({ASYNCPG})
"""Receivers that commit each statement unless it runs inside their transaction block."""

# Transaction scopes ----------------------------------------------------------------------

TRANSACTION_CALLS = frozenset(
    {
        "django.db.transaction.atomic",
        "django.db.transaction.Atomic",
    }
)
"""Calls (by qualified name) that are transaction blocks or decorators."""
TRANSACTION_HELPER_WORDS = ("transaction", "atomic")
"""Words in the name of a project's own context manager or decorator that wraps one of
those (``with rolledback_transaction():``, ``@atomic_view``): taken as a transaction too."""
TRANSACTION_METHODS: dict[str, frozenset[str]] = {
    SESSION: frozenset({"begin", "begin_nested"}),
    ENGINE: frozenset({"begin"}),
    SA_CONNECTION: frozenset({"begin", "begin_nested"}),
    CONNECTION: frozenset({"transaction"}),
    ASYNCPG: frozenset({"transaction"}),
}
"""``with receiver.method():`` blocks that commit at their end, per receiver kind."""
CONNECTION_AS_TRANSACTION = frozenset({SQLITE3, PSYCOPG2, PSYCOPG, None})
"""Libraries whose ``with conn:`` is a transaction (MySQL drivers close the connection
instead, so their ``with conn:`` does not count)."""

# Row locks --------------------------------------------------------------------------------

ROW_LOCK_METHODS = frozenset({"select_for_update", "with_for_update"})
"""Query methods (Django, SQLAlchemy) that lock the rows they read until the transaction
ends: in a transaction of its own per item, one such query per item is deliberate."""
ROW_LOCK_KEYWORDS = frozenset({"with_for_update"})
"""``session.get(Order, pk, with_for_update=True)``."""
ROW_LOCK_SQL_PATTERN = r"\bfor\s+(?:no\s+key\s+)?update\b|\bfor\s+(?:key\s+)?share\b"
"""Raw SQL that locks the rows it reads (``SELECT ... FOR UPDATE``, ``FOR SHARE``),
matched against the lower-cased statement."""

# Acknowledgements ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ack:
    """How to tell that ``receiver.method(...)`` acknowledges a message: any receiver, or
    one of ``kind``, or a call with one of ``keywords``, or a receiver whose name contains
    one of ``receiver_words``. Names shared with other APIs need the evidence
    (``bot.delete_message(chat_id, ...)`` in Telegram bots is not an SQS delete)."""

    kind: str | None = None
    keywords: frozenset[str] = frozenset()
    receiver_words: tuple[str, ...] = ()

    @property
    def needs_evidence(self) -> bool:
        return self.kind is not None or bool(self.keywords) or bool(self.receiver_words)


ACK_METHODS: dict[str, Ack] = {
    "basic_ack": Ack(),
    "xack": Ack(),
    "ack": Ack(),
    "delete_message": Ack(SQS, frozenset({"QueueUrl", "ReceiptHandle"}), ("sqs", "queue")),
    "delete_message_batch": Ack(SQS, frozenset({"QueueUrl", "Entries"}), ("sqs", "queue")),
    "acknowledge": Ack(None, frozenset({"ack_ids", "subscription", "request"}), ("subscriber", "pubsub")),
    "commit": Ack(KAFKA_CONSUMER, frozenset({"message", "offsets", "asynchronous"}), ("consumer",)),
}
"""Methods that acknowledge a message (or delete it, or commit its offset)."""
ACK_ON_EXIT_METHODS = frozenset({"process"})
"""``async with message.process():`` (aio-pika) acknowledges when the block ends without error."""
MESSAGE_NAMES = frozenset({"message", "msg", "incoming", "incoming_message", "delivery"})
"""Conventional names of a received message, for the methods above when no annotation says so."""
NEGATIVE_ACK_METHODS = frozenset({"basic_nack", "basic_reject", "nack", "reject"})
AUTO_ACK_REGISTRATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "basic_consume": (("auto_ack", "no_ack"), ("on_message_callback", "consumer_callback", "callback")),
    "consume": (("no_ack",), ("callback",)),
}
"""Consumer registrations: the keywords that turn acknowledgement off and the keywords
(or the first positional argument) that name the callback."""

BATCH_WORDS = ("batch", "chunk", "page", "slice", "window", "partition", "shard")
"""Words in a loop variable or in the function a loop iterates that say each iteration
handles a batch of rows: one query per batch is pagination or batching, not N+1."""
FIXED_COUNT_ITERATORS = frozenset({"builtins.range", "itertools.count", "itertools.repeat"})
"""Iterating these counts attempts or steps, not items (``for attempt in range(3)``)."""
LENGTH_FUNCTION = "builtins.len"
SCHEMA_ITERABLES = frozenset(
    {
        "get_models",
        "get_app_configs",
        "schemas",
        "schema_names",
        "get_schema_names",
        "connections",
        "databases",
        "get_table_names",
        "get_view_names",
        "get_sequence_names",
        "sorted_tables",
        "tables",
        "constraints",
        "foreign_keys",
        "indexes",
    }
)
"""What a loop iterates when it walks the schema (models, tables, schemas, databases), not rows."""
DDL_CONSTRUCT_PREFIXES = ("Drop", "Create", "Alter", "Add", "DDL", "Set", "Comment")
"""SQLAlchemy DDL element classes (``DropConstraint(fk)``, ``CreateTable(t)``)."""
ENUMERATION_MEMBER_ATTRIBUTES = frozenset({"choices", "values", "labels", "names", "__members__"})
"""What an enumeration or Django choice set lists its members as (``OrderStatus.choices``)."""
ENUMERATION_NAME_SUFFIXES = ("Choices", "Enum")
"""How enumeration and choice-set classes are commonly named (``FeedLegChoices``)."""
COMMAND_ARGUMENT_NAMES = frozenset({"options", "argv", "cli_args"})
"""Names holding command-line arguments (Django's ``handle(self, *args, **options)``)."""
SLEEP_CALLS = frozenset({"time.sleep", "asyncio.sleep", "gevent.sleep", "trio.sleep", "anyio.sleep"})
"""A loop that sleeps polls or retries; it does not walk a collection."""
MIGRATION_PATH_PARTS = ("migrations", "alembic")
"""Folders of one-off schema and data migrations: a query per row there runs once."""
MIGRATION_MODULE_NAMES = frozenset({"migration.py", "migrations.py"})
"""Modules that hold an application's own schema migrations (Home Assistant's recorder)."""
TEST_FUNCTION_PREFIX = "test_"
"""Test functions outside test files: ``test_checkout`` and ``test``, not ``testmode_supported``
or ``tested_orders``, which are service code."""
TEST_CLASS_PREFIX = "Test"
TEST_CLASS_SUFFIXES = ("Test", "Tests", "TestCase")
"""``class PermissionTests(TestCase)``: unittest's naming, besides pytest's ``Test*``."""
TEST_FILE_NAMES = frozenset({"conftest.py", "tests.py", "testcases.py"})
TEST_FOLDER = "tests"
"""The folder of a test suite: its data and helper modules serve the tests beside them."""
TEST_FILE_PREFIX = "test_"
TEST_FILE_SUFFIXES = ("_test.py", "_tests.py")
"""Files test runners collect (pytest's defaults, Django's ``tests.py``), and the modules of
test base classes named after Django's ``testcases.py``: everything in them, helpers and
``setUp`` included, runs only under the tests."""
DRAINING_METHODS = frozenset({"pop", "popleft", "popitem"})
"""``while pending: item = pending.pop()`` walks ``pending`` item by item."""
TEST_FIXTURE_DECORATORS = frozenset({"fixture", "yield_fixture"})
"""Test code: it runs against a throwaway database (Django's ``TestCase`` even wraps each
test in a transaction), so N+1 queries and separate commits there cost nothing."""
RUNPYTHON_PARAMETERS = ("apps", "schema_editor")
"""The parameters of a Django ``RunPython`` data migration function."""

DB_FUNCTION_WORDS = ("execute", "commit", "save", "objects", "session", "cursor", "fetch", "add(")
"""Words the rules' triggers use: a file that has none of them does no database work."""
