"""Flask / Django view code with exception handling."""
import logging

from django.db import transaction
from flask import Flask, jsonify, request

app = Flask(__name__)
logger = logging.getLogger("api")


@app.get("/users/<int:user_id>")
def get_user(user_id):
    try:
        user = repo.get(user_id)
    except:  # expect: PF012
        return jsonify(error="not found"), 404
    return jsonify(user.to_dict())


@app.post("/upload")
def upload():
    f = request.files["file"]
    try:
        storage.save(f)
    except BaseException as e:  # expect: PF012
        logger.error("upload failed: %s", e)
        return jsonify(ok=False), 500
    return jsonify(ok=True)


def import_rows(rows):
    imported = 0
    for row in rows:
        try:
            Customer.objects.create(**row)
            imported += 1
        except:  # expect: PF012
            logger.warning("skipping row %r", row)
    return imported


class Exporter:
    def export(self, qs):
        try:
            self.write(qs)
        except:  # expect: PF012
            self.failed = True
        finally:
            self.close()


# ok: BaseException handler that re-raises
def transfer(a, b, amount):
    try:
        with transaction.atomic():
            a.debit(amount)
            b.credit(amount)
    except BaseException:
        logger.exception("transfer aborted")
        raise


# ok: specific exception with logging
@app.get("/health")
def health():
    try:
        db.ping()
    except ConnectionError as e:
        logger.error("db down: %s", e)
        return jsonify(status="degraded"), 503
    return jsonify(status="ok")


# ok: except Exception in a view
@app.errorhandler(500)
def on_error(err):
    try:
        notify_sentry(err)
    except Exception:
        logger.debug("sentry unavailable")
    return jsonify(error="internal"), 500


# ok: bare except that re-raises at the end
def rollback_on_error(conn, sql):
    try:
        conn.execute(sql)
        conn.commit()
    except:
        conn.rollback()
        raise
