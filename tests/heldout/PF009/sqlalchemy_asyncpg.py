"""SQLAlchemy and asyncpg services moving money and stock."""
import asyncpg
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from .models import Account, Order, Shipment, engine


def transfer(session: Session, src_id: int, dst_id: int, amount: int) -> None:
    session.execute(update(Account).where(Account.id == src_id).values(balance=Account.balance - amount))  # expect: PF009
    session.commit()
    session.execute(update(Account).where(Account.id == dst_id).values(balance=Account.balance + amount))
    session.commit()


def ship_order(order_id: int) -> None:
    with engine.connect() as conn:
        conn.execute(text("UPDATE orders SET status = 'shipped' WHERE id = :id"), {"id": order_id})  # expect: PF009
        conn.commit()
        conn.execute(text("INSERT INTO shipments (order_id) VALUES (:id)"), {"id": order_id})
        conn.commit()


async def transfer_async(pool: asyncpg.Pool, src: int, dst: int, amount: int) -> None:
    async with pool.acquire() as conn:
        await conn.execute("UPDATE accounts SET balance = balance - $1 WHERE id = $2", amount, src)  # expect: PF009
        await conn.execute("UPDATE accounts SET balance = balance + $1 WHERE id = $2", amount, dst)


class InventoryRepo:
    def __init__(self, conn: asyncpg.Connection):
        self.conn = conn

    async def move(self, sku: str, src_wh: int, dst_wh: int, qty: int) -> None:
        await self.conn.execute(  # expect: PF009
            "UPDATE stock SET quantity = quantity - $1 WHERE sku = $2 AND warehouse = $3", qty, sku, src_wh
        )
        await self.conn.execute(
            "UPDATE stock SET quantity = quantity + $1 WHERE sku = $2 AND warehouse = $3", qty, sku, dst_wh
        )


# ---- negatives -------------------------------------------------------------


def transfer_begin(session: Session, src_id: int, dst_id: int, amount: int) -> None:
    with session.begin():
        session.execute(update(Account).where(Account.id == src_id).values(balance=Account.balance - amount))
        session.execute(update(Account).where(Account.id == dst_id).values(balance=Account.balance + amount))


def ship_order_begin(order_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE orders SET status = 'shipped' WHERE id = :id"), {"id": order_id})
        conn.execute(text("INSERT INTO shipments (order_id) VALUES (:id)"), {"id": order_id})


async def transfer_async_tx(pool: asyncpg.Pool, src: int, dst: int, amount: int) -> None:
    async with pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute("UPDATE accounts SET balance = balance - $1 WHERE id = $2", amount, src)
            await conn.execute("UPDATE accounts SET balance = balance + $1 WHERE id = $2", amount, dst)


def create_order_with_shipment(session: Session, order: Order) -> None:
    try:
        session.add(order)
        session.add(Shipment(order=order))
        session.commit()
    except Exception:
        session.rollback()
        raise


async def touch_last_seen(conn: asyncpg.Connection, user_id: int) -> None:
    await conn.execute("UPDATE users SET last_seen = now() WHERE id = $1", user_id)


def order_total(session: Session, order_id: int) -> int:
    order = session.get(Order, order_id)
    return sum(line.amount for line in order.lines)
