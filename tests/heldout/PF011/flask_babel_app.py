"""Flask app using Flask-Babel and Flask-Caching."""
from flask import Flask, jsonify, render_template, request
from flask_babel import Babel, force_locale, format_currency, get_locale, gettext, lazy_gettext
from flask_caching import Cache

app = Flask(__name__)
babel = Babel(app)
cache = Cache(app, config={"CACHE_TYPE": "RedisCache"})


@app.route("/")
@cache.cached(timeout=300)
def home():
    return jsonify(title=gettext("Welcome"), subtitle=gettext("Fresh deals every day"))  # expect: PF011


@app.route("/sidebar")
@cache.cached(timeout=600, key_prefix="sidebar")
def sidebar():
    return render_template("sidebar.html", heading=gettext("Categories"))  # expect: PF011


@cache.memoize(timeout=3600)
def category_label(category_id):
    return str(lazy_gettext("Category #%(id)s", id=category_id))  # expect: PF011


def date_pattern():
    pattern = cache.get("date_pattern")
    if pattern is None:
        pattern = get_locale().date_formats["short"].pattern
        cache.set("date_pattern", pattern, timeout=86400)  # expect: PF011
    return pattern


@app.route("/price/<sku>")
def price(sku):
    key = f"price-label:{sku}"
    label = cache.get(key)
    if label is None:
        amount = lookup_price(sku)
        label = format_currency(amount, "EUR", locale=request.headers.get("Accept-Language", "en"))
        cache.set(key, label, timeout=120)  # expect: PF011
    return jsonify(label=label)


# ---- negatives -------------------------------------------------------------


def _locale_key():
    return f"home:{get_locale()}"


@app.route("/home-localized")
@cache.cached(timeout=300, key_prefix=_locale_key)
def home_localized():
    return jsonify(title=gettext("Welcome"))


@cache.memoize(timeout=3600)
def category_label_for(category_id, locale):
    with force_locale(locale):
        return gettext("Category #%(id)s", id=category_id)


@app.route("/price-localized/<sku>")
def price_localized(sku):
    accept_language = request.headers.get("Accept-Language", "en")
    key = f"price-label:{sku}:{accept_language}"
    label = cache.get(key)
    if label is None:
        label = format_currency(lookup_price(sku), "EUR", locale=accept_language)
        cache.set(key, label, timeout=120)
    return jsonify(label=label)


@app.route("/rates")
@cache.cached(timeout=60)
def rates():
    return jsonify(fetch_exchange_rates())


@app.route("/greeting")
def greeting():
    return jsonify(text=gettext("Hello!"))
