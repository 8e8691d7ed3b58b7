"""Memoized lookup helpers: functools, cachetools, Flask-Caching."""
import functools
from functools import cache, lru_cache

from cachetools import TTLCache, cached
from flask_caching import Cache

flask_cache = Cache()


@lru_cache(maxsize=128)
def country_codes():
    return [c.alpha2 for c in pycountry.countries]  # expect: PF003


@functools.lru_cache
def currency_map():
    return {c.code: c.symbol for c in load_currencies()}  # expect: PF003


@cache
def feature_flags(env):
    flags = {"beta": env != "prod", "new_checkout": True}
    return flags  # expect: PF003


@cached(cache=TTLCache(maxsize=1024, ttl=600))
def blocked_ips():
    ips = set()
    for row in db.query("SELECT ip FROM blocklist"):
        ips.add(row.ip)
    return ips  # expect: PF003


@flask_cache.memoize(timeout=300)
def user_menu(user_id):
    return [{"label": "Home", "url": "/"}, {"label": "Orders", "url": f"/u/{user_id}/orders"}]  # expect: PF003


# ok: tuple result from a memoized function
@lru_cache(maxsize=None)
def country_codes_tuple():
    return tuple(c.alpha2 for c in pycountry.countries)


# ok: frozenset
@cache
def admin_roles():
    return frozenset({"admin", "owner"})


# ok: immutable scalars and strings
@lru_cache(maxsize=256)
def slugify_cached(title):
    return "-".join(title.lower().split())


@cached(cache=TTLCache(maxsize=16, ttl=60))
def active_user_count():
    return db.scalar("SELECT count(*) FROM users WHERE active")


# ok: not memoized, builds a fresh list each call
def country_names():
    return [c.name for c in pycountry.countries]
