"""Services caching API responses in Redis."""
import json

import redis
import requests
from redis import Redis

r = redis.Redis(host="cache", port=6379)


def exchange_rates(base):
    key = f"fx:{base}"
    raw = r.get(key)
    if raw is not None:
        return json.loads(raw)
    rates = requests.get(f"https://api.example.com/rates/{base}", timeout=5).json()
    r.setex(key, 600, json.dumps(rates))  # expect: PF004
    return rates


def weather(city):
    cached = r.get(f"weather:{city}")
    if cached:
        return json.loads(cached)
    data = requests.get("https://weather.example.com", params={"q": city}, timeout=5).json()
    r.set(f"weather:{city}", json.dumps(data), ex=300)  # expect: PF004
    return data


class ProfileService:
    def __init__(self, client: Redis, api):
        self.redis = client
        self.api = api

    def profile(self, user_id):
        key = "profile:%s" % user_id
        blob = self.redis.get(key)
        if blob is None:
            blob = json.dumps(self.api.fetch_profile(user_id))
            self.redis.set(key, blob, px=30_000)  # expect: PF004
        return json.loads(blob)

    def recommendations(self, user_id):
        key = "recs:{}".format(user_id)
        recs = self.redis.get(key)
        if recs is None:
            recs = json.dumps(self.api.recommend(user_id))
            self.redis.setex(key, 3600, recs)  # expect: PF004
        return json.loads(recs)

    # ok: redis lock around the refill
    def feed(self, user_id):
        key = f"feed:{user_id}"
        blob = self.redis.get(key)
        if blob is None:
            with self.redis.lock(f"lock:{key}", timeout=10, blocking_timeout=5):
                blob = self.redis.get(key)
                if blob is None:
                    blob = json.dumps(self.api.feed(user_id))
                    self.redis.setex(key, 120, blob)
        return json.loads(blob)


# ok: no expiry on the entry
def static_config(name):
    raw = r.get(f"config:{name}")
    if raw is None:
        raw = json.dumps(load_config_file(name))
        r.set(f"config:{name}", raw)
    return json.loads(raw)


# ok: SET NX used as a lock before recomputing
def report(report_id):
    key = f"report:{report_id}"
    raw = r.get(key)
    if raw is None and r.set(f"{key}:lock", "1", nx=True, ex=30):
        try:
            raw = json.dumps(build_report(report_id))
            r.setex(key, 900, raw)
        finally:
            r.delete(f"{key}:lock")
    return json.loads(raw) if raw else None


# ok: plain counter, not a read-miss-recompute
def hit(page):
    r.incr(f"hits:{page}")
    r.expire(f"hits:{page}", 86400)
