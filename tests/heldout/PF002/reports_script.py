"""Batch report script summing invoice amounts."""
import csv
import decimal as dec
import sys
from decimal import Decimal


def load_rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def average_invoice(rows):
    mean = sum(int(r["cents"]) for r in rows) / len(rows)
    return dec.Decimal(mean)  # expect: PF002


def weighted(rows):
    weight: float = 0.7
    return [Decimal(weight) * Decimal(r["amount"]) for r in rows]  # expect: PF002


def margin(cost, revenue):
    return Decimal((revenue - cost) / revenue)  # expect: PF002


def fx(amounts, rate=1.08):
    return [Decimal(a) * Decimal(rate) for a in amounts]  # expect: PF002


# ok: CSV values are strings
def total(rows):
    return sum((Decimal(r["amount"]) for r in rows), Decimal("0"))


# ok: Decimal context and quantize constants
CENT = Decimal("0.01")
CTX = dec.Context(prec=28, rounding=dec.ROUND_HALF_EVEN)


# ok: ints from len()/count
def avg_cents(rows):
    return Decimal(sum(int(r["cents"]) for r in rows)) / Decimal(len(rows))


if __name__ == "__main__":
    rows = load_rows(sys.argv[1])
    print(total(rows).quantize(CENT), avg_cents(rows))
