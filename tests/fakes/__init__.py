"""Building blocks of the tests' local cloud fakes: one loopback guard, one threaded server, one JSON reader."""
