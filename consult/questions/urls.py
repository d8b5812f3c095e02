"""Pages of a round's questions (consult/questions/views.py)."""

from django.urls import path

from consult.questions import views as question_views

urlpatterns = [
    path(
        "c/<slug:slug>/rounds/<int:number>/questions/",
        question_views.round_questions,
        name="round_questions",
    ),
    path(
        "c/<slug:slug>/rounds/<int:number>/answers.csv",
        question_views.round_answers_csv,
        name="round_answers_csv",
    ),
    path(
        "staff/c/<slug:slug>/rounds/<int:number>/questions/",
        question_views.staff_questions,
        name="staff_questions",
    ),
    path(
        "staff/c/<slug:slug>/rounds/<int:number>/questions/<int:ordinal>/",
        question_views.staff_question_edit,
        name="staff_question_edit",
    ),
    path(
        "staff/c/<slug:slug>/rounds/<int:number>/questions/<int:ordinal>/change/",
        question_views.staff_question_change,
        name="staff_question_change",
    ),
]
