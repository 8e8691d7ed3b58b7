"""Background workers and API views that shell out."""
import asyncio
import json
import shlex
import subprocess as proc

import pika
from aiohttp import web
from celery import shared_task
from django.http import HttpResponse, JsonResponse
from fastapi import FastAPI

api = FastAPI()


def on_message(ch, method, properties, body):
    job = json.loads(body)
    proc.run(f"ffmpeg -i {job['src']} -vf scale=1280:-1 {job['dst']}", shell=True)  # expect: PF007
    ch.basic_ack(delivery_tag=method.delivery_tag)


@shared_task
def render_pdf(template_name, output):
    proc.check_call("wkhtmltopdf %s %s" % (template_name, output), shell=True)  # expect: PF007


def export_view(request):
    table = request.GET.get("table", "orders")
    out = proc.getoutput(f"pg_dump -t {table} shop")  # expect: PF007
    return HttpResponse(out, content_type="text/plain")


@api.get("/dns/{domain}")
async def dns_lookup(domain: str):
    p = await asyncio.create_subprocess_shell(  # expect: PF007
        "dig +short " + domain,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await p.communicate()
    return {"records": out.decode().split()}


async def whois(request: web.Request) -> web.Response:
    data = await request.post()
    name = data["name"]
    loop = asyncio.get_running_loop()
    transport, _ = await loop.subprocess_shell(asyncio.SubprocessProtocol, f"whois {name}")  # expect: PF007
    transport.close()
    return web.Response(text="ok")


# ---- negatives -------------------------------------------------------------


def on_message_safe(ch, method, properties, body):
    job = json.loads(body)
    proc.run(["ffmpeg", "-i", job["src"], "-vf", "scale=1280:-1", job["dst"]], check=True)
    ch.basic_ack(delivery_tag=method.delivery_tag)


def export_view_safe(request):
    table = request.GET.get("table", "orders")
    out = proc.check_output(["pg_dump", "-t", table, "shop"], text=True)
    return HttpResponse(out, content_type="text/plain")


@api.get("/dns-safe/{domain}")
async def dns_lookup_safe(domain: str):
    p = await asyncio.create_subprocess_exec("dig", "+short", domain, stdout=asyncio.subprocess.PIPE)
    out, _ = await p.communicate()
    return {"records": out.decode().split()}


@shared_task
def nightly_vacuum():
    proc.run("psql -c 'VACUUM ANALYZE' shop", shell=True, check=True)


def health_view(request):
    load = proc.check_output(["cat", "/proc/loadavg"], text=True)
    return JsonResponse({"load": load.split()[:3]})


async def whois_safe(request: web.Request) -> web.Response:
    data = await request.post()
    cmd = "whois " + shlex.quote(data["name"]) + " | head -n 20"
    p = await asyncio.create_subprocess_shell(cmd, stdout=asyncio.subprocess.PIPE)
    out, _ = await p.communicate()
    return web.Response(text=out.decode())
