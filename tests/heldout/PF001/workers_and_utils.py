"""Background worker helpers and small utilities."""
import collections as coll
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field


class RetryQueue:
    def __init__(self, name, pending=deque()):  # expect: PF001
        self.name = name
        self.pending = pending

    def push(self, job, history=[]):  # expect: PF001
        history.append(job.id)
        self.pending.append(job)

    def stats(self, counts=Counter()):  # expect: PF001
        for job in self.pending:
            counts[job.kind] += 1
        return counts


def lru_order(keys, seen=OrderedDict()):  # expect: PF001
    for k in keys:
        seen[k] = True
        seen.move_to_end(k)
    return list(seen)


def buffer_chunk(data, buf=bytearray()):  # expect: PF001
    buf.extend(data)
    return buf


def index_users(users, by_id={u: None for u in ()}):  # expect: PF001
    for u in users:
        by_id[u.id] = u
    return by_id


def squares(n, cache=[i * i for i in range(10)]):  # expect: PF001
    while len(cache) <= n:
        cache.append(len(cache) ** 2)
    return cache[n]


def unique_ids(rows, seen={r for r in ()}):  # expect: PF001
    for r in rows:
        seen.add(r["id"])
    return seen


make_handler = lambda event, ctx={}: ctx.setdefault(event, [])  # expect: PF001


def word_counts(text, counter=coll.Counter()):  # expect: PF001
    counter.update(text.split())
    return counter


# ok: dataclass default_factory
@dataclass
class Batch:
    name: str
    items: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)


# ok: class attribute, not a default argument
class Registry:
    handlers = {}

    def register(self, name, handler=None):
        self.handlers[name] = handler


# ok: immutable defaults in lambdas and keyword-only
key_fn = lambda row, fields=("id", "name"): tuple(row[f] for f in fields)


def send(job, *, retries=3, backoff=1.5, queue=None, routing_key="default"):
    queue = queue if queue is not None else []
    queue.append((job, retries, backoff, routing_key))
    return queue


# ok: local mutable created inside the body
def chunked(items, size=100):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
