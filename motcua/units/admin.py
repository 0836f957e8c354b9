from django.contrib import admin

from motcua.units.models import CalendarDay, Membership, Unit

admin.site.register(Unit)
admin.site.register(Membership)
admin.site.register(CalendarDay)
