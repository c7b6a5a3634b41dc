"""Template helpers of the staff pages: form fields with their errors, money, optional navigation."""

from decimal import Decimal, InvalidOperation

from django import forms, template
from django.template.defaultfilters import floatformat
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def url_if_exists(name: str, *args) -> str:
    """The URL of ``name``, or "" while no page of that name is installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.inclusion_tag("partials/field.html")
def field(bound_field: forms.BoundField, wide: bool = False, hint: str = "") -> dict:
    """A labelled input with its help text and errors, tied together for screen readers."""
    described_by = []
    if bound_field.help_text or hint:
        described_by.append(f"{bound_field.auto_id}-help")
    described_by.append(f"{bound_field.auto_id}-feedback")
    attrs = {"aria-describedby": " ".join(described_by)}
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    widget = bound_field.field.widget
    return {
        "field": bound_field,
        "widget": bound_field.as_widget(attrs=attrs),
        "is_checkbox": isinstance(widget, forms.CheckboxInput),
        # Checked by the server while the user types: its message has room kept for it.
        "is_live": "hx-get" in widget.attrs,
        "wide": wide,
        "help": hint or bound_field.help_text,
    }


@register.filter
def money(value, currency: str = "") -> str:
    """1234.5 → "KES 1,234.50"; blank stays blank."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    text = floatformat(amount, "2g")
    return f"{currency} {text}".strip()


@register.filter
def compact_number(value) -> str:
    """A short figure for chart labels: 950, 12.5K, 3.2M."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if abs(number) >= limit:
            short = f"{number / limit:.1f}".removesuffix(".0")
            return f"{short}{suffix}"
    return f"{number:.0f}" if number == int(number) else f"{number:.2f}"


@register.simple_tag
def user_organizations(user) -> list:
    """The organizations ``user`` can switch between, by name."""
    from accounts.selectors import organization_list_for_user

    if not getattr(user, "is_authenticated", False):
        return []
    return list(organization_list_for_user(user=user))


# 24×24 stroke icons; the paths are constants of this module, never user input.
ICONS = {
    "search": "M11 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14z M21 21l-4.35-4.35",
    "plus": "M12 5v14M5 12h14",
    "download": "M12 3v12M7 10l5 5 5-5M5 21h14",
    "upload": "M12 16V4M7 9l5-5 5 5M5 21h14",
    "edit": "M4 20h4L19 9l-4-4L4 16v4z M13.5 6.5l4 4",
    "lock": "M6 11h12v10H6z M8 11V7a4 4 0 0 1 8 0v4",
    "unlock": "M6 11h12v10H6z M8 11V7a4 4 0 0 1 7.5-2",
    "trash": "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
    "star": "M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1L3.2 9.5l6.1-.9z",
    "check": "M5 12l5 5L20 7",
    "copy": "M9 9h11v11H9z M5 15H4V4h11v1",
    "home": "M3 11l9-8 9 8 M5 9.5V21h14V9.5 M10 21v-6h4v6",
    "users": "M9 11a4 4 0 1 0 0-8a4 4 0 0 0 0 8z M2 21a7 7 0 0 1 14 0 M16 3.5a4 4 0 0 1 0 7.5 M18 14a6 6 0 0 1 4 7",
    "tag": "M3 3h8l10 10-8 8L3 11z M7.5 7.5h.01",
    "building": "M4 21V5l8-2v18 M12 9h8v12 M2 21h20 M7 8h2M7 12h2M7 16h2M15 13h2M15 17h2",
    "key": "M14 4a6 6 0 1 1-4.2 10.2L3 21 M6 18l2 2 M8 16l2 2 M16.5 7.5h.01",
    "archive": "M3 4h18v4H3z M5 8v12h14V8 M10 12h4",
    "ban": "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z M5.6 5.6l12.8 12.8",
    "file": "M6 2h9l5 5v15H6z M14 2v6h6 M9 13h6 M9 17h6",
    "logout": "M9 21H5V3h4 M16 17l5-5-5-5 M21 12H9",
    "chevron-down": "M6 9l6 6 6-6",
    "more": "M5 12h.01M12 12h.01M19 12h.01",
    "shield": "M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z",
    "clock": "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z M12 7v5l3 2",
    "mail": "M3 5h18v14H3z M3 6l9 7 9-7",
    "phone": ("M5 3h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 12l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 5a2 2 0 0 1 2-2z"),
    "x": "M6 6l12 12M18 6L6 18",
    "sort-asc": "M12 19V5M6 11l6-6 6 6",
    "sort-desc": "M12 5v14M6 13l6 6 6-6",
    "sort": "M8 9l4-4 4 4M8 15l4 4 4-4",
    "undo": "M9 14L4 9l5-5 M4 9h11a5 5 0 0 1 0 10h-3",
    "filter": "M3 5h18l-7 8v6l-4 2v-8z",
    "chart": "M4 20V10M10 20V4M16 20v-7M22 20H2",
    "alert": "M12 3l10 18H2z M12 10v4 M12 17.5h.01",
    "info": "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z M12 11v6 M12 7.5h.01",
    "bank": "M3 10h18L12 4z M5 10v8M9.5 10v8M14.5 10v8M19 10v8 M3 21h18",
}


@register.simple_tag
def icon(name: str, size: int = 18, label: str = "") -> str:
    """An inline icon; decorative unless ``label`` names it for screen readers."""
    path = ICONS[name]
    if label:
        return format_html(
            '<svg class="icon" width="{}" height="{}" viewBox="0 0 24 24" role="img" aria-label="{}">'
            '<path d="{}"/></svg>',
            size,
            size,
            label,
            path,
        )
    return format_html(
        '<svg class="icon" width="{}" height="{}" viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
        '<path d="{}"/></svg>',
        size,
        size,
        path,
    )


@register.filter
def initials(name: str) -> str:
    """Two letters for an avatar: "Jane Wanjiku" → "JW"."""
    words = [word for word in str(name).split() if word[:1].isalnum()]
    letters = "".join(word[0] for word in words[:2]) or "?"
    return letters.upper()


@register.simple_tag
def elided_pages(page) -> list:
    """Page numbers around ``page`` with … gaps: 1 … 4 5 [6] 7 8 … 40."""
    return list(page.paginator.get_elided_page_range(number=page.number, on_each_side=2, on_ends=1))
