"""Caches behind the catalogue endpoints."""

import json
import time

import redis
from flask_babel import gettext as _

from shop.db import fetch_categories, load_bestsellers

store = redis.Redis(host="cache", port=6379)

_categories_cache = {}
BESTSELLERS_TTL = 300


def categories(shop_id):
    if shop_id not in _categories_cache:
        _categories_cache[shop_id] = fetch_categories(shop_id)
    return _categories_cache[shop_id]


def bestsellers(shop_id):
    cached = store.get(f"bestsellers:{shop_id}")
    if cached is not None:
        return json.loads(cached)
    ranking = load_bestsellers(shop_id)
    store.setex(f"bestsellers:{shop_id}", BESTSELLERS_TTL, json.dumps(ranking))
    return ranking


def banner(shop_id):
    key = f"banner:{shop_id}"
    text = store.get(key)
    if text is None:
        text = _("Free shipping on orders over 50 euros")
        store.set(key, text, ex=3600)
    return text


def last_refresh_age(started):
    return time.monotonic() - started
