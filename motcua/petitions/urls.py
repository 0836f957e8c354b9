from django.urls import path

from motcua.petitions import views

app_name = "petitions"
urlpatterns = [
    path("", views.public_list, name="public"),
    path("new/", views.new, name="new"),
    path("verify/", views.verify, name="verify"),
    path("mine/", views.mine, name="mine"),
    path("office/", views.queue, name="queue"),
    path("office/register/", views.register, name="register"),
    path("office/stats/", views.stats, name="stats"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/act/<slug:action>/", views.act, name="act"),
]
