"""Workers and caches that exchange pickled objects."""
import pickle
import socket

import boto3
import cloudpickle
import dill
import redis
from django.core.cache import cache

r = redis.Redis(host="cache", port=6379)
sqs = boto3.client("sqs")


def get_report(report_id):
    data = r.get(f"report:{report_id}")
    if data is None:
        return None
    return pickle.loads(data)  # expect: PF010


def pop_job():
    payload = r.lpop("jobs")
    job = dill.loads(payload)  # expect: PF010
    return job()


def user_profile(user_id):
    raw = cache.get(f"profile:{user_id}")
    if raw:
        return pickle.loads(raw)  # expect: PF010
    return None


def serve(sock: socket.socket):
    conn, _ = sock.accept()
    size = int.from_bytes(conn.recv(4), "big")
    frame = conn.recv(size)
    task = cloudpickle.loads(frame)  # expect: PF010
    conn.sendall(pickle.dumps(task()))


def on_message(ch, method, properties, body):
    event = pickle.loads(body)  # expect: PF010
    handle(event)
    ch.basic_ack(delivery_tag=method.delivery_tag)


def poll_sqs(queue_url):
    import base64

    resp = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    for msg in resp.get("Messages", []):
        obj = pickle.loads(base64.b64decode(msg["Body"]))  # expect: PF010
        handle(obj)


# ---- negatives -------------------------------------------------------------


def get_report_json(report_id):
    import json

    data = r.get(f"report:{report_id}")
    return json.loads(data) if data else None


def store_report(report_id, report):
    r.setex(f"report:{report_id}", 3600, pickle.dumps(report))


def deep_copy(obj):
    return pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def load_local_index():
    with open("data/index.pkl", "rb") as fh:
        return pickle.load(fh)


def on_message_json(ch, method, properties, body):
    import json

    event = json.loads(body)
    handle(event)
    ch.basic_ack(delivery_tag=method.delivery_tag)


def cache_profile(user_id, profile):
    cache.set(f"profile:{user_id}", pickle.dumps(profile), timeout=300)
