"""Concurrent writes with asyncpg and an async ORM."""
import asyncio
import asyncio as aio
import logging

import asyncpg

log = logging.getLogger(__name__)


class OrderRepository:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def _mark_shipped(self, order_id: int) -> None:
        async with self.pool.acquire() as conn:
            await conn.execute("UPDATE orders SET status = 'shipped' WHERE id = $1", order_id)

    async def ship_many(self, order_ids: list[int]) -> None:
        await asyncio.gather(*(self._mark_shipped(oid) for oid in order_ids))  # expect: PF008

    async def ship_many_tolerant(self, order_ids: list[int]) -> list[int]:
        results = await asyncio.gather(
            *(self._mark_shipped(oid) for oid in order_ids), return_exceptions=True
        )
        return [oid for oid, r in zip(order_ids, results) if isinstance(r, Exception)]


async def record_event(pool, event):
    await aio.gather(  # expect: PF008
        pool.execute("INSERT INTO audit_log(kind, payload) VALUES ($1, $2)", event.kind, event.payload),
        pool.execute("UPDATE counters SET n = n + 1 WHERE kind = $1", event.kind),
    )


async def sync_inventory(pool, items):
    jobs = []
    for item in items:
        jobs.append(pool.execute("UPDATE stock SET qty = $1 WHERE sku = $2", item.qty, item.sku))
    done = await asyncio.gather(*jobs)  # expect: PF008
    log.info("updated %d rows", len(done))


async def refresh_views(pool):
    return await asyncio.gather(pool.execute("REFRESH MATERIALIZED VIEW sales_daily"), pool.execute("REFRESH MATERIALIZED VIEW sales_weekly"))  # expect: PF008


# ---- negatives -------------------------------------------------------------


async def record_event_tolerant(pool, event):
    results = await aio.gather(
        pool.execute("INSERT INTO audit_log(kind, payload) VALUES ($1, $2)", event.kind, event.payload),
        pool.execute("UPDATE counters SET n = n + 1 WHERE kind = $1", event.kind),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, Exception)]
    if errors:
        raise ExceptionGroup("event recording failed", errors)


async def sync_inventory_sequential(pool, items):
    async with pool.acquire() as conn:
        async with conn.transaction():
            for item in items:
                await conn.execute("UPDATE stock SET qty = $1 WHERE sku = $2", item.qty, item.sku)


async def load_all(pool, ids):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(pool.fetchrow("SELECT * FROM orders WHERE id = $1", i)) for i in ids]
    return [t.result() for t in tasks]


async def count_orders(pool):
    return await pool.fetchval("SELECT count(*) FROM orders")
