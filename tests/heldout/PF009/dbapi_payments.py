"""Raw DB-API payment code (psycopg2, sqlite3, pymysql, psycopg 3)."""
import sqlite3

import psycopg
import psycopg2
import pymysql


def transfer_pg(conn, src, dst, amount):
    cur = conn.cursor()
    cur.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, src))  # expect: PF009
    conn.commit()
    cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, dst))
    conn.commit()


def transfer_autocommit(dsn, src, dst, amount):
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, src))  # expect: PF009
        cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, dst))


def move_stock_sqlite(path, sku, from_wh, to_wh, qty):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("UPDATE stock SET quantity = quantity - ? WHERE sku = ? AND warehouse = ?", (qty, sku, from_wh))  # expect: PF009
    db.execute("UPDATE stock SET quantity = quantity + ? WHERE sku = ? AND warehouse = ?", (qty, sku, to_wh))


def place_order_mysql(conn: pymysql.connections.Connection, user_id, items):
    with conn.cursor() as cursor:
        cursor.execute("INSERT INTO orders (user_id, status) VALUES (%s, 'new')", (user_id,))  # expect: PF009
        order_id = cursor.lastrowid
        conn.commit()
        for item in items:
            cursor.execute(
                "INSERT INTO order_items (order_id, sku, qty) VALUES (%s, %s, %s)",
                (order_id, item["sku"], item["qty"]),
            )
            conn.commit()


def refund_psycopg3(dsn, payment_id, amount):
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("UPDATE payments SET refunded = refunded + %s WHERE id = %s", (amount, payment_id))  # expect: PF009
        conn.execute("INSERT INTO ledger (payment_id, delta) VALUES (%s, %s)", (payment_id, -amount))


# ---- negatives -------------------------------------------------------------


def transfer_pg_single_commit(conn, src, dst, amount):
    cur = conn.cursor()
    try:
        cur.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, src))
        cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, dst))
        conn.commit()
    except Exception:
        conn.rollback()
        raise


def transfer_pg_with_conn(dsn, src, dst, amount):
    conn = psycopg2.connect(dsn)
    with conn:
        with conn.cursor() as cur:
            cur.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, src))
            cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, dst))


def move_stock_sqlite_safe(path, sku, from_wh, to_wh, qty):
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE stock SET quantity = quantity - ? WHERE sku = ? AND warehouse = ?", (qty, sku, from_wh))
        db.execute("UPDATE stock SET quantity = quantity + ? WHERE sku = ? AND warehouse = ?", (qty, sku, to_wh))


def import_rows(conn, rows):
    cur = conn.cursor()
    cur.executemany("INSERT INTO events (kind, payload) VALUES (%s, %s)", rows)
    conn.commit()


def mark_paid(conn, invoice_id):
    with conn.cursor() as cur:
        cur.execute("SELECT status FROM invoices WHERE id = %s", (invoice_id,))
        if cur.fetchone()[0] == "paid":
            return
        cur.execute("UPDATE invoices SET status = 'paid' WHERE id = %s", (invoice_id,))
    conn.commit()


def refund_psycopg3_tx(dsn, payment_id, amount):
    with psycopg.connect(dsn) as conn:
        with conn.transaction():
            conn.execute("UPDATE payments SET refunded = refunded + %s WHERE id = %s", (amount, payment_id))
            conn.execute("INSERT INTO ledger (payment_id, delta) VALUES (%s, %s)", (payment_id, -amount))
