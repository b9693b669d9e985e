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
    path("assistance/", lists.assistance_list, name="assistance_list"),
    path("assistance/new/", views.assistance_create, name="assistance_create"),
    path("assistance/<int:pk>/", views.assistance_detail, name="assistance_detail"),
    *(
        path(f"assistance/<int:pk>/{step}/", views.assistance_step, {"step": step}, name=f"assistance_{step}")
        for step in views.ASSISTANCE_STEPS
    ),
    path("matters/", lists.matter_list, name="matter_list"),
    path("matters/new/", views.matter_create, name="matter_create"),
    path("matters/<int:pk>/", views.matter_detail, name="matter_detail"),
    path("matters/<int:pk>/beneficiaries/", views.matter_beneficiary, name="matter_beneficiary"),
    *(
        path(f"matters/<int:pk>/{step}/", views.matter_step, {"step": step}, name=f"matter_{step}")
        for step in views.MATTER_STEPS
    ),
    path("desk/", views.desk, name="desk"),
    path("desk/<int:pk>/", views.desk_window, name="desk_window"),
    path("desk/<int:pk>/call/", views.desk_call, name="desk_call"),
    path("desk/<int:pk>/take/", views.desk_take, name="desk_take"),
    path("board/<int:pk>/", views.board_page, name="board"),
    path("board/<int:pk>/data.json", views.board_data, name="board_data"),
]
