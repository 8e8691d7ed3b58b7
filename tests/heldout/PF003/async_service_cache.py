"""aiohttp service with an in-process cache of catalog data."""
from aiohttp import web

_catalog = {}
_cache: dict[str, list] = {}


# ok: the cached list is serialized, not handed to the caller
async def get_categories(request):
    shop = request.match_info["shop"]
    cached_value = _cache.get(shop)
    if cached_value is None:
        cached_value = [dict(r) for r in await request.app["db"].fetch("SELECT * FROM categories WHERE shop = $1", shop)]
        _cache[shop] = cached_value
    return web.json_response(cached_value)


async def load_catalog(db, shop):
    if shop in _catalog:
        return _catalog[shop]  # expect: PF003
    items = {r["sku"]: dict(r) for r in await db.fetch("SELECT * FROM items WHERE shop=$1", shop)}
    _catalog[shop] = items
    return items  # expect: PF003


class CategoryService:
    def __init__(self, db):
        self.db = db
        self._tree_cache = {}

    async def tree(self, shop):
        tree = self._tree_cache.get(shop)
        if tree is None:
            nodes = await self.db.fetch("SELECT id, parent_id FROM categories WHERE shop=$1", shop)
            tree = {n["id"]: [c["id"] for c in nodes if c["parent_id"] == n["id"]] for n in nodes}
            self._tree_cache[shop] = tree
        return tree  # expect: PF003

    # ok: returns a copy
    async def tree_copy(self, shop):
        if shop not in self._tree_cache:
            self._tree_cache[shop] = await self._build_tree(shop)
        return dict(self._tree_cache[shop])

    # ok: returns a count derived from the cached value
    async def size(self, shop):
        if shop not in self._tree_cache:
            self._tree_cache[shop] = await self._build_tree(shop)
        return len(self._tree_cache[shop])


# ok: ordinary dict lookup that is not a cache (config mapping)
ROUTES = {"home": "/", "cart": "/cart"}


def route_for(name):
    return ROUTES[name]
