"""Receipt numbers: short, unguessable, easy to read aloud or copy from paper.

Crockford's base32 alphabet (no I, L, O, U), 10 symbols in two groups:
``7K3M-Q9XD2T`` style, 50 bits of randomness.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")


def new_receipt() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(10))
    return f"{symbols[:5]}-{symbols[5:]}"


def normalise(receipt: str) -> str:
    """Accept what people type: lower case, spaces, O for 0, I/L for 1."""
    cleaned = receipt.strip().upper().replace(" ", "").replace("O", "0")
    cleaned = cleaned.replace("I", "1").replace("L", "1")
    if len(cleaned) == 10 and "-" not in cleaned:
        cleaned = f"{cleaned[:5]}-{cleaned[5:]}"
    return cleaned
