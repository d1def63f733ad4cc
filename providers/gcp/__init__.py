"""Google Cloud: collection (Resource Manager, Cloud Asset Inventory), offline export import, normalization."""
