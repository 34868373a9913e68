from django.urls import path

from steward.quality import views

app_name = "quality"

urlpatterns = [
    path("scorecards/", views.scorecard_list, name="scorecard-list"),
    path("scorecards/new/", views.scorecard_create, name="scorecard-create"),
    path("scorecards/<int:pk>/", views.scorecard_detail, name="scorecard-detail"),
    path("scorecards/<int:pk>/new-draft/", views.scorecard_new_draft, name="scorecard-new-draft"),
    path("versions/<int:pk>/", views.version_detail, name="version-detail"),
    path("versions/<int:pk>/yaml/", views.version_yaml, name="version-yaml"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version-edit"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version-publish"),
    path("evaluations/", views.evaluation_list, name="evaluation-list"),
    path("evaluations/assign/", views.evaluation_assign, name="evaluation-assign"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation-detail"),
    path("evaluations/<int:pk>/score/", views.evaluation_preview, name="evaluation-preview"),
    path("evaluations/<int:pk>/acknowledge/", views.evaluation_acknowledge, name="evaluation-acknowledge"),
    path("evaluations/<int:pk>/dispute/", views.evaluation_dispute, name="evaluation-dispute"),
    path("evaluations/<int:pk>/review/", views.evaluation_review, name="evaluation-review"),
    path("evaluations/<int:pk>/coaching/", views.coaching_create, name="coaching-create"),
    path("coaching/", views.coaching_list, name="coaching-list"),
    path("coaching/mine/", views.coaching_mine, name="coaching-mine"),
    path("coaching/<int:pk>/", views.coaching_detail, name="coaching-detail"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("report/", views.qa_report, name="report"),
    path("compliance/rules/", views.rule_list, name="rule-list"),
    path("compliance/rules/new/", views.rule_create, name="rule-create"),
    path("compliance/rules/import/", views.rule_import, name="rule-import"),
    path("compliance/rules/scan/", views.rule_scan, name="rule-scan"),
    path("compliance/rules/<int:pk>/", views.rule_detail, name="rule-detail"),
    path("compliance/rules/<int:pk>/edit/", views.rule_edit, name="rule-edit"),
    path("compliance/hits/", views.hit_list, name="hit-list"),
    path("calibration/", views.calibration_list, name="calibration-list"),
    path("calibration/new/", views.calibration_create, name="calibration-create"),
    path("calibration/<int:pk>/", views.calibration_detail, name="calibration-detail"),
    path("calibration/<int:pk>/contacts/<int:interaction_id>/", views.calibration_score, name="calibration-score"),
    path("compliance/contacts/<int:interaction_id>/", views.contact_hits, name="contact-hits"),
]
