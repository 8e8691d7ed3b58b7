"""Flask / Django views building Decimal amounts from request data."""
from decimal import Decimal, InvalidOperation

from django.http import JsonResponse
from flask import Flask, request

app = Flask(__name__)


@app.post("/cart/add")
def add_to_cart():
    qty = int(request.form["qty"])
    price = float(request.form["price"])
    line_total = Decimal(price * qty)  # expect: PF002
    return {"total": str(line_total)}


@app.post("/tip")
def tip():
    bill = Decimal(request.json["bill"])
    pct = Decimal.from_float(request.json["pct"] / 100)  # expect: PF002
    return {"tip": str(bill * pct)}


def refund_view(request, order_id):
    amount = Decimal(float(request.POST.get("amount", "0")))  # expect: PF002
    order = Order.objects.get(pk=order_id)
    order.refund(amount)
    return JsonResponse({"refunded": f"{amount:.2f}"})


class CurrencyConverter:
    def __init__(self, rate: float):
        self.rate = rate

    def convert(self, amount: Decimal) -> Decimal:
        return amount * Decimal(self.rate)  # expect: PF002

    def convert_half(self, amount: Decimal) -> Decimal:
        return amount * Decimal(0.5)  # expect: PF002


# ok: str() of the request value
@app.post("/donate")
def donate():
    try:
        amount = Decimal(request.form["amount"].strip())
    except InvalidOperation:
        return {"error": "invalid amount"}, 400
    return {"amount": str(amount)}


# ok: Decimal arithmetic with true division outside the constructor
def split_bill(total: Decimal, people: int):
    return (total / Decimal(people)).quantize(Decimal("0.01"))


# ok: f-string formatting of a float
def from_display(value: float):
    return Decimal(f"{value:.2f}")


# ok: tuple form
NEG_ONE_POINT_FOUR = Decimal((1, (1, 4), -1))
