"""``{% application_panels application %}``: the panels that apps above applications registered."""

from django import template

from applications.panels import render_panels

register = template.Library()


@register.simple_tag
def application_panels(application, open_places: bool = False):
    return render_panels(application, open_places=open_places)
