"""SQLAlchemy and asyncpg service code."""
import asyncpg
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload


class OrderService:
    def __init__(self, session: Session):
        self.session = session

    def totals(self, ids):
        return [self.session.get(Order, i).total for i in ids]  # expect: PF005

    def statuses(self, ids):
        out = {}
        for i in ids:
            out[i] = self.session.execute(select(Order.status).where(Order.id == i)).scalar_one()  # expect: PF005
        return out

    def owners(self, ids):
        names = []
        for i in ids:
            user = self.session.query(User).filter_by(id=i).first()  # expect: PF005
            names.append(user.name)
        return names

    def line_counts(self, orders):
        for o in orders:
            o.line_count = self.session.scalar(select(func.count()).where(Line.order_id == o.id))  # expect: PF005

    # ok: one query with IN, then iterate
    def totals_batched(self, ids):
        rows = self.session.scalars(select(Order).where(Order.id.in_(ids))).all()
        return {o.id: o.total for o in rows}

    # ok: eager loading, iterate the results of one query
    def orders_with_lines(self):
        stmt = select(Order).options(selectinload(Order.lines))
        return [(o.id, len(o.lines)) for o in self.session.scalars(stmt)]


async def fetch_users(pool: asyncpg.Pool, ids):
    async with pool.acquire() as conn:
        users = []
        for uid in ids:
            users.append(await conn.fetchrow("SELECT * FROM users WHERE id = $1", uid))  # expect: PF005
        return users


async def touch_sessions(conn, tokens):
    for t in tokens:
        await conn.execute("UPDATE sessions SET seen = now() WHERE token = $1", t)  # expect: PF005


# ok: asyncpg query with ANY($1), one round trip
async def fetch_users_batched(conn, ids):
    return await conn.fetch("SELECT * FROM users WHERE id = ANY($1::int[])", ids)


# ok: executemany in asyncpg
async def touch_sessions_batched(conn, tokens):
    await conn.executemany("UPDATE sessions SET seen = now() WHERE token = $1", [(t,) for t in tokens])


# ok: dict .get inside a loop
def translate(keys, messages: dict):
    return [messages.get(k, k) for k in keys]


# ok: requests session named session
def check_links(links):
    session = requests.Session()
    broken = []
    for link in links:
        if session.get(link, timeout=3).status_code >= 400:
            broken.append(link)
    return broken
