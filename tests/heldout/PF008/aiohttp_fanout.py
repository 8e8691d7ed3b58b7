"""Fan-out HTTP calls from an aggregation service."""
import asyncio
from asyncio import gather

import aiohttp

PRICE_URL = "https://prices.internal/api/{}"


async def fetch_json(session: aiohttp.ClientSession, url: str) -> dict:
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as resp:
        resp.raise_for_status()
        return await resp.json()


async def fetch_prices(skus: list[str]) -> list[dict]:
    async with aiohttp.ClientSession() as session:
        return await asyncio.gather(*[fetch_json(session, PRICE_URL.format(s)) for s in skus])  # expect: PF008


async def dashboard(user_id: int) -> dict:
    async with aiohttp.ClientSession() as session:
        profile, orders, notifications = await asyncio.gather(  # expect: PF008
            fetch_json(session, f"https://users.internal/{user_id}"),
            fetch_json(session, f"https://orders.internal/?user={user_id}"),
            fetch_json(session, f"https://notify.internal/?user={user_id}"),
        )
    return {"profile": profile, "orders": orders, "notifications": notifications}


async def warm_caches(keys):
    tasks = [asyncio.create_task(warm(k)) for k in keys]
    await gather(*tasks)  # expect: PF008


async def ping_all(hosts):
    async with aiohttp.ClientSession() as session:
        coros = (session.head(h) for h in hosts)
        responses = await asyncio.gather(*coros, return_exceptions=False)  # expect: PF008
    return [r.status for r in responses]


# ---- negatives -------------------------------------------------------------


async def fetch_prices_tolerant(skus: list[str]) -> list[dict]:
    async with aiohttp.ClientSession() as session:
        results = await asyncio.gather(
            *[fetch_json(session, PRICE_URL.format(s)) for s in skus],
            return_exceptions=True,
        )
    return [r for r in results if not isinstance(r, BaseException)]


async def dashboard_taskgroup(user_id: int) -> dict:
    async with aiohttp.ClientSession() as session:
        async with asyncio.TaskGroup() as tg:
            profile = tg.create_task(fetch_json(session, f"https://users.internal/{user_id}"))
            orders = tg.create_task(fetch_json(session, f"https://orders.internal/?user={user_id}"))
    return {"profile": profile.result(), "orders": orders.result()}


async def warm_caches_tolerant(keys):
    tasks = [asyncio.create_task(warm(k)) for k in keys]
    outcomes = await gather(*tasks, return_exceptions=True)
    failed = [k for k, o in zip(keys, outcomes) if isinstance(o, Exception)]
    if failed:
        log.warning("cache warm failed for %s", failed)


async def fetch_one(url: str) -> dict:
    async with aiohttp.ClientSession() as session:
        return await fetch_json(session, url)


async def single_call(session):
    (only,) = await asyncio.gather(fetch_json(session, "https://status.internal/"))
    return only


async def prefetch(session, user_id):
    pending = asyncio.gather(  # expect: PF008
        fetch_json(session, f"https://users.internal/{user_id}/avatar"),
        fetch_json(session, f"https://users.internal/{user_id}/settings"),
    )
    avatar, settings = await pending
    return avatar, settings
