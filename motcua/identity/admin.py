from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from motcua.identity.models import CitizenProfile, User

admin.site.register(User, UserAdmin)
admin.site.register(CitizenProfile)
