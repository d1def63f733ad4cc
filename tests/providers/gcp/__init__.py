"""Tests of the Google Cloud provider."""
