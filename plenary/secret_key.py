"""The rule for ``SECRET_KEY``: no key anyone can read in this repository signs
a deployment's sessions, password resets or allauth's confirmation keys.

Read by ``plenary/settings.py`` (a process with ``DJANGO_DEBUG`` off stops at
start) and by ``plenary/checks.py`` (``manage.py check --deploy`` fails).  Plain
Python, no Django: settings import it before Django is configured.
"""

# The key a DEBUG process (a developer's shell) falls back to.  Public: it is here.
LOCAL_ONLY_KEY = "insecure-local-only-key-change-me-in-production-0123456789"

# Keys published in this repository, now or before: a deployment may have copied one.
PUBLIC_KEYS = frozenset(
    {
        LOCAL_ONLY_KEY,
        # docker-compose.yml's default until issue 21.
        "change-me-this-key-is-for-local-docker-compose-only",
    }
)

HOW_TO_SET = (
    "Generate one with  python -c 'import secrets; print(secrets.token_urlsafe(50))'  "
    "and set DJANGO_SECRET_KEY to it in the environment (or in the .env file at the "
    "project root; `make run` writes one for a local demo)."
)


def secret_key_problem(key: str) -> str | None:
    """What is wrong with ``key`` for a deployment, or None if nothing is."""
    if not key.strip():
        return "DJANGO_SECRET_KEY is not set, and DJANGO_DEBUG is off. " + HOW_TO_SET
    if key in PUBLIC_KEYS:
        return (
            "DJANGO_SECRET_KEY is a key published in Plenary's source code: anyone can "
            "sign sessions, password resets and address confirmations with it. " + HOW_TO_SET
        )
    return None
