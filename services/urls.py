from django.urls import path

from . import lists, views

app_name = "services"

urlpatterns = [
    path("", lists.ticket_list, name="ticket_list"),
    path("tickets/new/", views.ticket_create, name="ticket_create"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/serve/", views.desk_serve, name="desk_serve"),
    *(
        path(f"tickets/<int:pk>/{step}/", views.ticket_step, {"step": step}, name=f"ticket_{step}")
        for step in views.STEPS
    ),
    path("desk/", views.desk, name="desk"),
    path("desk/<int:pk>/", views.desk_window, name="desk_window"),
    path("desk/<int:pk>/call/", views.desk_call, name="desk_call"),
    path("desk/<int:pk>/take/", views.desk_take, name="desk_take"),
    path("board/<int:pk>/", views.board_page, name="board"),
    path("board/<int:pk>/data.json", views.board_data, name="board_data"),
]
