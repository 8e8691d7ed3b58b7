"""Order pricing for the shop front; labels are shown to customers as written."""

# The pitfalls are what tests/e2e/test_neovim.py looks for:
# ruff: noqa: B006, E722, RUF032

from decimal import Decimal

CURRENCY_LABELS = {"EUR": "€ euro", "JPY": "¥ yen"}


def add_line(order_id, note="🛒 panier", lines=[]):
    lines.append(order_id)
    return lines


SHIPPING_FEES = {"📦 colis suivi": Decimal(0.1), "✉ lettre": Decimal("1.20")}


def load_tariff(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except:  # 😬 the tariff file is optional
        return ""
