"""Model statistics' items: the counters of what each model did (all time, per day, per hour, per user) and the
materialised figures of each mapping. The discriminators and keys are those the items had under catalog and analytics."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core.table import TableItem
from .figures import FIELDS

# Counter names (chalicelib.core.counters): the bucket of each follows.
MODEL_TASK = "MODELTASK"  # <category>#<model id>
MODEL_DAY = "MODELDAY"  # <day>#<category>#<model id>
MODEL_HOUR = "MODELHOUR"  # <yyyy-mm-ddThh>#<category>#<model id>


class ModelTaskCounter(TableItem, discriminator="counter_model_task"):
    """What one model did on one task category, all time (bucket `<category>#<model id>`), one shard of it."""

    requests = NumberAttribute(null=True)
    attempts = NumberAttribute(null=True)
    errors = NumberAttribute(null=True)
    processing_count = NumberAttribute(null=True)
    processing_ms_sum = NumberAttribute(null=True)
    input_tokens = NumberAttribute(null=True)
    output_tokens = NumberAttribute(null=True)
    cost_usd = NumberAttribute(null=True)
    feedback = NumberAttribute(null=True)
    rated = NumberAttribute(null=True)
    successes = NumberAttribute(null=True)
    quality_count = NumberAttribute(null=True)
    quality_sum = NumberAttribute(null=True)
    rating_count = NumberAttribute(null=True)
    rating_sum = NumberAttribute(null=True)
    likes = NumberAttribute(null=True)
    dislikes = NumberAttribute(null=True)
    regenerates = NumberAttribute(null=True)
    skips = NumberAttribute(null=True)


class ModelDayCounter(TableItem, discriminator="counter_model_day"):
    """What one model did on one task category on one day (the session's creation day), one shard of it."""

    locals().update({name: NumberAttribute(null=True) for name in FIELDS})


class ModelHourCounter(ModelDayCounter, discriminator="counter_model_hour"):
    """The same for one UTC hour (the session's creation hour): the edges of a window asked to the hour."""


class UserPreferenceCounter(TableItem, discriminator="counter_user_preference"):
    """One end user's experience of one model on one category, in the user's own partition (seed 002's user preferences)."""

    requests = NumberAttribute(null=True)
    feedback = NumberAttribute(null=True)
    rated = NumberAttribute(null=True)
    successes = NumberAttribute(null=True)
    quality_count = NumberAttribute(null=True)
    quality_sum = NumberAttribute(null=True)
    rating_count = NumberAttribute(null=True)
    rating_sum = NumberAttribute(null=True)
    likes = NumberAttribute(null=True)
    dislikes = NumberAttribute(null=True)
    regenerates = NumberAttribute(null=True)
    skips = NumberAttribute(null=True)
    # Set with every count (the sessions subscriber): who, what, when; gsi1 indexes the change by day.
    user_id = UnicodeAttribute(null=True)
    category_key = UnicodeAttribute(null=True)
    model_id = UnicodeAttribute(null=True)
    first_used_at = UnicodeAttribute(null=True)
    last_used_at = UnicodeAttribute(null=True)
    # Seed 002's derived fields, materialised by aggregate-metrics (chalicelib.model_stats.preferences).
    derived = JSONAttribute(null=True)


class MappingStatsItem(TableItem, discriminator="model_task_stats"):
    """Seed 002's figures of a model on a task (all time), materialised by aggregate-metrics beside the mapping."""

    category_key = UnicodeAttribute()
    model_id = UnicodeAttribute()
    figures = JSONAttribute()
    as_of = UnicodeAttribute()
