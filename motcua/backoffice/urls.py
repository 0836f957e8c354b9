
app_name = "backoffice"
urlpatterns: list = []
