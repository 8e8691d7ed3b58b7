"""The editor's settings for pitfalls: ``initializationOptions`` and the ``pitfalls``
section of ``workspace/configuration`` / ``workspace/didChangeConfiguration``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pitfalls.config import ConfigError, Settings

SECTION = "pitfalls"
DEFAULT_DEBOUNCE_SECONDS = 0.15
DEFAULT_INFERENCE_DELAY_SECONDS = 0.3
_KEYS = ("enable", "select", "ignore", "severity", "debounce", "inferenceDelay")


@dataclass(frozen=True)
class ClientSettings:
    enable: bool = True
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    severity: Mapping[str, str] | None = None
    debounce: float = DEFAULT_DEBOUNCE_SECONDS
    """Seconds to wait after an edit before checking; 0 checks at once."""
    inference_delay: float = DEFAULT_INFERENCE_DELAY_SECONDS
    """Seconds a document must stay unchanged after its fast pass before jedi answers its
    type questions; 0 starts at once."""

    def apply_to(self, settings: Settings) -> Settings:
        """The project's settings with the editor's overrides on top."""
        if self.select is None and self.ignore is None and self.severity is None:
            return settings
        return settings.overridden(
            select=self.select, ignore=self.ignore, severity=self.severity, where="editor settings"
        )


def section_of(raw: Any) -> Mapping[str, Any] | None:
    """The pitfalls settings inside what a client sent: either the section itself or an
    object holding it under ``pitfalls``."""
    if not isinstance(raw, Mapping):
        return None
    inner = raw.get(SECTION)
    if isinstance(inner, Mapping):
        return inner
    if any(key in raw for key in _KEYS):
        return raw
    return None


def parse_client_settings(raw: Mapping[str, Any], base: ClientSettings | None = None) -> ClientSettings:
    """Validate the editor's settings; keys not given keep their value from ``base``.

    Raises ConfigError naming the bad key, so the user sees which setting to change.
    """
    base = base or ClientSettings()
    enable = raw.get("enable", base.enable)
    if not isinstance(enable, bool):
        raise ConfigError(f"editor settings: pitfalls.enable: expected true or false, got {enable!r}")
    select = _codes(raw, "select", base.select)
    ignore = _codes(raw, "ignore", base.ignore)
    severity = raw.get("severity", base.severity)
    if severity is not None and not isinstance(severity, Mapping):
        raise ConfigError(
            f"editor settings: pitfalls.severity: expected an object of code: level, got {severity!r}"
        )
    settings = ClientSettings(
        enable=enable,
        select=select,
        ignore=ignore,
        severity=dict(severity) if severity is not None else None,
        debounce=_seconds(raw, "debounce", base.debounce),
        inference_delay=_seconds(raw, "inferenceDelay", base.inference_delay),
    )
    settings.apply_to(Settings())  # unknown rule codes and levels fail here, not per file
    return settings


def _seconds(raw: Mapping[str, Any], key: str, default: float) -> float:
    """A setting given in milliseconds, in seconds."""
    if key not in raw:
        return default
    milliseconds = raw[key]
    if isinstance(milliseconds, bool) or not isinstance(milliseconds, (int, float)) or milliseconds < 0:
        raise ConfigError(
            f"editor settings: pitfalls.{key}: expected milliseconds (0 or more), got {milliseconds!r}"
        )
    return milliseconds / 1000


def _codes(raw: Mapping[str, Any], key: str, default: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if key not in raw:
        return default
    value = raw[key]
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"editor settings: pitfalls.{key}: expected a list of rule codes, got {value!r}")
    # Editors fill unset list settings with []; an empty list means "not set", not "no rules".
    return tuple(value) or None
