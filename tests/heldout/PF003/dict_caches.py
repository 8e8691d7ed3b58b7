"""Module-level and instance-level dict caches in a permissions service."""
import copy
import threading
from types import MappingProxyType

_perm_cache = {}
_settings_cache = {}
_lock = threading.Lock()


def get_permissions(user_id):
    if user_id in _perm_cache:
        return _perm_cache[user_id]  # expect: PF003
    rows = db.fetch_all("SELECT name FROM perms WHERE user_id = %s", (user_id,))
    perms = [r["name"] for r in rows]
    _perm_cache[user_id] = perms
    return perms  # expect: PF003


def get_settings(tenant):
    settings = _settings_cache.get(tenant)
    if settings is not None:
        return settings  # expect: PF003
    settings = {"theme": "light", "features": load_features(tenant)}
    with _lock:
        _settings_cache[tenant] = settings
    return settings  # expect: PF003


class RoleCache:
    def __init__(self):
        self._cache = {}

    def roles_for(self, org_id):
        if org_id not in self._cache:
            self._cache[org_id] = set(load_roles(org_id))
        return self._cache[org_id]  # expect: PF003


# ok: copies at the return
def get_permissions_copy(user_id):
    if user_id not in _perm_cache:
        _perm_cache[user_id] = [r["name"] for r in load_perm_rows(user_id)]
    return list(_perm_cache[user_id])


def get_settings_copy(tenant):
    if tenant not in _settings_cache:
        _settings_cache[tenant] = {"theme": "light"}
    return _settings_cache[tenant].copy()


def get_settings_deep(tenant):
    if tenant not in _settings_cache:
        _settings_cache[tenant] = {"theme": "light", "limits": {"rps": 10}}
    return copy.deepcopy(_settings_cache[tenant])


def get_settings_readonly(tenant):
    if tenant not in _settings_cache:
        _settings_cache[tenant] = {"theme": "light"}
    return MappingProxyType(_settings_cache[tenant])


class RoleCacheSafe:
    def __init__(self):
        self._cache = {}

    def roles_for(self, org_id):
        if org_id not in self._cache:
            self._cache[org_id] = frozenset(load_roles(org_id))
        return self._cache[org_id]

    def role_names(self, org_id):
        return dict(self._by_name.get(org_id, {}))
