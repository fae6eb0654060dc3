"""The Warbler benchmark (``python -m bench``). It runs Warbler's code in this process as the
local stage: importing it puts the layer on ``sys.path`` and sets ``WARBLER_STAGE=local``
through ``infra.functions.ensure_local_runtime``, the one place that does."""

from infra.functions import ensure_local_runtime

ensure_local_runtime()
