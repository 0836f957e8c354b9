"""The back office for what an administrator may edit: points, thresholds, targets, options, outside figures."""

from django.contrib import admin

from motcua.monitoring.models import ExternalFigure, IndicatorSetting, Option, Target


@admin.register(IndicatorSetting)
class IndicatorSettingAdmin(admin.ModelAdmin):
    list_display = ("code", "max_points", "threshold", "when_no_data", "published")
    list_editable = ("max_points", "threshold", "when_no_data", "published")


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("unit_class", "year", "rate")
    list_editable = ("rate",)


@admin.register(Option)
class OptionAdmin(admin.ModelAdmin):
    list_display = ("key", "value")


@admin.register(ExternalFigure)
class ExternalFigureAdmin(admin.ModelAdmin):
    list_display = ("indicator", "unit", "month", "numerator", "denominator", "note")
    list_filter = ("indicator",)
    raw_id_fields = ("unit",)
