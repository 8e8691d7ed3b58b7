"""Pricing service: converting user and DB values to Decimal."""
import decimal
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from decimal import Decimal as D

TAX_RATE = 0.2


@dataclass
class Product:
    sku: str
    price: float
    stock: int


def unit_price():
    return Decimal(19.99)  # expect: PF002


def vat(amount: float) -> Decimal:
    return Decimal(amount) * Decimal("0.2")  # expect: PF002


def parse_amount(raw):
    return Decimal(float(raw)).quantize(Decimal("0.01"))  # expect: PF002


def per_unit(total_cents, qty):
    return D(total_cents / qty / 100)  # expect: PF002


def with_tax(net):
    gross = decimal.Decimal(TAX_RATE * 100)  # expect: PF002
    return net * gross / 100


def discount(price_cents):
    rate = 0.15
    return Decimal(rate) * price_cents  # expect: PF002


def product_price(p: Product) -> Decimal:
    return Decimal(p.price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # expect: PF002


# ok: string literal
def fee():
    return Decimal("0.30")


# ok: converted through str
def parse_amount_safe(raw):
    return Decimal(str(float(raw))).quantize(Decimal("0.01"))


# ok: integer cents, floor division
def cents_to_units(cents: int):
    return Decimal(cents) / 100, Decimal(cents // 100)


# ok: type unknown (comes from the DB driver, numeric column)
def row_total(row):
    return Decimal(row["total"]) + Decimal(row["shipping"])


# ok: int annotation and int literal
def stock_value(stock: int, unit: str):
    return Decimal(stock) * Decimal(unit) * Decimal(1)
