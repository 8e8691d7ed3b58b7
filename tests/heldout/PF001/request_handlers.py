"""Flask / FastAPI request helpers with default arguments."""
import collections
from collections import OrderedDict, defaultdict, deque
from typing import Optional

from fastapi import APIRouter, Query
from flask import Flask, jsonify, request

app = Flask(__name__)
router = APIRouter()


def build_context(
    user_id,
    headers={},  # expect: PF001
):
    headers["X-User"] = str(user_id)
    return headers


def collect_errors(field, errors=[]):  # expect: PF001
    errors.append(f"{field} is invalid")
    return errors


def tag_request(req, *, tags=set()):  # expect: PF001
    tags.add(req.path)
    return tags


async def fetch_page(client, url, params=dict()):  # expect: PF001
    params.setdefault("page", 1)
    resp = await client.get(url, params=params)
    return await resp.json()


def group_by_status(orders, buckets=defaultdict(list)):  # expect: PF001
    for order in orders:
        buckets[order.status].append(order)
    return buckets


# ok: None sentinel with guard
def build_context_safe(user_id, headers: Optional[dict] = None):
    if headers is None:
        headers = {}
    headers["X-User"] = str(user_id)
    return headers


# ok: tuple default
def allowed_methods(view, methods=("GET", "HEAD")):
    return [m for m in methods if hasattr(view, m.lower())]


# ok: frozenset of a set display is immutable
def is_safe_method(method, safe=frozenset({"GET", "HEAD", "OPTIONS"})):
    return method.upper() in safe


# ok: string / number / bool defaults
def paginate(query, page=1, per_page=50, order_by="created_at", desc=False):
    return query.order_by(order_by).offset((page - 1) * per_page).limit(per_page)


@app.route("/search")
def search():
    # ok: mutable literal passed as a call keyword, not a default
    results = run_search(request.args.get("q", ""), filters={}, facets=[])
    # ok: dict.get fallback
    tags = request.args.to_dict().get("tags", [])
    return jsonify(results=results, tags=tags)


@router.get("/items")
async def list_items(q: Optional[str] = Query(None), limit: int = 20):
    # ok: FastAPI Query(None) default
    return await repo.list_items(q=q, limit=limit)
