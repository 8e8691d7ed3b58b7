"""Django views and services over orders and customers."""
from django.db import models
from django.http import JsonResponse


class Customer(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField()


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    total = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=20)


class Invoice(models.Model):
    order = models.OneToOneField(Order, on_delete=models.CASCADE)
    number = models.CharField(max_length=30)


def order_report(request):
    rows = []
    for order in Order.objects.filter(status="paid"):
        rows.append({"id": order.pk, "customer": order.customer.name})  # expect: PF005
    return JsonResponse({"rows": rows})


def invoice_numbers(request):
    return JsonResponse({"numbers": [inv.order.status for inv in Invoice.objects.all()]})  # expect: PF005


def customers_for(order_ids):
    result = []
    for oid in order_ids:
        order = Order.objects.get(pk=oid)  # expect: PF005
        result.append(order.customer_id)
    return result


def open_counts(customer_ids):
    return {cid: Order.objects.filter(customer_id=cid, status="open").count() for cid in customer_ids}  # expect: PF005


def mark_shipped(tracking):
    for number, carrier in tracking.items():
        inv = Invoice.objects.select_related("order").get(number=number)  # expect: PF005
        inv.order.status = "shipped"
        inv.order.save(update_fields=["status"])


# ok: select_related for the relation that is read
def order_report_joined(request):
    qs = Order.objects.filter(status="paid").select_related("customer")
    return JsonResponse({"rows": [{"id": o.pk, "customer": o.customer.name} for o in qs]})


# ok: prefetch_related for the reverse relation
def customers_with_orders(request):
    data = []
    for c in Customer.objects.prefetch_related("orders"):
        data.append({"name": c.name, "orders": [o.pk for o in c.orders.all()]})
    return JsonResponse({"data": data})


# ok: one query with id__in, then a dict lookup in the loop
def customers_for_batched(order_ids):
    orders = Order.objects.in_bulk(order_ids)
    return [orders[oid].customer_id for oid in order_ids if oid in orders]


# ok: reading the FK id column does not hit the database
def customer_ids(request):
    return JsonResponse({"ids": [o.customer_id for o in Order.objects.filter(status="paid")]})


# ok: bulk_create / bulk_update instead of per-row saves
def import_customers(rows):
    Customer.objects.bulk_create([Customer(name=r["name"], email=r["email"]) for r in rows])
    orders = list(Order.objects.filter(status="new"))
    for o in orders:
        o.status = "queued"
    Order.objects.bulk_update(orders, ["status"])
