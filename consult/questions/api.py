"""The questions of a consultation's current round over the API: the tallies (GET)
and a participant's answers (POST).  Thin: consult/questions/services.py has the rules."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from comments.answers import selectors as answer_selectors
from comments.answers import services as answering
from consult.access import consultation_or_404
from consult.consultations.selectors import round_current
from plenary import ratelimit


class TallyOptionSerializer(serializers.Serializer):
    option = serializers.CharField(help_text=_("The choice's label, or the scale value."))
    count = serializers.IntegerField()


class QuestionTallySerializer(serializers.Serializer):
    number = serializers.IntegerField(source="question.ordinal")
    text = serializers.CharField(source="question.text")
    help_text = serializers.CharField(source="question.help_text")
    kind = serializers.CharField(source="question.kind")
    required = serializers.BooleanField(source="question.required")
    choices = serializers.SerializerMethodField(
        help_text=_("The options in order (choice numbers start at 1); empty for free text.")
    )
    tally = serializers.SerializerMethodField()
    free_text_answers = serializers.IntegerField(
        help_text=_("Public written answers (comments in the ledger).")
    )

    def get_choices(self, tally) -> list[str]:
        return [choice.label for choice in tally.question.choices.all()]

    @extend_schema(responses=TallyOptionSerializer(many=True))
    def get_tally(self, tally) -> list[dict]:
        return [{"option": label, "count": n} for label, n in tally.options]


class RoundQuestionsSerializer(serializers.Serializer):
    round = serializers.IntegerField(allow_null=True, help_text=_("The current round's number."))
    open = serializers.BooleanField()
    questions = QuestionTallySerializer(many=True)


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text=_(
            "By question number (“1” or “q1”): a choice number (single choice), a list of "
            "choice numbers (multiple choice), a number (scale) or text (free text). "
            "A new submission replaces the earlier choices."
        ),
    )
    accept_code_of_conduct = serializers.BooleanField(default=False)


class AnswersRecordedSerializer(serializers.Serializer):
    receipts = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Receipts of the comments written for free-text answers."),
    )


class RoundQuestionsView(APIView):
    """The current round's questions with the counts of their answers."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: RoundQuestionsSerializer})
    def get(self, request: Request, slug: str) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        round_ = round_current(consultation=consultation)
        tallies = answer_selectors.round_tallies(round_=round_) if round_ else []
        data = {
            "round": round_.number if round_ else None,
            "open": bool(round_ and round_.is_open()),
            "questions": tallies,
        }
        return Response(RoundQuestionsSerializer(data).data)


class RoundAnswersView(APIView):
    """Answer the open round's questions, all at once (all or nothing)."""

    permission_classes = [permissions.IsAuthenticated]
    rate_limited = ("POST",)  # written answers are comments (plenary.api documents the 429)

    @extend_schema(request=AnswersSerializer, responses={201: AnswersRecordedSerializer})
    def post(self, request: Request, slug: str) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        data = AnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        round_ = round_current(consultation=consultation)
        if round_ is None:
            raise serializers.ValidationError(
                {"round": [_("No round of this consultation is open.")]}
            )
        written = answering.answers_submit(
            actor=request.user,
            round_=round_,
            answers=data.validated_data["answers"],
            accept_code_of_conduct=data.validated_data["accept_code_of_conduct"],
            # Written answers count as comments: RateLimited is a 429 (plenary.api).
            rate_key=ratelimit.rate_key(request),
        )
        return Response(
            {"receipts": [comment.receipt for comment in written]}, status=status.HTTP_201_CREATED
        )
