"""Admin endpoints of an internal ops dashboard (Flask)."""
import os
import shlex
import subprocess
import subprocess as sp
from subprocess import check_output, run

from flask import Flask, jsonify, request

app = Flask(__name__)

ALLOWED_SERVICES = {"nginx", "redis", "worker"}


@app.route("/ping")
def ping():
    host = request.args.get("host", "localhost")
    out = subprocess.check_output(f"ping -c 1 {host}", shell=True)  # expect: PF007
    return jsonify(output=out.decode())


@app.route("/logs/<service>")
def tail_logs(service):
    lines = request.args.get("n", "100")
    cmd = "journalctl -u %s -n %s --no-pager" % (service, lines)
    result = sp.run(cmd, shell=True, capture_output=True, text=True)  # expect: PF007
    return result.stdout


@app.route("/archive", methods=["POST"])
def archive():
    payload = request.get_json()
    folder = payload["folder"].strip()
    os.system("tar czf /backups/{}.tgz /srv/data/{}".format(folder, folder))  # expect: PF007
    return "", 204


@app.route("/grep", methods=["POST"])
def grep_logs():
    pattern = request.form["pattern"]
    cmd = "grep -rn '" + pattern + "' /var/log/app/"
    out = check_output(cmd, shell=True)  # expect: PF007
    return out


@app.route("/disk")
def disk_usage():
    path = request.args["path"]
    with os.popen(f"du -sh {path}") as fh:  # expect: PF007
        return fh.read()


# ---- negatives -------------------------------------------------------------


@app.route("/ping-safe")
def ping_safe():
    host = request.args.get("host", "localhost")
    out = subprocess.check_output(["ping", "-c", "1", host])
    return jsonify(output=out.decode())


@app.route("/uptime")
def uptime():
    out = subprocess.check_output("uptime && free -m", shell=True)
    return out


@app.route("/logs-quoted/<service>")
def tail_logs_quoted(service):
    cmd = f"journalctl -u {shlex.quote(service)} -n 100 --no-pager | tail -n 50"
    return sp.run(cmd, shell=True, capture_output=True, text=True).stdout


@app.route("/restart/<name>", methods=["POST"])
def restart(name):
    if name not in ALLOWED_SERVICES:
        return "unknown service", 400
    run(["systemctl", "restart", name], check=True)
    return "", 202


@app.route("/head")
def head_lines():
    count = int(request.args.get("n", "10"))
    out = subprocess.run(f"head -n {count} /var/log/app/current.log", shell=True, capture_output=True)
    return out.stdout
