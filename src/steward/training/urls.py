from django.urls import path

from steward.training import views

app_name = "training"

urlpatterns = [
    path("", views.index, name="index"),
    path("my/", views.my_training, name="my-training"),
    path("articles/", views.article_list, name="articles"),
    path("articles/new/", views.article_create, name="article-create"),
    path("articles/<str:code>/", views.article_detail, name="article"),
    path("articles/<str:code>/edit/", views.article_edit, name="article-edit"),
    path("articles/<str:code>/rules/", views.article_rules, name="article-rules"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version-publish"),
    path("versions/<int:pk>/acknowledge/", views.version_acknowledge, name="version-acknowledge"),
    path("courses/", views.course_list, name="courses"),
    path("courses/new/", views.course_create, name="course-create"),
    path("courses/<str:code>/", views.course_detail, name="course"),
    path("courses/<str:code>/assessments/new/", views.assessment_create, name="assessment-create"),
    path("courses/<str:code>/require/", views.course_require, name="course-require"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/new/", views.session_create, name="session-create"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session-attendance"),
    path("sessions/<int:pk>/results/new/", views.result_create, name="result-create"),
    path("results/", views.result_list, name="results"),
    path("results/<int:pk>/", views.result_detail, name="result"),
    path("matrix/", views.matrix, name="matrix"),
    path("agents/", views.agent_list, name="agents"),
    path("agents/<int:pk>/status/", views.agent_status, name="agent-status"),
]
