"""Database access for the shop (psycopg2)."""

import psycopg2

connection = psycopg2.connect("dbname=shop")


def fetch_categories(shop_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name FROM categories WHERE shop_id = %s", (shop_id,))
        return [{"id": row[0], "name": row[1]} for row in cursor.fetchall()]


def load_bestsellers(shop_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT product_id FROM bestsellers WHERE shop_id = %s LIMIT 20", (shop_id,))
        return [row[0] for row in cursor.fetchall()]


def order_lines(order_ids):
    cursor = connection.cursor()
    lines = []
    for order_id in order_ids:
        cursor.execute("SELECT sku, quantity FROM order_lines WHERE order_id = %s", (order_id,))
        lines.extend(cursor.fetchall())
    return lines
