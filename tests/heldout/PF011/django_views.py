"""Django storefront views with cached, translated fragments."""
from django.core.cache import cache
from django.http import JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import get_language, gettext as _, ngettext, pgettext
from django.views.decorators.cache import cache_page

from .models import Campaign, Product


def main_menu():
    menu = cache.get("main_menu")
    if menu is None:
        menu = [
            {"title": _("Home"), "url": "/"},
            {"title": _("Orders"), "url": "/orders/"},
            {"title": _("Account"), "url": "/account/"},
        ]
        cache.set("main_menu", menu, 3600)  # expect: PF011
    return menu


def stock_badge(product: Product) -> str:
    key = f"stock-badge:{product.pk}"
    badge = cache.get(key)
    if badge is None:
        badge = ngettext("%(n)d item left", "%(n)d items left", product.stock) % {"n": product.stock}
        cache.set(key, badge, timeout=60)  # expect: PF011
    return badge


def product_description(request, pk):
    key = "desc:%s" % pk
    text = cache.get(key)
    if text is None:
        product = Product.objects.get(pk=pk)
        text = product.translations.get(language=request.LANGUAGE_CODE).description
        cache.set(key, text, 600)  # expect: PF011
    return JsonResponse({"description": text})


def campaign_banner(campaign: Campaign) -> str:
    return cache.get_or_set(  # expect: PF011
        f"banner:{campaign.id}",
        lambda: pgettext("banner", "Sale: %s") % campaign.title,
        600,
    )


def footer_html(request):
    html = cache.get("footer")
    if html is None:
        html = render_to_string("partials/footer.html", {"links": _("Help, Contact")}, request=request)
        cache.set("footer", html)  # expect: PF011
    return html


# ---- negatives -------------------------------------------------------------


def main_menu_localized():
    key = f"main_menu:{get_language()}"
    menu = cache.get(key)
    if menu is None:
        menu = [{"title": _("Home"), "url": "/"}, {"title": _("Orders"), "url": "/orders/"}]
        cache.set(key, menu, 3600)
    return menu


@cache_page(60 * 15)
def landing(request):
    return JsonResponse({"headline": _("Welcome to the shop")})


def product_price(pk):
    key = f"price:{pk}"
    price = cache.get(key)
    if price is None:
        price = Product.objects.values_list("price", flat=True).get(pk=pk)
        cache.set(key, price, 300)
    return price


def product_description_localized(request, pk):
    lang = request.LANGUAGE_CODE
    key = f"desc:{pk}:{lang}"
    text = cache.get(key)
    if text is None:
        text = Product.objects.get(pk=pk).translations.get(language=lang).description
        cache.set(key, text, 600)
    return JsonResponse({"description": text})


def digest_subject(user, count):
    with translation.override(user.language):
        return ngettext("%d new message", "%d new messages", count) % count


def campaign_banner_localized(campaign: Campaign) -> str:
    lang = translation.get_language()
    return cache.get_or_set(
        f"banner:{campaign.id}:{lang}",
        lambda: pgettext("banner", "Sale: %s") % campaign.title,
        600,
    )
