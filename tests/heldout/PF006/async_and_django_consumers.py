"""aio-pika, redis streams and Django-backed consumers."""
import json

import aio_pika
import asyncpg
import redis
from django.db import transaction

r = redis.Redis()


async def on_message(message: aio_pika.IncomingMessage, pool: asyncpg.Pool):
    data = json.loads(message.body)
    async with pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute("INSERT INTO signups (email) VALUES ($1)", data["email"])
            await message.ack()  # expect: PF006
            await conn.execute("UPDATE stats SET signups = signups + 1")


def handle_stream(consumer_name):
    entries = r.xreadgroup("workers", consumer_name, {"jobs": ">"}, count=10)
    for _stream, messages in entries:
        for msg_id, fields in messages:
            r.xack("jobs", "workers", msg_id)  # expect: PF006
            with transaction.atomic():
                Job.objects.create(payload=fields[b"payload"].decode())


def django_callback(ch, method, properties, body):
    data = json.loads(body)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=data["order_id"])
        order.status = "paid"
        order.save()
        ch.basic_ack(delivery_tag=method.delivery_tag)  # expect: PF006
        Payment.objects.create(order=order, amount=data["amount"])


async def on_invoice(message: aio_pika.IncomingMessage, conn: asyncpg.Connection):
    try:
        await conn.execute("INSERT INTO invoices (payload) VALUES ($1)", message.body.decode())
    finally:
        await message.ack()  # expect: PF006


# ok: ack after the transaction block ends
async def on_message_safe(message: aio_pika.IncomingMessage, pool: asyncpg.Pool):
    data = json.loads(message.body)
    async with pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute("INSERT INTO signups (email) VALUES ($1)", data["email"])
            await conn.execute("UPDATE stats SET signups = signups + 1")
    await message.ack()


# ok: message.process() acks when the block exits, after the DB work inside it
async def on_event(message: aio_pika.IncomingMessage, conn: asyncpg.Connection):
    async with message.process(requeue=True):
        async with conn.transaction():
            await conn.execute("INSERT INTO events (body) VALUES ($1)", message.body.decode())


# ok: xack after the atomic block
def handle_stream_safe(consumer_name):
    entries = r.xreadgroup("workers", consumer_name, {"jobs": ">"}, count=10)
    for _stream, messages in entries:
        for msg_id, fields in messages:
            with transaction.atomic():
                Job.objects.create(payload=fields[b"payload"].decode())
            r.xack("jobs", "workers", msg_id)


# ok: nack on error, ack on success after the atomic block
def django_callback_safe(ch, method, properties, body):
    data = json.loads(body)
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=data["order_id"])
            order.status = "paid"
            order.save()
    except Exception:
        ch.basic_nack(delivery_tag=method.delivery_tag, requeue=False)
        raise
    ch.basic_ack(delivery_tag=method.delivery_tag)


# ok: consumer that only logs
async def on_ping(message: aio_pika.IncomingMessage):
    print("ping", message.body)
    await message.ack()
