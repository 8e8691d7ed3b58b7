"""Tell the other services about a new order."""

import asyncio

import httpx


async def publish_order(order, client: httpx.AsyncClient):
    await asyncio.gather(
        client.post("http://billing/orders", json=order),
        client.post("http://shipping/orders", json=order),
        client.post("http://analytics/events", json={"type": "order", "id": order["id"]}),
    )
