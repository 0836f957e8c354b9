from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(ratio: float | None) -> str:
    """0.8125 → "81,25%" (localized); None is for the template to word as "no data"."""
    return "" if ratio is None else f"{number_format(ratio * 100, 2)}%"
