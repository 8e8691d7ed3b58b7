"""Raw DB-API jobs with psycopg2 and sqlite3."""
import sqlite3

import psycopg2
import psycopg2.extras
import requests

conn = psycopg2.connect("dbname=shop")


def enrich_orders(order_ids):
    cur = conn.cursor()
    out = []
    for oid in order_ids:
        cur.execute("SELECT total FROM orders WHERE id = %s", (oid,))  # expect: PF005
        out.append(cur.fetchone()[0])
    return out


def user_emails(user_ids):
    db = sqlite3.connect("app.db")
    emails = {}
    for uid in user_ids:
        row = db.execute("SELECT email FROM users WHERE id = ?", (uid,)).fetchone()  # expect: PF005
        emails[uid] = row[0] if row else None
    return emails


def deactivate(usernames):
    with conn.cursor() as cursor:
        while usernames:
            name = usernames.pop()
            cursor.execute(f"UPDATE users SET active = false WHERE username = '{name}'")  # expect: PF005
    conn.commit()


def product_names(skus):
    db = sqlite3.connect("catalog.db")
    return [
        db.execute("SELECT name FROM products WHERE sku = ?", (s,)).fetchone()[0]  # expect: PF005
        for s in skus
    ]


# ok: one query for all ids, iterate its rows
def enrich_orders_batched(order_ids):
    cur = conn.cursor()
    cur.execute("SELECT id, total FROM orders WHERE id = ANY(%s)", (list(order_ids),))
    return {row[0]: row[1] for row in cur.fetchall()}


# ok: executemany
def insert_events(events):
    cur = conn.cursor()
    cur.executemany("INSERT INTO events (kind, payload) VALUES (%s, %s)", [(e.kind, e.payload) for e in events])
    conn.commit()


# ok: execute_values helper, a single round trip
def insert_events_fast(events):
    with conn.cursor() as cur:
        psycopg2.extras.execute_values(cur, "INSERT INTO events (kind) VALUES %s", [(e.kind,) for e in events])


# ok: iterating rows of one query
def dump_users():
    db = sqlite3.connect("app.db")
    for row in db.execute("SELECT id, email FROM users"):
        print(row[0], row[1])


# ok: HTTP session in a loop, not a database
http = requests.Session()


def ping_all(urls):
    return [http.get(u, timeout=2).status_code for u in urls]
