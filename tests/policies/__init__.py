"""Tests of the built-in policy pack on each cloud's planted estates."""
