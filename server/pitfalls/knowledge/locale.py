"""Locale: which calls and attributes make a value depend on the user's language."""

from __future__ import annotations

_GETTEXT_FAMILY = (
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "ugettext",
    "ugettext_lazy",
    "ungettext",
    "ungettext_lazy",
    "lazy_gettext",
    "lazy_ngettext",
    "lazy_pgettext",
    "_",
)

LOCALE_CALLS: frozenset[str] = frozenset(
    {
        *(f"django.utils.translation.{name}" for name in _GETTEXT_FAMILY),
        "django.utils.translation.get_language",
        "django.utils.translation.get_language_from_request",
        "django.utils.translation.get_language_bidi",
        "django.utils.translation.override",
        "django.utils.formats.date_format",
        "django.utils.formats.time_format",
        "django.utils.formats.number_format",
        "django.utils.formats.localize",
        "django.utils.timesince.timesince",
        "django.utils.timesince.timeuntil",
        "django.contrib.humanize.templatetags.humanize.naturaltime",
        "django.contrib.humanize.templatetags.humanize.naturalday",
        "django.contrib.humanize.templatetags.humanize.intcomma",
        *(f"flask_babel.{name}" for name in _GETTEXT_FAMILY),
        *(f"flask_babelex.{name}" for name in _GETTEXT_FAMILY),
        *(
            f"{module}.{name}"
            for module in ("flask_babel", "flask_babelex")
            for name in (
                "get_locale",
                "force_locale",
                "format_date",
                "format_datetime",
                "format_time",
                "format_timedelta",
                "format_currency",
                "format_decimal",
                "format_number",
                "format_percent",
                "format_scientific",
            )
        ),
        *(
            f"gettext.{name}"
            for name in ("gettext", "ngettext", "pgettext", "npgettext", "dgettext", "dngettext")
        ),
        "fastapi_babel._",
        "fastapi_babel.make_gettext",
        "starlette_babel.gettext",
        "starlette_babel.gettext_lazy",
        "starlette_babel.get_locale",
        "i18n.t",
        "babel.support.Translations.gettext",
    }
)
"""Calls whose result is in, or depends on, the language of the current user."""

LOCALE_CALL_NAMES: frozenset[str] = frozenset({*_GETTEXT_FAMILY, "_l", "_n", "get_language", "get_locale"})
"""Called names that mean the same when nothing in the file says where they come from
(``gettext.install()`` puts ``_`` in builtins; many projects re-export it)."""

LOCALE_ATTRIBUTES: frozenset[str] = frozenset(
    {"LANGUAGE_CODE", "accept_languages", "locale_name", "localizer", "preferred_language"}
)
"""Attributes of a request (or similar) that carry the user's language."""

SETTINGS_RECEIVERS: frozenset[str] = frozenset(
    {"settings", "conf", "config", "app_settings", "django_settings"}
)
"""Receivers whose ``LANGUAGE_CODE`` is the site's default language, not the user's."""

LOCALE_HEADER_STRINGS: frozenset[str] = frozenset({"accept-language", "http_accept_language"})
"""Header names (compared lower-case) that carry the user's language."""

TEMPLATE_RENDER_CALLS: frozenset[str] = frozenset(
    {
        "flask.render_template",
        "flask.render_template_string",
        "django.shortcuts.render",
        "django.shortcuts.render_to_response",
        "django.template.loader.render_to_string",
        "django.template.response.TemplateResponse",
    }
)
TEMPLATE_RENDER_METHODS: frozenset[str] = frozenset(
    {"render", "render_to_string", "render_template", "TemplateResponse"}
)
"""Template rendering: in a file that uses translations, templates are rendered in the
current language."""

I18N_MODULES: tuple[str, ...] = (
    "django.utils.translation",
    "flask_babel",
    "flask_babelex",
    "gettext",
    "babel",
    "fastapi_babel",
    "starlette_babel",
    "i18n",
)
"""Imports that show a file is translated (so rendering a template there is locale-dependent)."""

KEY_LANGUAGE_WORDS: tuple[str, ...] = ("lang", "locale", "i18n", "l10n", "translation")
"""Lower-case fragments that, anywhere in a cache key's expression, show it varies by language."""

LANGUAGE_KEY_PARTS: tuple[tuple[str, str, str, str], ...] = (
    ("django", "django.utils.translation", "get_language", "get_language()"),
    ("flask_babel", "flask_babel", "get_locale", "get_locale()"),
    ("flask_babelex", "flask_babelex", "get_locale", "get_locale()"),
)
"""For the fix: when a file imports the first module, the current language comes from
``<expression>`` after importing ``<name>`` from ``<module>``."""
