"""RabbitMQ consumers (pika) that write orders to Postgres."""
import json
import logging

import pika
import psycopg2

log = logging.getLogger(__name__)
conn = psycopg2.connect("dbname=orders")


def on_order(ch, method, properties, body):
    order = json.loads(body)
    ch.basic_ack(delivery_tag=method.delivery_tag)  # expect: PF006
    with conn.cursor() as cur:
        cur.execute("INSERT INTO orders (id, total) VALUES (%s, %s)", (order["id"], order["total"]))
    conn.commit()


def on_payment(channel, method, props, body):
    payment = json.loads(body)
    try:
        cur = conn.cursor()
        cur.execute("UPDATE invoices SET paid = true WHERE id = %s", (payment["invoice_id"],))
        conn.commit()
    finally:
        channel.basic_ack(method.delivery_tag)  # expect: PF006


def on_refund(ch, method, properties, body):
    data = json.loads(body)
    cur = conn.cursor()
    cur.execute("INSERT INTO refunds (order_id, amount) VALUES (%s, %s)", (data["order_id"], data["amount"]))
    if data.get("notify"):
        ch.basic_ack(delivery_tag=method.delivery_tag)  # expect: PF006
        send_email(data["email"])
    conn.commit()


def on_audit(ch, method, properties, body):
    cur = conn.cursor()
    cur.execute("INSERT INTO audit (payload) VALUES (%s)", (body.decode(),))
    conn.commit()


def start():
    connection = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq"))
    channel = connection.channel()
    channel.basic_consume(queue="audit", on_message_callback=on_audit, auto_ack=True)  # expect: PF006
    channel.basic_consume(queue="orders", on_message_callback=on_order_safe)
    channel.basic_consume(queue="metrics", on_message_callback=on_metric, auto_ack=True)
    channel.start_consuming()


# ok: ack after commit, nack on failure
def on_order_safe(ch, method, properties, body):
    order = json.loads(body)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO orders (id, total) VALUES (%s, %s)", (order["id"], order["total"]))
        conn.commit()
    except Exception:
        conn.rollback()
        ch.basic_nack(delivery_tag=method.delivery_tag, requeue=True)
        return
    ch.basic_ack(delivery_tag=method.delivery_tag)


# ok: auto_ack consumer whose callback does no database work
def on_metric(ch, method, properties, body):
    log.info("metric %s", body[:80])


# ok: reject on failure path, ack after commit in the success path
def on_shipment(ch, method, properties, body):
    try:
        data = json.loads(body)
    except ValueError:
        ch.basic_reject(delivery_tag=method.delivery_tag, requeue=False)
        return
    cur = conn.cursor()
    cur.execute("UPDATE orders SET shipped = true WHERE id = %s", (data["id"],))
    conn.commit()
    ch.basic_ack(delivery_tag=method.delivery_tag)


# ok: no database work at all, just forwarding
def forward(ch, method, properties, body):
    ch.basic_publish(exchange="", routing_key="archive", body=body)
    ch.basic_ack(delivery_tag=method.delivery_tag)
