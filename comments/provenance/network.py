"""The network a submission came from, as a keyed hash: never the address.

The entry points read the client address once, with ``plenary.ratelimit.client_ip``
(the rate limiter's reading: ``REMOTE_ADDR``, IPv6 already reduced to its /64), and
pass it to ``comment_create(network=...)``.  Here it is reduced to its network (/24
for IPv4, /64 for IPv6: what one household, office or small hosting block holds)
and hashed with HMAC-SHA256 under ``PLENARY_NETWORK_HASH_KEY`` (default: a key
derived from ``SECRET_KEY``).  The hash lets the secretariat see that many
submissions came from one network; without the key nobody can test a guessed
address against it (2**24 IPv4 networks are otherwise a second's work).
"""

import ipaddress

from django.conf import settings
from django.utils.crypto import salted_hmac

# Django's salted_hmac keys HMAC with sha256(salt + secret): changing either changes every hash.
_SALT = "plenary.comments.provenance.network"


def network_of(address: str | None) -> str | None:
    """The /24 or /64 network holding ``address`` (``"203.0.113.0/24"``); None if unreadable."""
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            parsed = parsed.ipv4_mapped
        else:
            return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(ipaddress.IPv4Network(f"{parsed}/24", strict=False))


def network_hash(address: str | None) -> str | None:
    """HMAC-SHA256 (hex) of ``address``'s network under the configured key; None if unreadable."""
    network = network_of(address)
    if network is None:
        return None
    secret = settings.PLENARY_NETWORK_HASH_KEY or settings.SECRET_KEY
    return salted_hmac(_SALT, network, secret=secret, algorithm="sha256").hexdigest()
