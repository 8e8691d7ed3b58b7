"""click CLI and asyncio service code."""
import asyncio
from collections import defaultdict

import click


async def fan_out(urls, results={}):  # expect: PF001
    for url in urls:
        results[url] = await fetch(url)
    return results


async def consume(queue, *, handlers=[]):  # expect: PF001
    while True:
        msg = await queue.get()
        for h in handlers:
            await h(msg)


def make_env(
    base,
    overrides=dict(DEBUG="0"),  # expect: PF001
):
    env = overrides
    env.update(base)
    return env


@click.command()
@click.option("--tag", "tags", multiple=True, default=())
@click.option("--env", default="prod")
def deploy(tags, env):
    # ok: click option default is a tuple; function params have no defaults
    click.echo(f"deploying {env} with {','.join(tags)}")


# ok: None and immutable defaults in async code
async def retry(coro_factory, attempts=3, delay=0.5, exceptions=(ConnectionError,)):
    for i in range(attempts):
        try:
            return await coro_factory()
        except exceptions:
            await asyncio.sleep(delay * (2**i))
    raise RuntimeError("retries exhausted")


async def gather_stats(workers, totals=None):
    totals = totals or defaultdict(int)
    for w in workers:
        totals[w.kind] += await w.count()
    return totals
