"""Hand-written TTL caches and asyncio services."""
import asyncio
import threading
import time
from time import monotonic

import aiohttp
from flask import Flask
from flask_caching import Cache
from redis import asyncio as aioredis

app = Flask(__name__)
fcache = Cache(app)
redis = aioredis.from_url("redis://cache")

TTL = 60
_state = {"ts": 0.0, "value": None}
_tokens = {}
_lock = threading.Lock()
_alock = asyncio.Lock()


def get_rates():
    now = time.time()
    if now - _state["ts"] > TTL:
        _state["value"] = fetch_rates_from_bank()  # expect: PF004
        _state["ts"] = now
    return _state["value"]


def service_token(service):
    entry = _tokens.get(service)
    if entry is None or entry[1] < monotonic():
        token = request_token(service)
        _tokens[service] = (token, monotonic() + 300)  # expect: PF004
        return token
    return entry[0]


async def prices(session: aiohttp.ClientSession, symbol):
    raw = await redis.get(f"px:{symbol}")
    if raw is None:
        async with session.get(f"https://quotes.example.com/{symbol}") as resp:
            raw = await resp.text()
        await redis.set(f"px:{symbol}", raw, ex=5)  # expect: PF004
    return raw


@app.get("/menu")
def menu():
    items = fcache.get("menu")
    if items is None:
        items = render_menu_items()
        fcache.set("menu", items, timeout=600)  # expect: PF004
    return {"items": items}


# ok: hand-written TTL refill under a lock with double check
def get_rates_locked():
    if time.time() - _state["ts"] > TTL:
        with _lock:
            if time.time() - _state["ts"] > TTL:
                _state["value"] = fetch_rates_from_bank()
                _state["ts"] = time.time()
    return _state["value"]


# ok: asyncio lock around the refill
async def prices_locked(session, symbol):
    raw = await redis.get(f"px:{symbol}")
    if raw is None:
        async with _alock:
            raw = await redis.get(f"px:{symbol}")
            if raw is None:
                raw = await fetch_quote(session, symbol)
                await redis.set(f"px:{symbol}", raw, ex=5)
    return raw


# ok: memo without expiry
_static = {}


def static_asset_hash(path):
    if path not in _static:
        _static[path] = hash_file(path)
    return _static[path]


# ok: timing code that compares timestamps but caches nothing
def timed(fn):
    start = time.time()
    result = fn()
    if time.time() - start > 1.0:
        app.logger.warning("slow call %s", fn.__name__)
    return result
