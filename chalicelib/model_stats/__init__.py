"""Model statistics: what each model did on each task, all time, per day and per hour, and each user's experience of it.

The one owner of the per-model evidence. Its sessions subscriber (`counting.session_counts`) moves every counter
in the transaction of the session, generation, feedback or erasure it counts, failed calls of a generation's
fallback chain included; routing reads the evidence (`service.for_category`, `service.user_preferences`),
analytics rolls the day rows into periods (`service.day_rows`) and hands back the all-time figures of each mapping
(`service.save_mapping_figures`), the catalog shows them beside its mappings. It imports no other capability.
"""
