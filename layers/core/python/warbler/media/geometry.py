"""Media sizes as arithmetic (no Pillow): what a preview of an image measures."""

from __future__ import annotations

import math
from collections.abc import Callable


def preview_size(width: int, height: int, preview_px: int) -> tuple[int, int]:
    """The size ``images._preview`` renders an image of ``width`` x ``height`` at: Pillow's ``thumbnail``
    rule (fit in a ``preview_px`` square, keep the aspect ratio, never enlarge), as arithmetic,
    so a preview can be described without opening it."""
    if width <= preview_px and height <= preview_px:
        return width, height
    aspect = width / height
    side = preview_px

    def nearest(number: float, key: Callable[[int], float]) -> int:
        return max(min(math.floor(number), math.ceil(number), key=key), 1)

    if aspect <= 1:
        return nearest(side * aspect, lambda n: abs(aspect - n / side)), side
    return side, nearest(side / aspect, lambda n: 0 if n == 0 else abs(aspect - side / n))
