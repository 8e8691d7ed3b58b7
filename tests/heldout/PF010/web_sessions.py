"""Session and upload handling in a Flask / Django / FastAPI service."""
import base64
import pickle
import pickle as pkl
from pickle import loads

import jsonpickle
import yaml
from django.http import JsonResponse
from fastapi import FastAPI, Request
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()


@app.route("/cart")
def cart():
    raw = request.cookies.get("cart")
    items = pickle.loads(base64.b64decode(raw))  # expect: PF010
    return {"items": items}


@app.route("/import", methods=["POST"])
def import_state():
    blob = request.get_data()
    state = pkl.loads(blob)  # expect: PF010
    return {"keys": list(state)}


@app.route("/config", methods=["POST"])
def upload_config():
    text = request.data.decode("utf-8")
    cfg = yaml.load(text, Loader=yaml.Loader)  # expect: PF010
    return {"ok": bool(cfg)}


def restore_view(request):
    token = request.POST["snapshot"]
    snapshot = loads(base64.urlsafe_b64decode(token.encode()))  # expect: PF010
    return JsonResponse({"restored": len(snapshot)})


@api.post("/objects")
async def create_object(req: Request):
    body = await req.body()
    obj = jsonpickle.decode(body.decode())  # expect: PF010
    return {"type": type(obj).__name__}


@app.route("/upload", methods=["POST"])
def upload_model():
    f = request.files["model"]
    model = pickle.load(f.stream)  # expect: PF010
    return {"model": str(model)}


# ---- negatives -------------------------------------------------------------


@app.route("/config-safe", methods=["POST"])
def upload_config_safe():
    cfg = yaml.safe_load(request.data)
    return {"ok": bool(cfg)}


@app.route("/config-safe2", methods=["POST"])
def upload_config_safe2():
    cfg = yaml.load(request.get_data(as_text=True), Loader=yaml.SafeLoader)
    return {"ok": bool(cfg)}


@app.route("/clone")
def clone_defaults():
    defaults = {"theme": "light", "page_size": 20}
    copy = pickle.loads(pickle.dumps(defaults))
    return copy


def load_feature_flags():
    with open("/etc/myservice/flags.pkl", "rb") as fh:
        return pickle.load(fh)


@app.route("/cart-json")
def cart_json():
    import json

    raw = request.cookies.get("cart", "[]")
    return {"items": json.loads(raw)}


def dump_session(session_obj):
    return base64.b64encode(pickle.dumps(session_obj)).decode()
