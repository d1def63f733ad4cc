"""Azure provider: live collection through Resource Graph and ARM, offline import of exports."""
