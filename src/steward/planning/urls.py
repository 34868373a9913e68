from django.urls import path

from steward.planning import views

app_name = "planning"

urlpatterns = [
    path("", views.plan_list, name="index"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task-edit"),
    path("tasks/<int:pk>/move/", views.task_move, name="task-move"),
    path("tasks/<int:pk>/dependencies/add/", views.dependency_add, name="dependency-add"),
    path("tasks/<int:pk>/dependencies/remove/", views.dependency_remove, name="dependency-remove"),
    path("phases/<int:pk>/edit/", views.phase_edit, name="phase-edit"),
    path("milestones/<int:pk>/toggle/", views.milestone_toggle, name="milestone-toggle"),
    path("projects/<str:code>/", views.plan_detail, name="plan-detail"),
    path("projects/<str:code>/create/", views.plan_create, name="plan-create"),
    path("projects/<str:code>/needs/", views.needs_edit, name="needs-edit"),
    path("projects/<str:code>/board/", views.board, name="board"),
    path("projects/<str:code>/timeline/", views.timeline_view, name="timeline"),
    path("projects/<str:code>/tasks.csv", views.task_export, name="task-export"),
    path("projects/<str:code>/tasks/new/", views.task_create, name="task-create"),
    path("projects/<str:code>/raci/", views.raci, name="raci"),
    path("projects/<str:code>/raci/roles/", views.raci_party_add, name="raci-party-add"),
    path("projects/<str:code>/raci/activities/", views.raci_activity_add, name="raci-activity-add"),
    path("projects/<str:code>/readiness/", views.readiness, name="readiness"),
    path("projects/<str:code>/readiness/sign-off/", views.signoff, name="signoff"),
    path("projects/<str:code>/go-live/", views.go_live, name="go-live"),
]
