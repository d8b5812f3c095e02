"""feedback.clusters.clustering: exact and near duplicates grouped, unrelated texts kept apart."""

from feedback.clusters.clustering import cluster_texts, normalise, shingles

CAMPAIGN = (
    "We the undersigned call on the secretariat to keep the public interest exemption "
    "in article four, because without it small community broadcasters would lose the "
    "spectrum they rely on to reach rural audiences in their own languages every day."
)
OTHER_CAMPAIGN = (
    "Data retention periods in the draft are far too long and should be cut to six "
    "months, with an independent audit of every request made by the agencies involved "
    "and a yearly public report on how the retained records were actually used."
)


def clustered(items):
    return {frozenset(key for key, _score in c.members) for c in cluster_texts(items)}


def test_normalise_folds_case_punctuation_and_whitespace():
    assert normalise("  Keep   THE exemption!!\n(Article 4.)  ") == "keep the exemption article 4"
    assert normalise("…") == ""


def test_shingles_are_word_triples_or_the_whole_short_text():
    assert shingles("a b c d") == {b"a b c", b"b c d"}
    assert shingles("a b") == {b"a b"}


def test_exact_copies_after_normalisation_form_one_cluster_with_similarity_one():
    items = [
        (1, CAMPAIGN),
        (2, CAMPAIGN.upper()),
        (3, "  " + CAMPAIGN.replace(",", " ;")),
        (4, "x"),
    ]
    [cluster] = cluster_texts(items)
    assert cluster.representative == 1
    assert cluster.members == ((1, 1.0), (2, 1.0), (3, 1.0))


def test_near_duplicates_join_their_campaign():
    words = CAMPAIGN.split()
    swapped = [*words]
    swapped[5], swapped[6] = swapped[6], swapped[5]
    near = [
        " ".join(swapped),
        " ".join(words[:10] + words[11:]),  # a word deleted
        " ".join([*words[:20], "really", *words[20:]]),  # a word inserted
        CAMPAIGN + " I run a community radio station in the north and this matters to me.",
    ]
    items = [(0, CAMPAIGN), *((i + 1, text) for i, text in enumerate(near))]
    [cluster] = cluster_texts(items)
    assert cluster.representative == 0
    assert {key for key, _ in cluster.members} == {0, 1, 2, 3, 4}
    scores = dict(cluster.members)
    assert scores[0] == 1.0
    assert all(0.4 <= score < 1.0 for key, score in scores.items() if key)


def test_unrelated_texts_and_campaigns_stay_apart():
    items = [
        (1, CAMPAIGN),
        (2, CAMPAIGN + " Please listen."),
        (3, OTHER_CAMPAIGN),
        (4, OTHER_CAMPAIGN.lower()),
        (5, "The definition of broadcaster in section two is unclear to me."),
        (6, "I support the draft as it stands and thank the secretariat for it."),
    ]
    assert clustered(items) == {frozenset({1, 2}), frozenset({3, 4})}


def test_a_text_sharing_a_sentence_is_not_a_copy():
    first_sentence = CAMPAIGN.split(",")[0]
    items = [
        (1, CAMPAIGN),
        (
            2,
            first_sentence + " but I disagree with everything else the campaign says about "
            "rural audiences, languages and the broadcasters of my region.",
        ),
    ]
    assert clustered(items) == set()


def test_no_input_or_only_singletons_gives_no_cluster():
    assert cluster_texts([]) == []
    assert cluster_texts([(1, CAMPAIGN), (2, OTHER_CAMPAIGN)]) == []
