"""Per-service reads for facts Cloud Asset Inventory does not carry, turned into inventory-shaped records."""
