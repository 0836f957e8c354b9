from django.contrib import admin

from motcua.units.models import CalendarDay, Membership, Team, Unit

admin.site.register(Unit)
admin.site.register(Membership)
admin.site.register(CalendarDay)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    # A unit's teams and councils, and who sits on them (a step's `team`).
    list_display = ("key", "unit", "name")
    filter_horizontal = ("members",)
