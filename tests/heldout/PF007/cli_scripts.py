"""Deployment helper CLI and maintenance scripts."""
import asyncio
import os
import shlex
import subprocess
import sys
from os import system as run_shell

import click


@click.command()
@click.argument("branch")
@click.option("--remote", default="origin")
def deploy(branch, remote):
    subprocess.call(f"git fetch {remote} && git checkout {branch}", shell=True)  # expect: PF007
    subprocess.check_call(["make", "build"])


def restore_dump():
    dump_file = sys.argv[1]
    database = os.environ["PGDATABASE"]
    command = "pg_restore -d " + database + " " + dump_file
    subprocess.Popen(command, shell=True).wait()  # expect: PF007


def rotate_logs(directory):
    # helper called from several places: origin of `directory` unknown here
    run_shell(f"find {directory} -name '*.log' -mtime +7 -delete")  # expect: PF007


def convert_images(paths):
    joined = " ".join(paths)
    opts = {"shell": True, "check": True}
    subprocess.run("mogrify -resize 800x " + joined, **opts)  # expect: PF007


def interactive_lookup():
    user = input("user to look up: ")
    status, text = subprocess.getstatusoutput("id " + user)  # expect: PF007
    print(status, text)


async def compress_upload(filename):
    proc = await asyncio.create_subprocess_shell(f"gzip -9 {filename}")  # expect: PF007
    await proc.wait()


# ---- negatives -------------------------------------------------------------


@click.command()
@click.argument("branch")
def deploy_safe(branch):
    subprocess.run(["git", "checkout", branch], check=True)
    subprocess.run("make clean && make build", shell=True, check=True)


def restore_dump_safe():
    dump_file = sys.argv[1]
    subprocess.run(["pg_restore", "-d", os.environ["PGDATABASE"], dump_file], check=True)


def rotate_logs_safe(directory):
    os.system("find " + shlex.quote(directory) + " -name '*.log' -mtime +7 -delete")


async def compress_upload_safe(filename):
    proc = await asyncio.create_subprocess_exec("gzip", "-9", filename)
    await proc.wait()


def print_git_version():
    version = subprocess.check_output("git --version", shell=True, text=True)
    print(version.strip())


def run_tests(extra_args):
    cmd = ["pytest", "-q", *extra_args]
    return subprocess.run(cmd, shell=False).returncode
