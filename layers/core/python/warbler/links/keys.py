"""Short keys: 7 characters of base62 from a keyed permutation of a counter.

The key space is 62^7 = 3,521,614,606,208 (about 3.5 x 10^12) keys. Counter value ``n`` (every
``n`` handed out once, see ``KeyPool``) becomes the key ``base62(permute(n))``, where ``permute``
is a bijection of ``[0, 62^7)``: a four-round Feistel network over 42 bits whose round function
is keyed BLAKE2b (a PRF, and several times faster than HMAC in Python),
walked in cycles until the value falls inside the key space (format-preserving encryption). A
bijection means distinct counters give distinct keys, and without the secret the key after
``aZ3k9Qx`` cannot be told from any other.
"""

from __future__ import annotations

import hashlib

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KEY_LENGTH = 7
KEY_SPACE = len(ALPHABET) ** KEY_LENGTH
_HALF_BITS = 21  # 2^42 = 4.4 x 10^12 > 62^7: on average 1.25 Feistel passes per key
_HALF_MASK = (1 << _HALF_BITS) - 1
_ROUNDS = 4
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def encode(value: int) -> str:
    if not 0 <= value < KEY_SPACE:
        raise ValueError(f"{value} is outside the key space")
    chars = []
    for _ in range(KEY_LENGTH):
        value, digit = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def is_key(text: str) -> bool:
    return len(text) == KEY_LENGTH and all(c in _INDEX for c in text)


class Permutation:
    """A keyed bijection of ``[0, KEY_SPACE)``."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the permutation secret must be at least 16 bytes")
        # One keyed hash per round, its state copied per call (keying costs more than hashing).
        self._rounds = [
            hashlib.blake2b(key=secret[:64], digest_size=8, person=b"warbler-kgs", salt=bytes([r]) * 16)
            for r in range(_ROUNDS)
        ]

    def _round(self, r: int, half: int) -> int:
        h = self._rounds[r].copy()
        h.update(half.to_bytes(3, "big"))
        return int.from_bytes(h.digest(), "big") & _HALF_MASK

    def _feistel(self, value: int) -> int:
        left, right = value >> _HALF_BITS, value & _HALF_MASK
        for r in range(_ROUNDS):
            left, right = right, left ^ self._round(r, right)
        return (left << _HALF_BITS) | right

    def __call__(self, value: int) -> int:
        if not 0 <= value < KEY_SPACE:
            raise ValueError(f"{value} is outside the key space")
        # Cycle walking: the Feistel network permutes [0, 2^42); re-applying it to values that
        # land outside [0, 62^7) until one lands inside keeps the map a bijection of the smaller set.
        value = self._feistel(value)
        while value >= KEY_SPACE:
            value = self._feistel(value)
        return value

    def key(self, counter: int) -> str:
        return encode(self(counter))
