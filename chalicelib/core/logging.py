"""Structured JSON logs (Powertools Logger), created on first use."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from .settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger


@lru_cache(maxsize=1)
def get_logger() -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service="learnloop", level=get_settings().log_level)
