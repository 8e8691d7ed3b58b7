"""Django views caching expensive aggregates."""
import threading

from django.core.cache import cache, caches
from django.db.models import Count, Sum
from django.http import HttpResponse, JsonResponse
from django.views import View

_refill_lock = threading.Lock()


def dashboard(request):
    key = f"dashboard:{request.user.pk}"
    data = cache.get(key)
    if data is None:
        data = build_dashboard(request.user)
        cache.set(key, data, timeout=300)  # expect: PF004
    return JsonResponse(data)


def top_products(request):
    products = cache.get("top-products")
    if not products:
        products = list(
            Order.objects.values("product_id").annotate(n=Count("id")).order_by("-n")[:20]
        )
        cache.set("top-products", products, 60 * 15)  # expect: PF004
    return JsonResponse({"products": products})


def revenue(request):
    stats_cache = caches["stats"]
    total = stats_cache.get("revenue:today")
    if total is None:
        total = Order.objects.filter(created__date=today()).aggregate(s=Sum("amount"))["s"]
        stats_cache.set("revenue:today", total, timeout=120)  # expect: PF004
    return JsonResponse({"revenue": str(total)})


def category_stats(request, slug):
    stats = cache.get_or_set(f"catstats:{slug}", lambda: compute_category_stats(slug), 900)  # expect: PF004
    return JsonResponse(stats)


class SitemapView(View):
    def get(self, request):
        xml = cache.get("sitemap.xml")
        if xml is None:
            xml = render_sitemap(Page.objects.filter(published=True))
            cache.set("sitemap.xml", xml, 3600)  # expect: PF004
        return HttpResponse(xml, content_type="application/xml")


# ok: refill under a process lock with a double check
def dashboard_locked(request):
    key = f"dashboard:{request.user.pk}"
    data = cache.get(key)
    if data is None:
        with _refill_lock:
            data = cache.get(key)
            if data is None:
                data = build_dashboard(request.user)
                cache.set(key, data, timeout=300)
    return JsonResponse(data)


# ok: cache.add used as a lock so only one request recomputes
def leaderboard(request):
    board = cache.get("leaderboard")
    if board is None:
        if cache.add("leaderboard:lock", "1", timeout=30):
            try:
                board = compute_leaderboard()
                cache.set("leaderboard", board, timeout=600)
            finally:
                cache.delete("leaderboard:lock")
        else:
            board = cache.get("leaderboard:stale", [])
    return JsonResponse({"board": board})


# ok: entry never expires
def country_list(request):
    countries = cache.get("countries")
    if countries is None:
        countries = list(Country.objects.values_list("code", flat=True))
        cache.set("countries", countries, timeout=None)
    return JsonResponse({"countries": countries})


# ok: get_or_set with a constant
def maintenance_flag(request):
    flag = cache.get_or_set("maintenance", False, 60)
    return JsonResponse({"maintenance": flag})


# ok: write-through on update, no read-miss-recompute
def update_profile(request):
    profile = request.user.profile
    profile.bio = request.POST["bio"]
    profile.save()
    cache.set(f"profile:{profile.pk}", profile.to_dict(), timeout=3600)
    return JsonResponse({"ok": True})
