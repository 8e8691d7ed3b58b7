"""Queue worker and scheduler loops with exception handling."""
import json
import logging
import time

import redis

log = logging.getLogger(__name__)
r = redis.Redis()


def process_forever(queue):
    while True:
        raw = r.blpop(queue, timeout=5)
        if raw is None:
            continue
        try:
            handle(json.loads(raw[1]))
        except:  # expect: PF012
            log.error("failed to handle message")
            continue


def heartbeat():
    try:
        r.set("worker:heartbeat", int(time.time()), ex=30)
    except:  # expect: PF012
        pass


def shutdown(pool):
    try:
        pool.close()
        pool.join()
    except BaseException:  # expect: PF012
        log.warning("pool did not shut down cleanly")


def run_job(job):
    try:
        return job.run()
    except BaseException as exc:  # expect: PF012
        log.exception("job %s crashed: %s", job.id, exc)
        return None


# ok: re-raises after cleanup
def with_lock(lock, fn):
    lock.acquire()
    try:
        return fn()
    except:
        lock.release()
        raise


# ok: catches Exception, not BaseException
def safe_decode(raw):
    try:
        return json.loads(raw)
    except Exception:
        log.warning("bad payload: %r", raw[:100])
        return None


# ok: narrow exception types
def parse_port(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 8080


# ok: KeyboardInterrupt handled explicitly for a CLI loop
def main():
    try:
        process_forever("jobs")
    except KeyboardInterrupt:
        log.info("bye")
