"""Notification and label services caching translated strings."""
import functools
from functools import lru_cache

import redis
from django.utils.translation import get_language, gettext, gettext_lazy as _lazy, override

r = redis.Redis(host="cache")

STATUSES = ("new", "paid", "shipped")


@lru_cache(maxsize=None)
def status_labels():
    return {"new": gettext("New"), "paid": gettext("Paid"), "shipped": gettext("Shipped")}  # expect: PF011


@functools.cache
def error_message(code: int) -> str:
    return gettext("Error %(code)d occurred") % {"code": code}  # expect: PF011


def email_subject(template_name: str) -> str:
    cached = r.get(f"subject:{template_name}")
    if cached:
        return cached.decode()
    subject = gettext(SUBJECTS[template_name])
    r.setex(f"subject:{template_name}", 3600, subject)  # expect: PF011
    return subject


class LabelCache:
    def __init__(self):
        self._labels = {}

    def label(self, status: str) -> str:
        if status not in self._labels:
            self._labels[status] = str(_lazy(status.title()))  # expect: PF011
        return self._labels[status]


# ---- negatives -------------------------------------------------------------


@lru_cache(maxsize=32)
def status_labels_for(language: str):
    with override(language):
        return {s: gettext(s.title()) for s in STATUSES}


def email_subject_localized(template_name: str) -> str:
    key = f"subject:{template_name}:{get_language()}"
    cached = r.get(key)
    if cached:
        return cached.decode()
    subject = gettext(SUBJECTS[template_name])
    r.setex(key, 3600, subject)
    return subject


@lru_cache(maxsize=1024)
def slugify_status(status: str) -> str:
    return status.strip().lower().replace(" ", "-")


class LocalizedLabelCache:
    def __init__(self):
        self._labels = {}

    def label(self, status: str) -> str:
        key = (get_language(), status)
        if key not in self._labels:
            self._labels[key] = str(_lazy(status.title()))
        return self._labels[key]


def cache_order_count(user_id: int, count: int) -> None:
    r.set(f"order-count:{user_id}", count, ex=300)
