from django.urls import path

from motcua.vault import demo_views

app_name = "demo_registry"
urlpatterns = [path("<slug:code>/<str:key>", demo_views.record, name="record")]
