"""Tests of the GCP normalizer and the offline export import."""
