"""Analytics: exact day counters, roll-ups by period, learned preferences, reports, export and the dashboard's data."""
