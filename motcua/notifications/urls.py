from django.urls import path

from motcua.notifications import views

app_name = "notifications"
urlpatterns = [
    path("profile/notifications/", views.profile, name="profile"),
    path("outbox/dead/", views.dead_letters, name="dead_letters"),
]
