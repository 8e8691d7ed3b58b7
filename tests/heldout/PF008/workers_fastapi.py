"""FastAPI endpoints and background consumers fanning out work."""
import asyncio

from aiokafka import AIOKafkaConsumer
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


@app.post("/notify")
async def notify(user_ids: list[int]):
    await asyncio.gather(*[send_push(uid) for uid in user_ids])  # expect: PF008
    return {"sent": len(user_ids)}


@app.get("/search")
async def search(q: str):
    products, articles = await asyncio.gather(search_products(q), search_articles(q))  # expect: PF008
    return {"products": products, "articles": articles}


async def consume(consumer: AIOKafkaConsumer):
    async for batch in consumer.getmany(timeout_ms=1000):
        await asyncio.gather(*map(process_record, batch))  # expect: PF008
        await consumer.commit()


class Mailer:
    async def send_all(self, messages):
        sends = [self.send(m) for m in messages]
        await asyncio.gather(*sends)  # expect: PF008


# ---- negatives -------------------------------------------------------------


@app.post("/notify-tolerant")
async def notify_tolerant(user_ids: list[int]):
    results = await asyncio.gather(*[send_push(uid) for uid in user_ids], return_exceptions=True)
    failed = [uid for uid, r in zip(user_ids, results) if isinstance(r, Exception)]
    return {"sent": len(user_ids) - len(failed), "failed": failed}


@app.get("/search-tg")
async def search_tg(q: str):
    async with asyncio.TaskGroup() as tg:
        p = tg.create_task(search_products(q))
        a = tg.create_task(search_articles(q))
    return {"products": p.result(), "articles": a.result()}


@app.post("/report")
async def report(background: BackgroundTasks):
    background.add_task(build_report)
    return {"queued": True}


async def consume_tolerant(consumer: AIOKafkaConsumer):
    async for batch in consumer.getmany(timeout_ms=1000):
        outcomes = await asyncio.gather(*map(process_record, batch), return_exceptions=True)
        for record, outcome in zip(batch, outcomes):
            if isinstance(outcome, Exception):
                await dead_letter(record, outcome)
        await consumer.commit()


async def with_timeout(coro):
    return await asyncio.wait_for(coro, timeout=10)
