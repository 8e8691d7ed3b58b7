"""SQS and Kafka workers persisting events with SQLAlchemy."""
import json

import boto3
from kafka import KafkaConsumer
from sqlalchemy.orm import Session

sqs = boto3.client("sqs")
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123/events"


def poll_sqs(session: Session):
    resp = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10, WaitTimeSeconds=20)
    for msg in resp.get("Messages", []):
        event = json.loads(msg["Body"])
        sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=msg["ReceiptHandle"])  # expect: PF006
        session.add(Event(**event))
        session.commit()


def poll_sqs_batch(session: Session):
    resp = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10)
    messages = resp.get("Messages", [])
    for msg in messages:
        session.add(Event(**json.loads(msg["Body"])))
    sqs.delete_message_batch(  # expect: PF006
        QueueUrl=QUEUE_URL,
        Entries=[{"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]} for m in messages],
    )
    session.commit()


def consume_kafka(session: Session):
    consumer = KafkaConsumer("clicks", group_id="writer", enable_auto_commit=False)
    for record in consumer:
        with session.begin():
            session.add(Click(**json.loads(record.value)))
            consumer.commit()  # expect: PF006


def consume_kafka_finally(session: Session):
    consumer = KafkaConsumer("views", group_id="writer", enable_auto_commit=False)
    for record in consumer:
        try:
            session.add(View(**json.loads(record.value)))
            session.commit()
        finally:
            consumer.commit()  # expect: PF006


# ok: delete after commit
def poll_sqs_safe(session: Session):
    resp = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10, WaitTimeSeconds=20)
    for msg in resp.get("Messages", []):
        session.add(Event(**json.loads(msg["Body"])))
        session.commit()
        sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=msg["ReceiptHandle"])


# ok: offset committed after the transaction block ends
def consume_kafka_safe(session: Session):
    consumer = KafkaConsumer("clicks", group_id="writer", enable_auto_commit=False)
    for record in consumer:
        with session.begin():
            session.add(Click(**json.loads(record.value)))
        consumer.commit()


# ok: SQS worker that only calls an HTTP API, no database
def relay(webhook):
    resp = sqs.receive_message(QueueUrl=QUEUE_URL)
    for msg in resp.get("Messages", []):
        webhook.post(json=json.loads(msg["Body"]))
        sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=msg["ReceiptHandle"])


# ok: rollback and leave the message for redelivery on failure
def poll_sqs_rollback(session: Session):
    resp = sqs.receive_message(QueueUrl=QUEUE_URL)
    for msg in resp.get("Messages", []):
        try:
            session.add(Event(**json.loads(msg["Body"])))
            session.commit()
        except Exception:
            session.rollback()
            continue
        sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=msg["ReceiptHandle"])
