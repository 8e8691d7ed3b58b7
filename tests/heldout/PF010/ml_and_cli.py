"""Model serving and CLI tools loading serialized artifacts."""
import marshal
import shelve
import sys

import numpy as np
import pandas as pd
import torch
import yaml
from flask import Flask, request

app = Flask(__name__)


@app.route("/predict", methods=["POST"])
def predict():
    upload = request.files["weights"]
    model = torch.load(upload)  # expect: PF010
    return {"ok": model is not None}


@app.route("/frame", methods=["POST"])
def frame_stats():
    df = pd.read_pickle(request.files["frame"])  # expect: PF010
    return df.describe().to_dict()


@app.route("/arrays", methods=["POST"])
def arrays():
    arr = np.load(request.files["arr"], allow_pickle=True)  # expect: PF010
    return {"shape": list(arr.shape)}


@app.route("/pipeline", methods=["POST"])
def pipeline():
    docs = list(yaml.load_all(request.get_data(), Loader=yaml.UnsafeLoader))  # expect: PF010
    return {"stages": len(docs)}


def load_code_blob():
    import base64

    data = base64.b64decode(sys.argv[1])
    code = marshal.loads(data)  # expect: PF010
    exec(code)


@app.route("/prefs/<name>")
def prefs(name):
    with shelve.open(f"/var/lib/prefs/{name}") as db:  # expect: PF010
        return dict(db)


# ---- negatives -------------------------------------------------------------


@app.route("/predict-safe", methods=["POST"])
def predict_safe():
    state = torch.load(request.files["weights"], weights_only=True)
    return {"keys": len(state)}


@app.route("/arrays-safe", methods=["POST"])
def arrays_safe():
    arr = np.load(request.files["arr"])
    return {"shape": list(arr.shape)}


def load_baseline():
    return pd.read_pickle("artifacts/baseline.pkl")


def load_checkpoint():
    return torch.load("checkpoints/model.pt", map_location="cpu")


def read_settings():
    path = sys.argv[1]
    with open(path) as fh:
        return yaml.safe_load(fh)


def local_prefs():
    with shelve.open("/var/lib/myapp/prefs") as db:
        return dict(db)
