"""The order queue consumer and the ledger it writes to."""

import json

import pika
import psycopg2

connection = psycopg2.connect("dbname=shop")


def transfer(source_account, target_account, amount):
    cursor = connection.cursor()
    cursor.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, source_account))
    connection.commit()
    cursor.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, target_account))
    connection.commit()


def on_order(channel, method, properties, body):
    order = json.loads(body)
    channel.basic_ack(delivery_tag=method.delivery_tag)
    cursor = connection.cursor()
    cursor.execute(
        "INSERT INTO orders (id, customer_id, total) VALUES (%s, %s, %s)",
        (order["id"], order["customer_id"], order["total"]),
    )
    connection.commit()
    transfer(order["customer_id"], order["merchant_id"], order["total"])


def main():
    channel = pika.BlockingConnection(pika.ConnectionParameters("queue")).channel()
    channel.basic_consume(queue="orders", on_message_callback=on_order)
    channel.start_consuming()
