"""The categories an industry starts with: in force for a tenant whose industry configuration names a known industry
and who has set no categories of its own (seed 003's industry-specific settings)."""

from __future__ import annotations

from typing import Any

INDUSTRY_CATEGORIES: dict[str, list[dict[str, Any]]] = {
    "accounting": [
        {"key": "office_supplies", "name": "Office supplies", "keywords": ["stationery", "printer", "paper"]},
        {"key": "travel", "name": "Travel", "keywords": ["airline", "hotel", "taxi"]},
        {"key": "software", "name": "Software", "keywords": ["saas", "subscription", "license"]},
        {"key": "meals", "name": "Meals and entertainment", "keywords": ["restaurant", "catering"]},
        {"key": "utilities", "name": "Utilities", "keywords": ["electricity", "water", "internet"]},
        {"key": "rent", "name": "Rent", "keywords": ["lease", "office rent"]},
        {"key": "payroll", "name": "Payroll", "keywords": ["salary", "wages"]},
        {"key": "refunds", "name": "Refunds", "keywords": ["refund", "chargeback"]},
    ],
    "retail": [
        {"key": "inventory", "name": "Inventory", "keywords": ["stock", "wholesale"]},
        {"key": "shipping", "name": "Shipping", "keywords": ["courier", "postage"]},
        {"key": "marketing", "name": "Marketing", "keywords": ["ads", "promotion"]},
        {"key": "returns", "name": "Returns", "keywords": ["refund", "return"]},
    ],
}
