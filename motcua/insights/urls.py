from django.urls import path

from motcua.insights import views

app_name = "insights"
urlpatterns = [
    path("units/<str:code>/insights/", views.steps_page, name="steps"),
    path("units/<str:code>/insights.csv", views.steps_csv, name="steps_csv"),
]
