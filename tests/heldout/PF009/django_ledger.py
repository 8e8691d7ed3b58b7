"""Django wallet and inventory services."""
from decimal import Decimal

from django.db import models, transaction
from django.db.models import F
from django.http import JsonResponse


class Account(models.Model):
    owner = models.CharField(max_length=100)
    balance = models.DecimalField(max_digits=12, decimal_places=2)


class Product(models.Model):
    sku = models.CharField(max_length=32)
    stock = models.IntegerField()


class Reservation(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    quantity = models.IntegerField()


def transfer(src_id: int, dst_id: int, amount: Decimal) -> None:
    src = Account.objects.get(pk=src_id)
    dst = Account.objects.get(pk=dst_id)
    src.balance -= amount
    src.save()  # expect: PF009
    dst.balance += amount
    dst.save()


def transfer_f(src_id, dst_id, amount):
    Account.objects.filter(pk=src_id).update(balance=F("balance") - amount)  # expect: PF009
    Account.objects.filter(pk=dst_id).update(balance=F("balance") + amount)


class ReservationService:
    def reserve(self, product: Product, qty: int) -> Reservation:
        product.stock -= qty
        product.save(update_fields=["stock"])  # expect: PF009
        return Reservation.objects.create(product=product, quantity=qty)


def replace_reservation(request, reservation_id):
    old = Reservation.objects.get(pk=reservation_id)
    old.delete()  # expect: PF009
    new = Reservation.objects.create(product=old.product, quantity=int(request.POST["quantity"]))
    return JsonResponse({"id": new.pk})


# ---- negatives -------------------------------------------------------------


def transfer_atomic(src_id: int, dst_id: int, amount: Decimal) -> None:
    with transaction.atomic():
        src = Account.objects.select_for_update().get(pk=src_id)
        dst = Account.objects.select_for_update().get(pk=dst_id)
        src.balance -= amount
        src.save()
        dst.balance += amount
        dst.save()


@transaction.atomic
def transfer_decorated(src_id, dst_id, amount):
    Account.objects.filter(pk=src_id).update(balance=F("balance") - amount)
    Account.objects.filter(pk=dst_id).update(balance=F("balance") + amount)


class ReservationServiceSafe:
    @transaction.atomic
    def reserve(self, product: Product, qty: int) -> Reservation:
        product.stock -= qty
        product.save(update_fields=["stock"])
        return Reservation.objects.create(product=product, quantity=qty)


def rename_account(account_id, owner):
    account = Account.objects.get(pk=account_id)
    account.owner = owner
    account.save()


def restock(sku: str, qty: int) -> int:
    return Product.objects.filter(sku=sku).update(stock=F("stock") + qty)


def account_summary(request, account_id):
    account = Account.objects.get(pk=account_id)
    reservations = Reservation.objects.filter(product__sku=request.GET.get("sku")).count()
    return JsonResponse({"balance": str(account.balance), "reservations": reservations})
