from django.urls import path

from motcua.notifications import demo_gateway

app_name = "demo_sms"
urlpatterns = [
    path("", demo_gateway.page, name="page"),
    path("api/messages", demo_gateway.api_messages, name="messages"),
]
