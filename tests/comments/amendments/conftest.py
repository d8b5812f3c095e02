"""A consultation whose paragraphs exercise the quote rule: emphasis in the source,
a passage across a line break, words that occur twice."""

import pytest

from tests.comments.amendments.factories import DRAFT
from tests.consult.factories import open_consultation


@pytest.fixture
def draft_consultation(secretariat):
    return open_consultation(secretariat=secretariat, draft=DRAFT)
